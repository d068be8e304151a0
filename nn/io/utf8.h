// UTF-8, the one codec every text path uses: the tokenizers, the JSON reader and the checkpoint files.
//
//   std::vector<uint32_t> cps = decode_utf8("héllo", "prompt");   // {0x68, 0xE9, 0x6C, 0x6C, 0x6F}
//   std::string s = encode_utf8(0x4E2D);                          // "中" (3 bytes)
//   is_valid_utf8("\xC3\x28")                                     // false
//
// Strict, as the Unicode standard's table of well-formed sequences (Table 3-7) demands: overlong
// encodings, surrogates (U+D800..U+DFFF), code points above U+10FFFF, truncated sequences and stray
// continuation bytes are all malformed. Left out: normalisation, grapheme clusters, other encodings.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gs::io {

// The sequence starting at p (with `left` bytes available): its length (1 to 4) with its code point
// in *cp, or 0 if it is malformed, with the reason in *why and the offset of the byte that made it
// malformed in *bad (0 for the lead byte). Never reads past p[left - 1].
size_t utf8_next(const unsigned char* p, size_t left, uint32_t* cp, const char** why, size_t* bad);

// The code point starting at s[pos]; moves pos past it. Throws std::invalid_argument
//   "<what>: invalid UTF-8 at byte offset 1234 (0xC3 0x28): expected a continuation byte"
// showing the bytes from the sequence's start to the one that made it invalid.
uint32_t next_code_point(const std::string& s, size_t& pos, const std::string& what);

// Every code point of `bytes`; throws as next_code_point does.
std::vector<uint32_t> decode_utf8(const std::string& bytes, const std::string& what);

// True if `s` is well-formed UTF-8.
bool is_valid_utf8(const std::string& s);

// A scalar value is any code point but a surrogate, up to U+10FFFF: exactly what UTF-8 can encode.
inline bool is_scalar_value(uint32_t cp) { return cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF); }

// `bytes` with each ill-formed part replaced by U+FFFD, the way Python's decode(errors="replace") and
// the Unicode standard's "maximal subpart" practice do it: a lead byte with the continuation bytes
// that correctly follow it becomes one U+FFFD; any other bad byte becomes one U+FFFD of its own.
//   replace_invalid_utf8("a\xE4\xB8b")   // "a\uFFFDb": E4 B8 starts 中 but stops early: one U+FFFD
//   replace_invalid_utf8("\xED\xA0\x80") // three U+FFFD: ED A0 would be a surrogate, never a prefix
std::string replace_invalid_utf8(const std::string& bytes);

// How many bytes (0 to 3) at the end of `bytes` begin a well-formed sequence that stops before its
// end: what a decoder fed one piece at a time must hold back until the next piece completes it.
//   incomplete_utf8_tail("ab\xE4\xB8")   // 2 (the first two bytes of 中)
//   incomplete_utf8_tail("ab\xC3\xA9")   // 0 (é is complete)
//   incomplete_utf8_tail("ab\xFF")        // 0 (0xFF never starts a sequence: it is simply invalid)
size_t incomplete_utf8_tail(const std::string& bytes);

// Appends the 1-4 bytes of cp, which must be a scalar value (not checked: the callers know it is).
void append_utf8(std::string& out, uint32_t cp);

// The bytes of one code point; throws std::invalid_argument for a surrogate or cp > U+10FFFF.
std::string encode_utf8(uint32_t cp);

// "'a' (U+0061)", "'\n' (U+000A)", "U+0007": a character as error messages show it (control
// characters as their number only, so they cannot garble the message).
std::string describe_char(uint32_t cp);

}  // namespace gs::io
