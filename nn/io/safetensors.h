// Model checkpoints in the safetensors format: a strict reader and an atomic writer.
//
//   save_safetensors("ckpt.safetensors", {{"wte.weight", wte}, {"lm_head.bias", b}}, {{"step", "5000"}});
//   SafetensorsFile f = load_safetensors("ckpt.safetensors");        // every tensor, fully checked
//   auto meta = load_into("ckpt.safetensors", named_params);         // same names and shapes, or throws
//
// The file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets count from the first byte after the header),
// an optional "__metadata__" string->string map, then the raw little-endian tensor bytes, which the
// tensors must cover exactly. Writes real's dtype (F32, or F64 in the double build); reads F32 and F64.
// Assumes a little-endian host (checked at compile time). Left out: F16/BF16/integer dtypes, mmap,
// and checkpoints sharded over several files.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace gs::io {

// Writes `tensors` in the given order, packed back to back, header padded with spaces to a multiple
// of 8 bytes. Atomic: the bytes go to a temporary file in the same directory, which is fsynced and
// then renamed over `path`, so a crash or a failure leaves either the old file or the new one, never
// a torn one. Throws std::invalid_argument for bad arguments (duplicate or reserved names, undefined
// tensors, names that are not UTF-8) before touching the disk, and std::runtime_error naming the file
// and the system's reason if writing fails, after removing the temporary file.
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// The header save_safetensors writes for these tensors and metadata: {"__metadata__":{...},
// "name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}, the tensors packed in the given
// order, padded with spaces so that the data starts 8-byte aligned. A checksum over it covers every
// name, dtype, shape, offset and metadata value (gpt/checkpoint.cpp's does).
std::string safetensors_header(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::map<std::string, std::string>& metadata);

struct SafetensorsFile {
    std::vector<std::pair<std::string, Tensor>> tensors;   // in the order of their bytes in the file
    std::map<std::string, std::string> metadata;
};

// Reads a whole file, checking everything before it returns: header length, JSON, every entry's dtype,
// shape and offsets, and that the tensors tile the data section with no gap, overlap or spare byte.
// F64 data is rounded to float in the float build. Throws std::runtime_error naming the file and the
// problem, e.g. `load_safetensors: ckpt.safetensors: tensor "w": dtype BF16 is not supported`.
SafetensorsFile load_safetensors(const std::string& path);

// How a file's tensors differ from the wanted names and shapes: "" if they are the same set, else
// "missing from the file: ...; not in the model: ...; shape mismatch: "w" is [2, 3] in the file but
// [3, 2] in the model", naming a few of each kind and counting the rest.
std::string layout_mismatch(const SafetensorsFile& file, const std::vector<std::pair<std::string, Shape>>& want);

// Copies a file already read (from `path`, for messages) into parameters of the same names and shapes,
// or throws std::runtime_error with the layout_mismatch() and changes nothing. Throws
// std::invalid_argument for undefined or repeated parameters.
void copy_into(const SafetensorsFile& file, const std::string& path,
               const std::vector<std::pair<std::string, Tensor>>& params);

// Loads a checkpoint into a model's parameters: load_safetensors, then copy_into. Returns the file's
// metadata.
std::map<std::string, std::string> load_into(const std::string& path,
                                             const std::vector<std::pair<std::string, Tensor>>& params);

}  // namespace gs::io
