// GPT-2's tokenizer files, in which train_bpe's tokenizers are saved too, so one reader serves both:
//   encoder.json   {"!": 0, "\"": 1, ..., "Ġthe": 262, ..., "<|endoftext|>": 50256}    token -> id
//   vocab.bpe      "#version: 0.2", then one merge per line by rank: "Ġ t" makes "Ġt"
// (Hugging Face names the same two files vocab.json and merges.txt.)
// Tokens are bytes, but JSON keys and space-separated lines want visible characters, so each byte is
// written as one printable character: the 188 bytes that already print as one ('!'..'~', '¡'..'¬',
// '®'..'ÿ') stand for themselves, and the other 68 (controls, space, DEL, no-break space, soft
// hyphen) take U+0100, U+0101, ... in byte order. So a space is written "Ġ" (U+0120), a newline "Ċ".
//
//   BpeTokenizer gpt2 = load_bpe("gpt2");               // gpt2/encoder.json and gpt2/vocab.bpe
//   save_bpe(train_bpe(text, 512), "out/tokenizer");    // the same two files
//
// Bad files throw std::runtime_error with one line naming the file and the problem.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "gpt/bpe.h"

namespace gs::gpt {

// (256,) the code point each byte is written as: byte_to_unicode()[' '] == 0x120 ('Ġ').
const std::array<uint32_t, 256>& byte_to_unicode();

// A tokenizer from the two files' contents; the names start the error messages:
//   "encoder.json: id 17 is given twice: to \"a\" and to \"b\""
//   "vocab.bpe: line 9: expected two tokens separated by one space, found \"abc\""
BpeTokenizer parse_bpe(const std::string& encoder_json, const std::string& vocab_bpe,
                       const std::string& encoder_name = "encoder.json", const std::string& merges_name = "vocab.bpe");

// From files: the pair named, or dir's encoder.json and vocab.bpe, else its vocab.json and merges.txt.
BpeTokenizer load_bpe_files(const std::string& encoder_path, const std::string& merges_path);
BpeTokenizer load_bpe(const std::string& dir);

// The two files' contents, and both written into dir (created if missing), each atomically.
std::string encoder_json_text(const BpeTokenizer& tok);
std::string vocab_bpe_text(const BpeTokenizer& tok);
void save_bpe(const BpeTokenizer& tok, const std::string& dir);

}  // namespace gs::gpt
