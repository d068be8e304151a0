// The strict UTF-8 decoder and the character tokenizer. See tokenizer.h.
#include "gpt/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "autograd/check.h"

namespace gs {

namespace {

// Throws "<what>: invalid UTF-8 at byte offset <start> (0x.. 0x..): <why>", showing bytes start..last.
[[noreturn]] void bad_utf8(const std::string& what, const std::string& s, size_t start, size_t last,
                           const char* why) {
    std::string shown;
    for (size_t i = start; i <= last && i < s.size(); i++) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%s0x%02X", i > start ? " " : "", unsigned(uint8_t(s[i])));
        shown += hex;
    }
    throw std::invalid_argument(what + ": invalid UTF-8 at byte offset " + std::to_string(start) + " (" +
                                shown + "): " + why);
}

// Reads the code point that starts at s[pos] and moves pos past it. The checks are the Unicode
// standard's table of well-formed sequences (Table 3-7): the lead byte fixes the length, and
// narrowing the second byte's range is all it takes to refuse overlong forms, surrogates and code
// points past U+10FFFF; every later byte only has to be a continuation byte 10xxxxxx.
uint32_t next_code_point(const std::string& s, size_t& pos, const std::string& what) {
    const size_t start = pos;
    const uint8_t b0 = uint8_t(s[start]);
    if (b0 < 0x80) { pos++; return b0; }

    int len = 0;
    uint32_t cp = 0;
    uint8_t lo = 0x80, hi = 0xBF;      // allowed range of the second byte
    const char* out_of_range = "";     // why a second byte outside [lo, hi] is refused
    if (b0 < 0xC0) bad_utf8(what, s, start, start, "unexpected continuation byte");
    if (b0 < 0xC2) bad_utf8(what, s, start, start, "overlong encoding");   // C0, C1 only encode ASCII
    if (b0 < 0xE0) { len = 2; cp = b0 & 0x1F; }
    else if (b0 < 0xF0) {
        len = 3; cp = b0 & 0x0F;
        if (b0 == 0xE0) { lo = 0xA0; out_of_range = "overlong encoding"; }
        if (b0 == 0xED) { hi = 0x9F; out_of_range = "surrogate (U+D800..U+DFFF)"; }
    } else if (b0 < 0xF5) {
        len = 4; cp = b0 & 0x07;
        if (b0 == 0xF0) { lo = 0x90; out_of_range = "overlong encoding"; }
        if (b0 == 0xF4) { hi = 0x8F; out_of_range = "code point above U+10FFFF"; }
    } else if (b0 < 0xF8) bad_utf8(what, s, start, start, "code point above U+10FFFF");
    else bad_utf8(what, s, start, start, "invalid lead byte");

    for (int k = 1; k < len; k++) {
        const size_t i = start + size_t(k);
        if (i >= s.size()) bad_utf8(what, s, start, i - 1, "truncated sequence at end of input");
        const uint8_t b = uint8_t(s[i]);
        if (b < 0x80 || b > 0xBF) bad_utf8(what, s, start, i, "expected a continuation byte");
        if (k == 1 && (b < lo || b > hi)) bad_utf8(what, s, start, i, out_of_range);
        cp = (cp << 6) | (b & 0x3F);
    }
    pos = start + size_t(len);
    return cp;
}

bool is_scalar_value(uint32_t cp) { return cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF); }

// cp must be a scalar value (checked by the callers)
void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

}  // namespace

std::vector<uint32_t> decode_utf8(const std::string& bytes, const std::string& what) {
    std::vector<uint32_t> cps;
    cps.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) cps.push_back(next_code_point(bytes, pos, what));
    return cps;
}

std::string encode_utf8(uint32_t cp) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", unsigned(cp));
    check(is_scalar_value(cp), "encode_utf8", u, " is not a Unicode scalar value (a surrogate or above U+10FFFF)");
    std::string out;
    append_utf8(out, cp);
    return out;
}

std::string describe_char(uint32_t cp) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", unsigned(cp));
    if (cp == '\n') return std::string("'\\n' (") + u + ")";
    if (cp == '\t') return std::string("'\\t' (") + u + ")";
    if (cp == '\r') return std::string("'\\r' (") + u + ")";
    // other control characters would garble the message, so they show as their number only
    bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
    if (control || !is_scalar_value(cp)) return u;
    return "'" + encode_utf8(cp) + "' (" + u + ")";
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
    std::vector<uint32_t> cps = decode_utf8(utf8, what);
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
    for (uint32_t cp : chars_) append_utf8(out, cp);
    return out;
}

CharTokenizer CharTokenizer::from_string(const std::string& vocab_utf8) {
    std::vector<uint32_t> vocab = decode_utf8(vocab_utf8, "tokenizer vocabulary");
    check(!vocab.empty(), "tokenizer", "the vocabulary string is empty");
    for (size_t i = 1; i < vocab.size(); i++) {
        check(vocab[i] != vocab[i - 1], "tokenizer", "vocabulary repeats character ", describe_char(vocab[i]),
              " (ids ", i - 1, " and ", i, ")");
        check(vocab[i] > vocab[i - 1], "tokenizer", "vocabulary is not sorted: id ", i, " ",
              describe_char(vocab[i]), " comes after id ", i - 1, " ", describe_char(vocab[i - 1]));
    }
    return CharTokenizer(std::move(vocab));
}

std::vector<int32_t> CharTokenizer::encode(const std::string& utf8, const std::string& what) const {
    std::vector<int32_t> ids;
    ids.reserve(utf8.size());
    size_t pos = 0;
    while (pos < utf8.size()) {
        const size_t at = pos;
        const uint32_t cp = next_code_point(utf8, pos, what);
        const int32_t id = id_of(cp);
        if (id < 0)
            throw std::invalid_argument(what + ": character " + describe_char(cp) + " at byte offset " +
                                        std::to_string(at) + " is not in the vocabulary (" +
                                        std::to_string(chars_.size()) + " characters)");
        ids.push_back(id);
    }
    return ids;
}

std::string CharTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    out.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); i++) {
        check(ids[i] >= 0 && ids[i] < vocab_size(), "decode", "token id ", ids[i], " at position ", i,
              " is out of range for a vocabulary of ", vocab_size());
        append_utf8(out, chars_[size_t(ids[i])]);
    }
    return out;
}

}  // namespace gs
