// Tokenizers: the interface the trainer and the sampler use (Tokenizer), a decoder for one token at a
// time (StreamDecoder), and the character tokenizer: one token per Unicode code point (not per byte),
// so "é" or "中" is one token, as in nanoGPT's shakespeare_char. The byte-level BPE tokenizer that
// also implements Tokenizer is in gpt/bpe.h.
//
//   CharTokenizer tok = CharTokenizer::from_text(text);   // vocabulary: the distinct characters, sorted
//   std::vector<int32_t> ids = tok.encode("To be");       // one id per character
//   std::string back = tok.decode(ids);                   // "To be"
//   std::string meta = tok.to_string();                   // for the checkpoint; from_string() reverses it
//
// Leaves out: special tokens, any normalisation of the text.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gs::gpt {

// What a language model needs from a tokenizer: text to ids and back. One virtual call per text or
// per token, never per character.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // How a checkpoint names the kind: "char" or "bpe".
    virtual std::string kind() const = 0;
    virtual int vocab_size() const = 0;
    // The ids of UTF-8 text. Throws std::invalid_argument naming `what` for invalid UTF-8, or for
    // text the vocabulary cannot express.
    virtual std::vector<int32_t> encode(const std::string& utf8, const std::string& what = "text") const = 0;
    // The text of the ids, always valid UTF-8. An id outside [0, vocab_size) throws std::invalid_argument.
    virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
    // The bytes of one token, which for a byte-level BPE may be part of a character. Throws as decode.
    virtual std::string token_bytes(int32_t id) const = 0;
};

// Decodes a stream of ids one at a time, as a sampler prints them. A BPE token may end in the middle of
// a character (GPT-2 spells many Chinese characters as two or three byte tokens), so bytes that can
// still become a character are held back until the token that completes them arrives. The pieces,
// joined, equal tok.decode() of all the ids: bytes that can never form a character become U+FFFD there
// and here alike.
//
//   StreamDecoder stream(tok);
//   for (int32_t id : ids) std::cout << stream.push(id) << std::flush;
//   std::cout << stream.finish();
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tok) : tok_(tok) {}
    // The text that token `id` completes: possibly empty, possibly ending an earlier token's character.
    std::string push(int32_t id);
    // Whatever is still held back (an unfinished character comes out as U+FFFD); then starts afresh.
    std::string finish();

private:
    const Tokenizer& tok_;
    std::string pending_;   // 0 to 3 bytes: the start of a character still waiting for its end
};

class CharTokenizer : public Tokenizer {
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

    std::string kind() const override { return "char"; }
    int vocab_size() const override { return int(chars_.size()); }
    const std::vector<uint32_t>& chars() const { return chars_; }   // (V,) id -> code point

    // One id per character. A character outside the vocabulary throws std::invalid_argument naming
    // it, its byte offset and `what`:  "prompt: character 'é' (U+00E9) at byte offset 3 is not in ..."
    std::vector<int32_t> encode(const std::string& utf8, const std::string& what = "text") const override;
    // The text of the ids; an id outside [0, vocab_size) throws std::invalid_argument.
    std::string decode(const std::vector<int32_t>& ids) const override;
    // The character's UTF-8 bytes: always a whole character.
    std::string token_bytes(int32_t id) const override;

private:
    explicit CharTokenizer(std::vector<uint32_t> chars);   // chars must be sorted, no repeats
    int32_t id_of(uint32_t cp) const;   // -1 if absent

    std::vector<uint32_t> chars_;   // (V,) sorted ascending, no repeats
    std::vector<int32_t> ascii_;    // (128,) id of each ASCII character or -1: the common case, one load
};

}  // namespace gs::gpt
