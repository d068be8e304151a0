// The UTF-8 codec (nn/io/utf8.h): valid 1-4 byte sequences (byte values from the Unicode standard's
// encoding table), every kind of invalid sequence with its offset and reason in the message, and the
// encoder's refusal of values UTF-8 cannot hold. The JSON reader's use of it is tested in test_json.cpp.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "nn/io/utf8.h"

using namespace gs::io;

namespace {

// Expects decode_utf8(bytes, "in.txt") to throw, with `expected` (offset, bytes, reason) in the message.
void expect_bad_utf8(const std::string& bytes, const std::string& expected) {
    try {
        decode_utf8(bytes, "in.txt");
        ADD_FAILURE() << "accepted invalid UTF-8; expected an error containing: " << expected;
    } catch (const std::invalid_argument& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("in.txt: invalid UTF-8 at byte offset " + expected), std::string::npos) << msg;
    }
}

template <typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST(Utf8, DecodesAscii) {
    EXPECT_EQ(decode_utf8("Hi!\n", "t"), (std::vector<uint32_t>{0x48, 0x69, 0x21, 0x0A}));
    EXPECT_TRUE(decode_utf8("", "t").empty());
    // U+0000 is a valid character too: one zero byte
    EXPECT_EQ(decode_utf8(std::string(1, '\0'), "t"), (std::vector<uint32_t>{0}));
}

TEST(Utf8, DecodesTwoThreeAndFourByteCharacters) {
    // é = U+00E9 = C3 A9;  中 = U+4E2D = E4 B8 AD;  文 = U+6587 = E6 96 87;  😀 = U+1F600 = F0 9F 98 80
    EXPECT_EQ(decode_utf8("caf\xC3\xA9", "t"), (std::vector<uint32_t>{'c', 'a', 'f', 0xE9}));
    EXPECT_EQ(decode_utf8("\xE4\xB8\xAD\xE6\x96\x87", "t"), (std::vector<uint32_t>{0x4E2D, 0x6587}));
    EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80!", "t"), (std::vector<uint32_t>{0x1F600, '!'}));
}

