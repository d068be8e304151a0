// The character classes of GPT-2's pre-tokenizer (gpt/unicode_tables.h): known characters of each
// general category land in the right class, and the generated table is well formed (sorted, disjoint,
// agreeing with its ASCII shortcut). Node's classes are compared code point by code point in
// tests/gpt2_tokenizer/compare.sh.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "gpt/unicode_tables.h"

using namespace gs::gpt;

TEST(UnicodeTables, AsciiClasses) {
    for (uint32_t c = 'a'; c <= 'z'; c++) EXPECT_EQ(char_class(c), CharClass::Letter) << c;
    for (uint32_t c = 'A'; c <= 'Z'; c++) EXPECT_EQ(char_class(c), CharClass::Letter) << c;
    for (uint32_t c = '0'; c <= '9'; c++) EXPECT_EQ(char_class(c), CharClass::Number) << c;
    for (uint32_t c : {' ', '\t', '\n', '\v', '\f', '\r'}) EXPECT_EQ(char_class(c), CharClass::Space) << c;
    for (uint32_t c : {'\'', '!', '_', '~', '\0', '\x1c', '\x7f'}) EXPECT_EQ(char_class(c), CharClass::Other) << c;
}

TEST(UnicodeTables, LettersOfEveryKind) {
    EXPECT_EQ(char_class(0x00E9), CharClass::Letter);   // é, Ll
    EXPECT_EQ(char_class(0x01C5), CharClass::Letter);   // ǅ, Lt (title case)
    EXPECT_EQ(char_class(0x02B0), CharClass::Letter);   // ʰ, Lm (modifier)
    EXPECT_EQ(char_class(0x05D0), CharClass::Letter);   // א, Lo
    EXPECT_EQ(char_class(0x4E2D), CharClass::Letter);   // 中, Lo
    EXPECT_EQ(char_class(0x3042), CharClass::Letter);   // あ
    EXPECT_EQ(char_class(0xAC00), CharClass::Letter);   // 가
    EXPECT_EQ(char_class(0x0416), CharClass::Letter);   // Ж
    EXPECT_EQ(char_class(0x20000), CharClass::Letter);  // 𠀀, CJK extension B (4 bytes in UTF-8)
}

TEST(UnicodeTables, NumbersOfEveryKind) {
    EXPECT_EQ(char_class(0x0661), CharClass::Number);   // ١, Nd (Arabic-Indic digit one)
    EXPECT_EQ(char_class(0xFF11), CharClass::Number);   // １, Nd (fullwidth)
    EXPECT_EQ(char_class(0x2167), CharClass::Number);   // Ⅷ, Nl (Roman numeral)
    EXPECT_EQ(char_class(0x00B2), CharClass::Number);   // ², No
    EXPECT_EQ(char_class(0x00BD), CharClass::Number);   // ½, No
    EXPECT_EQ(char_class(0x2460), CharClass::Number);   // ①, No
    EXPECT_EQ(char_class(0x4E00), CharClass::Letter);   // 一 is a letter (Lo), not a number
}

TEST(UnicodeTables, WhitespaceIsUnicodeWhiteSpace) {
    for (uint32_t c : {0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u})
        EXPECT_EQ(char_class(c), CharClass::Space) << std::hex << c;
    // not White_Space: zero-width space and joiner (Cf), the byte-order mark (Cf), Mongolian vowel
    // separator (White_Space only before Unicode 6.3), and the information separators U+001C..U+001F
    for (uint32_t c : {0x200Bu, 0x200Du, 0xFEFFu, 0x180Eu, 0x1Cu, 0x1Fu})
        EXPECT_EQ(char_class(c), CharClass::Other) << std::hex << c;
}

TEST(UnicodeTables, MarksSymbolsAndTheUnassignedAreOther) {
    EXPECT_EQ(char_class(0x0301), CharClass::Other);    // combining acute accent, Mn
    EXPECT_EQ(char_class(0x0903), CharClass::Other);    // Devanagari visarga, Mc
    EXPECT_EQ(char_class(0x1F600), CharClass::Other);   // 😀, So
    EXPECT_EQ(char_class(0x3002), CharClass::Other);    // 。, Po
    EXPECT_EQ(char_class(0x20AC), CharClass::Other);    // €, Sc
    EXPECT_EQ(char_class(0xE000), CharClass::Other);    // private use
    EXPECT_EQ(char_class(0xD800), CharClass::Other);    // a surrogate (never in valid UTF-8)
    EXPECT_EQ(char_class(0x10FFFF), CharClass::Other);  // a noncharacter, the last code point
}

TEST(UnicodeTables, TableIsSortedDisjointAndAgreesWithTheAsciiShortcut) {
    ASSERT_GT(kCharClassRangeCount, 100u);
    for (size_t i = 0; i < kCharClassRangeCount; i++) {
        const CharClassRange& r = kCharClassRanges[i];
        EXPECT_LE(r.first, r.last) << i;
        EXPECT_LE(r.last, 0x10FFFFu) << i;
        EXPECT_NE(r.cls, CharClass::Other) << i;
        if (i > 0) {
            EXPECT_LT(kCharClassRanges[i - 1].last, r.first) << i;
        }
    }
    // the binary search must give what the ASCII table says, and the table's first ranges are ASCII
    for (uint32_t c = 0; c < 128; c++) {
        CharClass from_ranges = CharClass::Other;
        for (size_t i = 0; i < kCharClassRangeCount; i++)
            if (kCharClassRanges[i].first <= c && c <= kCharClassRanges[i].last) from_ranges = kCharClassRanges[i].cls;
        EXPECT_EQ(kAsciiCharClass[c], from_ranges) << c;
    }
    EXPECT_EQ(std::string(kUnicodeVersion).find('.') != std::string::npos, true);   // "15.1.0"
}

TEST(UnicodeTables, RangeEdgesAreExact) {
    // each range's first and last code point are in it and the neighbours outside are not (unless the
    // neighbouring range starts right there)
    for (size_t i = 0; i < kCharClassRangeCount; i++) {
        const CharClassRange& r = kCharClassRanges[i];
        EXPECT_EQ(char_class(r.first), r.cls);
        EXPECT_EQ(char_class(r.last), r.cls);
        const bool touches_next = i + 1 < kCharClassRangeCount && kCharClassRanges[i + 1].first == r.last + 1;
        if (!touches_next && r.last < 0x10FFFF) {
            EXPECT_EQ(char_class(r.last + 1), CharClass::Other) << r.last + 1;
        }
    }
}
