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
// Assumes a little-endian host (checked at compile time). Left out: writing F16/BF16 (read_safetensors_values reads them), integer dtypes, mmap,
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

// A file's header alone, for a loader that reads each tensor straight into its destination (so a
// model is never held twice in memory) and converts dtypes as it goes:
//   SafetensorsIndex ix = read_safetensors_index("gpt2/model.safetensors");
//   const SafetensorsIndex::Tensor* t = ix.find("wte.weight");   // dtype "F16", shape [50257, 768]
//   read_safetensors_values(ix, *t, 0, t->numel(), wte.data());   // converted to float
// The header is checked as load_safetensors checks it, but every dtype the format defines is accepted:
// the caller decides which tensors it reads.
struct SafetensorsIndex {
    struct Tensor {
        std::string name;
        std::string dtype;    // "F32", "F16", "BF16", "F64", "I64", "BOOL", ...
        Shape shape;
        int64_t begin, end;   // byte range within the data section
        int64_t numel() const { return shape_numel(shape); }
    };
    std::string path;
    std::vector<Tensor> tensors;   // in the order of their bytes
    std::map<std::string, std::string> metadata;
    int64_t data_start = 0;        // file offset of the data section
    const Tensor* find(const std::string& name) const;   // nullptr if absent
};
SafetensorsIndex read_safetensors_index(const std::string& path);

// Elements [first, first + count) of one tensor, converted to real, into out (count,). Reads through a
// small fixed buffer. Throws std::runtime_error naming the file and tensor for a dtype other than F32,
// F64, F16 and BF16 or a failed read; std::invalid_argument for a range outside the tensor.
void read_safetensors_values(const SafetensorsIndex& index, const SafetensorsIndex::Tensor& t, int64_t first,
                             int64_t count, real* out);

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
