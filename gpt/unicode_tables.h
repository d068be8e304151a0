// The three character classes GPT-2's pre-tokenizer asks about: letter (\p{L}), number (\p{N}) and
// whitespace (\s, the Unicode property White_Space). The data is generated from Python's unicodedata
// by scripts/gen_unicode_tables.py into unicode_tables.cpp; kUnicodeVersion says which Unicode it is.
//
//   char_class('a') == CharClass::Letter;  char_class(0x4E2D) == CharClass::Letter   // 中
//   char_class(0x00B2) == CharClass::Number   // ², category No
//   char_class(0x3000) == CharClass::Space    // ideographic space
//   char_class(0x0301) == CharClass::Other    // combining acute accent: a mark, not a letter
#pragma once
#include <cstddef>
#include <cstdint>

namespace gs::gpt {

// Letter: general category L* (Lu Ll Lt Lm Lo). Number: N* (Nd Nl No). Space: White_Space.
// Other: everything else, including marks (M*), punctuation, symbols and unassigned code points.
enum class CharClass : uint8_t { Other, Letter, Number, Space };

struct CharClassRange {
    uint32_t first, last;   // inclusive
    CharClass cls;
};

extern const char kUnicodeVersion[];            // "15.1.0"
extern const CharClass kAsciiCharClass[128];    // (128,)
extern const CharClassRange kCharClassRanges[];  // (kCharClassRangeCount,) sorted, disjoint, no Other
extern const size_t kCharClassRangeCount;

// One table load for ASCII; otherwise a binary search for the last range starting at or before cp.
inline CharClass char_class(uint32_t cp) {
    if (cp < 128) return kAsciiCharClass[cp];
    size_t lo = 0, hi = kCharClassRangeCount;   // the answer's range, if any, is in [lo, hi)
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (kCharClassRanges[mid].first <= cp) lo = mid;
        else hi = mid;
    }
    const CharClassRange& r = kCharClassRanges[lo];
    return (r.first <= cp && cp <= r.last) ? r.cls : CharClass::Other;
}

}  // namespace gs::gpt
