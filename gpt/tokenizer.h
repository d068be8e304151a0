// The GPT's character tokenizer: one token per Unicode code point (not per byte), so "é" or "中" is
// one token, as in nanoGPT's shakespeare_char. It decodes with the strict codec of nn/io/utf8.h.
//
//   CharTokenizer tok = CharTokenizer::from_text(text);   // vocabulary: the distinct characters, sorted
//   std::vector<int32_t> ids = tok.encode("To be");       // one id per character
//   std::string back = tok.decode(ids);                   // "To be"
//   std::string meta = tok.to_string();                   // for the checkpoint; from_string() reverses it
//
// Leaves out: subword merges (BPE), special tokens, any normalisation of the text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gs::gpt {

class CharTokenizer {
public:
    // Vocabulary = the distinct code points of the text, ascending, so the same text always gives the
    // same ids. Throws std::invalid_argument for invalid UTF-8 or an empty text.
    static CharTokenizer from_text(const std::string& utf8, const std::string& what = "text");

    // Serialised form for checkpoint metadata: the vocabulary's characters, in id order, concatenated
    // as UTF-8 and nothing else. Every character is stored as its raw bytes, including '\n', '"', '\\'
    // and U+0000, so the string is binary: store it with its length (not as a C string), and escape
    // it if it goes into a text format such as JSON.
    std::string to_string() const;
    // Reverses to_string(). Throws std::invalid_argument ("tokenizer: ...") if the string is empty,
    // not valid UTF-8, or its characters are not strictly ascending (unsorted or repeated).
    static CharTokenizer from_string(const std::string& vocab_utf8);

    int vocab_size() const { return int(chars_.size()); }
    const std::vector<uint32_t>& chars() const { return chars_; }   // (V,) id -> code point

    // One id per character. A character outside the vocabulary throws std::invalid_argument naming
    // it, its byte offset and `what`:  "prompt: character 'é' (U+00E9) at byte offset 3 is not in ..."
    std::vector<int32_t> encode(const std::string& utf8, const std::string& what = "text") const;
    // The text of the ids; an id outside [0, vocab_size) throws std::invalid_argument.
    std::string decode(const std::vector<int32_t>& ids) const;

private:
    explicit CharTokenizer(std::vector<uint32_t> chars);   // chars must be sorted, no repeats
    int32_t id_of(uint32_t cp) const;   // -1 if absent

    std::vector<uint32_t> chars_;   // (V,) sorted ascending, no repeats
    std::vector<int32_t> ascii_;    // (128,) id of each ASCII character or -1: the common case, one load
};

}  // namespace gs::gpt