// The first and last code point of each length, and both sides of the surrogate gap.
TEST(Utf8, BoundaryCodePointsDecodeAndEncode) {
    struct Case { uint32_t cp; std::string bytes; };
    const Case cases[] = {
        {0x7F, "\x7F"},           {0x80, "\xC2\x80"},         {0x7FF, "\xDF\xBF"},
        {0x800, "\xE0\xA0\x80"},  {0xD7FF, "\xED\x9F\xBF"},    {0xE000, "\xEE\x80\x80"},
        {0xFFFF, "\xEF\xBF\xBF"}, {0x10000, "\xF0\x90\x80\x80"}, {0x10FFFF, "\xF4\x8F\xBF\xBF"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(decode_utf8(c.bytes, "t"), std::vector<uint32_t>{c.cp}) << std::hex << c.cp;
        EXPECT_EQ(encode_utf8(c.cp), c.bytes) << std::hex << c.cp;
    }
}

TEST(Utf8, RejectsStrayContinuationByte) {
    expect_bad_utf8("ab\x80", "2 (0x80): unexpected continuation byte");
    expect_bad_utf8("\xC3\xA9\xA9", "2 (0xA9): unexpected continuation byte");   // é then one byte too many
}

TEST(Utf8, RejectsMissingContinuationByte) {
    expect_bad_utf8("abcd\xC3\x28", "4 (0xC3 0x28): expected a continuation byte");
    expect_bad_utf8("\xE4\xB8x", "0 (0xE4 0xB8 0x78): expected a continuation byte");
}

TEST(Utf8, RejectsOverlongEncodings) {
    // '/' (U+002F) in 2, 3 and 4 bytes; U+07FF in 3 bytes
    expect_bad_utf8("\xC0\xAF", "0 (0xC0): overlong encoding");
    expect_bad_utf8("\xC1\xBF", "0 (0xC1): overlong encoding");
    expect_bad_utf8("x\xE0\x80\xAF", "1 (0xE0 0x80): overlong encoding");
    expect_bad_utf8("\xE0\x9F\xBF", "0 (0xE0 0x9F): overlong encoding");
    expect_bad_utf8("\xF0\x80\x80\xAF", "0 (0xF0 0x80): overlong encoding");
}

TEST(Utf8, RejectsSurrogates) {
    // U+D800 = ED A0 80 and U+DFFF = ED BF BF would be the 3-byte forms of surrogates
    expect_bad_utf8("ok\xED\xA0\x80", "2 (0xED 0xA0): surrogate");
    expect_bad_utf8("\xED\xBF\xBF", "0 (0xED 0xBF): surrogate");
}

TEST(Utf8, RejectsCodePointsAboveMax) {
    // F4 90 80 80 would be U+110000; F5.. leads can only start such code points; F8..FF start nothing
    expect_bad_utf8("\xF4\x90\x80\x80", "0 (0xF4 0x90): code point above U+10FFFF");
    expect_bad_utf8("\xF5\x80\x80\x80", "0 (0xF5): code point above U+10FFFF");
    expect_bad_utf8("a\xFF", "1 (0xFF): invalid lead byte");
}

TEST(Utf8, RejectsTruncatedSequenceAtEnd) {
    expect_bad_utf8("x\xE4\xB8", "1 (0xE4 0xB8): truncated sequence at end of input");
    expect_bad_utf8("\xF0\x9F\x98", "0 (0xF0 0x9F 0x98): truncated sequence at end of input");
    expect_bad_utf8("abc\xC3", "3 (0xC3): truncated sequence at end of input");
}

TEST(Utf8, EncodeRejectsNonScalarValues) {
    EXPECT_THROW(encode_utf8(0xD800), std::invalid_argument);
    EXPECT_THROW(encode_utf8(0xDFFF), std::invalid_argument);
    std::string msg = error_of([] { encode_utf8(0x110000); });
    EXPECT_NE(msg.find("encode_utf8: U+110000"), std::string::npos) << msg;
}

TEST(Utf8, DescribeCharShowsPrintableAndEscapesControls) {
    EXPECT_EQ(describe_char('a'), "'a' (U+0061)");
    EXPECT_EQ(describe_char(0xE9), "'\xC3\xA9' (U+00E9)");
    EXPECT_EQ(describe_char('\n'), "'\\n' (U+000A)");
    EXPECT_EQ(describe_char(7), "U+0007");
}

// ---- replacing ill-formed parts, and the incomplete tail a streaming decoder holds back ----
// The expected strings follow the Unicode standard's "maximal subpart" rule (one U+FFFD per maximal
// prefix of a well-formed sequence, one per other bad byte); Python's bytes.decode("utf-8", "replace")
// gives the same for each case.

TEST(Utf8, ReplaceKeepsValidTextUnchanged) {
    const std::string text = "plain, caf\xC3\xA9, \xE4\xB8\xAD, \xF0\x9F\x98\x80";
    EXPECT_EQ(replace_invalid_utf8(text), text);
    EXPECT_EQ(replace_invalid_utf8(""), "");
}

TEST(Utf8, ReplaceGivesOneReplacementPerMaximalSubpart) {
    const std::string R = "\xEF\xBF\xBD";   // U+FFFD
    // E4 B8 is the start of 中 (E4 B8 AD) cut short by 'b': one U+FFFD for both bytes
    EXPECT_EQ(replace_invalid_utf8("a\xE4\xB8" "b"), "a" + R + "b");
    // truncated at the end: the whole well-formed prefix is one U+FFFD
    EXPECT_EQ(replace_invalid_utf8("\xF0\x90\x80"), R);
    EXPECT_EQ(replace_invalid_utf8("\xC3"), R);
    // a prefix cut by the start of a new, complete character: one U+FFFD, then the character
    EXPECT_EQ(replace_invalid_utf8("\xE4\xB8\xE4\xB8\xAD"), R + "\xE4\xB8\xAD");
    EXPECT_EQ(replace_invalid_utf8("\xC3\xA9\xE4"), "\xC3\xA9" + R);
    // a second byte outside its lead's range is never a prefix: each byte alone
    EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), R + R + R);         // would be a surrogate
    EXPECT_EQ(replace_invalid_utf8("\xE0\x80"), R + R);                 // overlong
    EXPECT_EQ(replace_invalid_utf8("\xF4\x90\x80\x80"), R + R + R + R); // above U+10FFFF
    EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), R + R);                 // C0 never starts anything
    // stray continuation bytes and bytes that are never UTF-8
    EXPECT_EQ(replace_invalid_utf8("\x80\x80"), R + R);
    EXPECT_EQ(replace_invalid_utf8("x\xFFy"), "x" + R + "y");
}

TEST(Utf8, ReplacedTextIsAlwaysValid) {
    // every two-byte string: whatever comes in, valid UTF-8 comes out
    for (int a = 0; a < 256; a++)
        for (int b = 0; b < 256; b++) {
            const std::string s{char(a), char(b)};
            ASSERT_TRUE(is_valid_utf8(replace_invalid_utf8(s))) << a << " " << b;
        }
}

TEST(Utf8, IncompleteTailCountsOnlyAWellFormedPrefix) {
    EXPECT_EQ(incomplete_utf8_tail(""), 0u);
    EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("ab\xC3\xA9"), 0u);        // é complete
    EXPECT_EQ(incomplete_utf8_tail("ab\xC3"), 1u);            // é started
    EXPECT_EQ(incomplete_utf8_tail("ab\xE4"), 1u);            // 中 started
    EXPECT_EQ(incomplete_utf8_tail("ab\xE4\xB8"), 2u);
    EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98"), 3u);      // 😀 missing its last byte
    EXPECT_EQ(incomplete_utf8_tail("\xF0\x9F\x98\x80"), 0u);  // 😀 complete
    EXPECT_EQ(incomplete_utf8_tail("\xE4\xB8\xE4"), 1u);      // only the last sequence counts
    // never the start of a character: nothing to wait for
    EXPECT_EQ(incomplete_utf8_tail("ab\xFF"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("ab\x80"), 0u);            // a continuation with no lead
    EXPECT_EQ(incomplete_utf8_tail("\xED\xA0"), 0u);          // surrogate: ill-formed already
    EXPECT_EQ(incomplete_utf8_tail("\xE0\x80"), 0u);          // overlong: ill-formed already
    EXPECT_EQ(incomplete_utf8_tail("\xC1"), 0u);              // C1 never starts a sequence
    EXPECT_EQ(incomplete_utf8_tail("a\x80\x80\x80"), 0u);     // continuations only
}
