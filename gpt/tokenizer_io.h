// How a model directory holds its tokenizer. A checkpoint's metadata key "tokenizer" names the kind:
//   "char"  the character vocabulary is in the metadata itself ("vocab": its characters in id order)
//   "bpe"   the tokenizer is two files beside model.safetensors, encoder.json and vocab.bpe (the files
//           a Hugging Face GPT-2 directory has, gpt/bpe_files.h), and "tokenizer_crc32" in the metadata
//           fingerprints them, so files swapped for another tokenizer are refused
//
//   Metadata m = tokenizer_metadata(tok);          // into the checkpoint's metadata
//   save_tokenizer(tok, "out");                    // bpe: out/encoder.json, out/vocab.bpe; char: nothing
//   std::shared_ptr<const Tokenizer> t = load_tokenizer("out", m);
//
// Leaves out: the rest of a checkpoint (gpt/checkpoint.h).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "gpt/bpe.h"
#include "gpt/tokenizer.h"

namespace gs::gpt {

using Metadata = std::map<std::string, std::string>;

// The metadata that records tok: {"tokenizer": "char", "vocab": ...} or {"tokenizer": "bpe",
// "tokenizer_crc32": ...}. Throws std::invalid_argument for a kind other than those two.
Metadata tokenizer_metadata(const Tokenizer& tok);

// CRC-32 of the encoder.json and vocab.bpe that save_bpe writes for tok, as 8 hex digits: the same
// tokenizer gives the same value however its files were formatted when it was read.
std::string bpe_crc32(const BpeTokenizer& tok);

// Writes a BPE tokenizer's two files into dir (each atomically), unless they already hold exactly those
// bytes, so saving a checkpoint every few steps does not rewrite them. A character tokenizer lives in
// the metadata: nothing is written.
void save_tokenizer(const Tokenizer& tok, const std::string& dir);

// The tokenizer that metadata `m` records. "tokenizer" absent means "char" (checkpoints written before
// the key existed); any other value than "char" or "bpe" is refused, as is a "vocab" key in a bpe
// record or a "tokenizer_crc32" in a char one. For "bpe" it reads dir's encoder.json and vocab.bpe (or
// Hugging Face's vocab.json and merges.txt) and checks them against "vocab_size" and, when the key is
// present, "tokenizer_crc32". Throws std::runtime_error naming `source` (the file the metadata came
// from; dir if empty) or the tokenizer file at fault.
std::shared_ptr<const Tokenizer> load_tokenizer(const std::string& dir, const Metadata& m, const std::string& source = "");

// Whether two tokenizers give the same ids for every text: the same kind and the same vocabulary (and,
// for BPE, the same merges).
bool same_tokenizer(const Tokenizer& a, const Tokenizer& b);

// For messages: "the character tokenizer (65 characters)", "a BPE tokenizer of 512 tokens (CRC-32 1a2b3c4d)".
std::string describe_tokenizer(const Tokenizer& tok);

}  // namespace gs::gpt
