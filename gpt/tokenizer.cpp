// The streaming decoder and the character tokenizer. See tokenizer.h.
#include "gpt/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "autograd/check.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

// ---- StreamDecoder ----

std::string StreamDecoder::push(int32_t id) {
    pending_ += tok_.token_bytes(id);
    // Hold back a character that has started but not ended; everything before it is final. The held
    // bytes begin with a lead byte, which never continues an earlier sequence, so decoding the two parts
    // apart gives what decoding them together would.
    const size_t keep = io::incomplete_utf8_tail(pending_);
    std::string text = io::replace_invalid_utf8(pending_.substr(0, pending_.size() - keep));
    pending_.erase(0, pending_.size() - keep);
    return text;
}

std::string StreamDecoder::finish() {
    std::string text = io::replace_invalid_utf8(pending_);
    pending_.clear();
    return text;
}

// ---- CharTokenizer ----

CharTokenizer::CharTokenizer(std::vector<uint32_t> chars) : chars_(std::move(chars)), ascii_(128, -1) {
    for (size_t id = 0; id < chars_.size() && chars_[id] < 128; id++) ascii_[chars_[id]] = int32_t(id);
}

int32_t CharTokenizer::id_of(uint32_t cp) const {
    if (cp < 128) return ascii_[cp];
    auto it = std::lower_bound(chars_.begin(), chars_.end(), cp);
    return (it != chars_.end() && *it == cp) ? int32_t(it - chars_.begin()) : -1;
}

CharTokenizer CharTokenizer::from_text(const std::string& utf8, const std::string& what) {
    std::vector<uint32_t> cps = io::decode_utf8(utf8, what);
    check(!cps.empty(), "tokenizer", what, " is empty, so there is no vocabulary to build");
    // mark each code point seen, then read them back in order: sorted and distinct in O(n)
    std::vector<bool> seen(0x110000, false);
    for (uint32_t cp : cps) seen[cp] = true;
    std::vector<uint32_t> vocab;
    for (uint32_t cp = 0; cp < 0x110000; cp++)
        if (seen[cp]) vocab.push_back(cp);
    return CharTokenizer(std::move(vocab));
}

std::string CharTokenizer::to_string() const {
    std::string out;
    for (uint32_t cp : chars_) io::append_utf8(out, cp);
    return out;
}

CharTokenizer CharTokenizer::from_string(const std::string& vocab_utf8) {
    std::vector<uint32_t> vocab = io::decode_utf8(vocab_utf8, "tokenizer vocabulary");
    check(!vocab.empty(), "tokenizer", "the vocabulary string is empty");
    for (size_t i = 1; i < vocab.size(); i++) {
        check(vocab[i] != vocab[i - 1], "tokenizer", "vocabulary repeats character ", io::describe_char(vocab[i]),
              " (ids ", i - 1, " and ", i, ")");
        check(vocab[i] > vocab[i - 1], "tokenizer", "vocabulary is not sorted: id ", i, " ",
              io::describe_char(vocab[i]), " comes after id ", i - 1, " ", io::describe_char(vocab[i - 1]));
    }
    return CharTokenizer(std::move(vocab));
}

std::vector<int32_t> CharTokenizer::encode(const std::string& utf8, const std::string& what) const {
    std::vector<int32_t> ids;
    ids.reserve(utf8.size());
    size_t pos = 0;
    while (pos < utf8.size()) {
        const size_t at = pos;
        const uint32_t cp = io::next_code_point(utf8, pos, what);
        const int32_t id = id_of(cp);
        if (id < 0)
            throw std::invalid_argument(what + ": character " + io::describe_char(cp) + " at byte offset " +
                                        std::to_string(at) + " is not in the vocabulary (" +
                                        std::to_string(chars_.size()) + " characters)");
        ids.push_back(id);
    }
    return ids;
}

std::string CharTokenizer::token_bytes(int32_t id) const {
    check(id >= 0 && id < vocab_size(), "token_bytes", "token id ", id, " is out of range for a vocabulary of ",
          vocab_size());
    return io::encode_utf8(chars_[size_t(id)]);
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    out.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); i++) {
        check(ids[i] >= 0 && ids[i] < vocab_size(), "decode", "token id ", ids[i], " at position ", i,
              " is out of range for a vocabulary of ", vocab_size());
        io::append_utf8(out, chars_[size_t(ids[i])]);
    }
    return out;
}

}  // namespace gs::gpt
