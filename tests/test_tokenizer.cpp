// The character tokenizer and its strict UTF-8 decoder: valid 1-4 byte sequences (byte values from the
// Unicode standard's encoding table), every kind of invalid sequence with its offset in the message,
// round trips through multi-byte text, the sorted vocabulary, and the checkpoint string form.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "gpt/tokenizer.h"
#include "nn/io/utf8.h"

using gs::gpt::CharTokenizer;
using gs::io::decode_utf8;
using gs::io::encode_utf8;

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

// ---- decode_utf8 / encode_utf8 ----

TEST(TokenizerUtf8, DecodesAscii) {
    EXPECT_EQ(decode_utf8("Hi!\n", "t"), (std::vector<uint32_t>{0x48, 0x69, 0x21, 0x0A}));
    EXPECT_TRUE(decode_utf8("", "t").empty());
    // U+0000 is a valid character too: one zero byte
    EXPECT_EQ(decode_utf8(std::string(1, '\0'), "t"), (std::vector<uint32_t>{0}));
}

TEST(TokenizerUtf8, DecodesTwoThreeAndFourByteCharacters) {
    // é = U+00E9 = C3 A9;  中 = U+4E2D = E4 B8 AD;  文 = U+6587 = E6 96 87;  😀 = U+1F600 = F0 9F 98 80
    EXPECT_EQ(decode_utf8("caf\xC3\xA9", "t"), (std::vector<uint32_t>{'c', 'a', 'f', 0xE9}));
    EXPECT_EQ(decode_utf8("\xE4\xB8\xAD\xE6\x96\x87", "t"), (std::vector<uint32_t>{0x4E2D, 0x6587}));
    EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80!", "t"), (std::vector<uint32_t>{0x1F600, '!'}));
}

// The first and last code point of each length, and both sides of the surrogate gap.
TEST(TokenizerUtf8, BoundaryCodePointsDecodeAndEncode) {
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

TEST(TokenizerUtf8, RejectsStrayContinuationByte) {
    expect_bad_utf8("ab\x80", "2 (0x80): unexpected continuation byte");
    expect_bad_utf8("\xC3\xA9\xA9", "2 (0xA9): unexpected continuation byte");   // é then one byte too many
}

TEST(TokenizerUtf8, RejectsMissingContinuationByte) {
    expect_bad_utf8("abcd\xC3\x28", "4 (0xC3 0x28): expected a continuation byte");
    expect_bad_utf8("\xE4\xB8x", "0 (0xE4 0xB8 0x78): expected a continuation byte");
}

TEST(TokenizerUtf8, RejectsOverlongEncodings) {
    // '/' (U+002F) in 2, 3 and 4 bytes; U+07FF in 3 bytes
    expect_bad_utf8("\xC0\xAF", "0 (0xC0): overlong encoding");
    expect_bad_utf8("\xC1\xBF", "0 (0xC1): overlong encoding");
    expect_bad_utf8("x\xE0\x80\xAF", "1 (0xE0 0x80): overlong encoding");
    expect_bad_utf8("\xE0\x9F\xBF", "0 (0xE0 0x9F): overlong encoding");
    expect_bad_utf8("\xF0\x80\x80\xAF", "0 (0xF0 0x80): overlong encoding");
}

TEST(TokenizerUtf8, RejectsSurrogates) {
    // U+D800 = ED A0 80 and U+DFFF = ED BF BF would be the 3-byte forms of surrogates
    expect_bad_utf8("ok\xED\xA0\x80", "2 (0xED 0xA0): surrogate");
    expect_bad_utf8("\xED\xBF\xBF", "0 (0xED 0xBF): surrogate");
}

TEST(TokenizerUtf8, RejectsCodePointsAboveMax) {
    // F4 90 80 80 would be U+110000; F5.. leads can only start such code points; F8..FF start nothing
    expect_bad_utf8("\xF4\x90\x80\x80", "0 (0xF4 0x90): code point above U+10FFFF");
    expect_bad_utf8("\xF5\x80\x80\x80", "0 (0xF5): code point above U+10FFFF");
    expect_bad_utf8("a\xFF", "1 (0xFF): invalid lead byte");
}

TEST(TokenizerUtf8, RejectsTruncatedSequenceAtEnd) {
    expect_bad_utf8("x\xE4\xB8", "1 (0xE4 0xB8): truncated sequence at end of input");
    expect_bad_utf8("\xF0\x9F\x98", "0 (0xF0 0x9F 0x98): truncated sequence at end of input");
    expect_bad_utf8("abc\xC3", "3 (0xC3): truncated sequence at end of input");
}

TEST(TokenizerUtf8, EncodeRejectsNonScalarValues) {
    EXPECT_THROW(encode_utf8(0xD800), std::invalid_argument);
    EXPECT_THROW(encode_utf8(0xDFFF), std::invalid_argument);
    std::string msg = error_of([] { encode_utf8(0x110000); });
    EXPECT_NE(msg.find("encode_utf8: U+110000"), std::string::npos) << msg;
}

TEST(TokenizerUtf8, DescribeCharShowsPrintableAndEscapesControls) {
    EXPECT_EQ(gs::io::describe_char('a'), "'a' (U+0061)");
    EXPECT_EQ(gs::io::describe_char(0xE9), "'\xC3\xA9' (U+00E9)");
    EXPECT_EQ(gs::io::describe_char('\n'), "'\\n' (U+000A)");
    EXPECT_EQ(gs::io::describe_char(7), "U+0007");
}

// ---- CharTokenizer ----

TEST(Tokenizer, VocabularyIsSortedDistinctCodePoints) {
    CharTokenizer tok = CharTokenizer::from_text("hello");
    // distinct: h e l o; ascending: e(0x65) h(0x68) l(0x6C) o(0x6F)
    EXPECT_EQ(tok.vocab_size(), 4);
    EXPECT_EQ(tok.chars(), (std::vector<uint32_t>{'e', 'h', 'l', 'o'}));
    EXPECT_EQ(tok.encode("hello"), (std::vector<int32_t>{1, 0, 2, 2, 3}));
    EXPECT_EQ(tok.decode({3, 2, 0}), "ole");
}

TEST(Tokenizer, MultiByteTextRoundTripsOneTokenPerCharacter) {
    const std::string text = "na\xC3\xAFve caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\n";   // naïve café 中文 😀
    CharTokenizer tok = CharTokenizer::from_text(text);
    std::vector<int32_t> ids = tok.encode(text);
    // naïve(5) + ' ' + café(4) + ' ' + 中文(2) + ' ' + 😀(1) + '\n' = 16 characters
    EXPECT_EQ(ids.size(), 16u);
    EXPECT_EQ(tok.decode(ids), text);
    // distinct: \n ' ' a c e f n v ï é 中 文 😀 = 13; sorted, so '\n' is id 0 and 😀 the last
    EXPECT_EQ(tok.vocab_size(), 13);
    EXPECT_EQ(tok.chars().front(), uint32_t('\n'));
    EXPECT_EQ(tok.chars().back(), 0x1F600u);
    for (size_t i = 1; i < tok.chars().size(); i++) EXPECT_LT(tok.chars()[i - 1], tok.chars()[i]);
    // ids by code point: \n 0, ' ' 1, a 2, c 3, e 4, f 5, n 6, v 7, é(E9) 8, ï(EF) 9, 中 10, 文 11, 😀 12
    EXPECT_EQ(ids, (std::vector<int32_t>{6, 2, 9, 7, 4, 1, 3, 2, 5, 8, 1, 10, 11, 1, 12, 0}));
}

TEST(Tokenizer, UnknownCharacterNamesItsOffsetAndSource) {
    CharTokenizer tok = CharTokenizer::from_text("abc ");
    // "ab é": 'a' 0, 'b' 1, ' ' 2, then é starts at byte 3
    std::string msg = error_of([&] { tok.encode("ab \xC3\xA9", "prompt"); });
    EXPECT_NE(msg.find("prompt: character '\xC3\xA9' (U+00E9) at byte offset 3 is not in the vocabulary"),
              std::string::npos) << msg;
    msg = error_of([&] { tok.encode("a\nb"); });
    EXPECT_NE(msg.find("text: character '\\n' (U+000A) at byte offset 1"), std::string::npos) << msg;
}

TEST(Tokenizer, EncodeRejectsInvalidUtf8NamingTheSource) {
    CharTokenizer tok = CharTokenizer::from_text("abc");
    std::string msg = error_of([&] { tok.encode("ab\xC3", "prompt"); });
    EXPECT_NE(msg.find("prompt: invalid UTF-8 at byte offset 2 (0xC3)"), std::string::npos) << msg;
    EXPECT_THROW(CharTokenizer::from_text("a\xED\xA0\x80"), std::invalid_argument);
}

TEST(Tokenizer, DecodeRejectsIdsOutOfRange) {
    CharTokenizer tok = CharTokenizer::from_text("abc");
    std::string msg = error_of([&] { tok.decode({0, 3}); });
    EXPECT_NE(msg.find("decode: token id 3 at position 1 is out of range for a vocabulary of 3"), std::string::npos)
        << msg;
    EXPECT_THROW(tok.decode({-1}), std::invalid_argument);
    EXPECT_EQ(tok.decode({}), "");
}

TEST(Tokenizer, EmptyTextHasNoVocabulary) {
    std::string msg = error_of([] { CharTokenizer::from_text("", "corpus.txt"); });
    EXPECT_NE(msg.find("tokenizer: corpus.txt is empty"), std::string::npos) << msg;
}

// The string form is the characters in id order as raw UTF-8, binary-safe: '\0', '\n', '"', '\\' included.
TEST(Tokenizer, ToStringFromStringRoundTripsAwkwardCharacters) {
    const std::string text = std::string("say \"hi\"\\n\n") + '\0' + "\xC3\xA9\xE4\xB8\xAD";
    CharTokenizer tok = CharTokenizer::from_text(text);
    // sorted: \0 \n ' ' '"' '\\' a h i n s y é 中
    const std::string expected = std::string(1, '\0') + "\n \"\\ahinsy\xC3\xA9\xE4\xB8\xAD";
    EXPECT_EQ(tok.to_string(), expected);
    CharTokenizer back = CharTokenizer::from_string(tok.to_string());
    EXPECT_EQ(back.chars(), tok.chars());
    EXPECT_EQ(back.encode(text), tok.encode(text));
    EXPECT_EQ(back.decode(back.encode(text)), text);
}

TEST(Tokenizer, FromStringRejectsUnsortedRepeatedEmptyOrInvalid) {
    std::string msg = error_of([] { CharTokenizer::from_string("acb"); });
    EXPECT_NE(msg.find("tokenizer: vocabulary is not sorted: id 2 'b' (U+0062) comes after id 1 'c' (U+0063)"),
              std::string::npos) << msg;
    msg = error_of([] { CharTokenizer::from_string("abb"); });
    EXPECT_NE(msg.find("tokenizer: vocabulary repeats character 'b' (U+0062) (ids 1 and 2)"), std::string::npos)
        << msg;
    msg = error_of([] { CharTokenizer::from_string(""); });
    EXPECT_NE(msg.find("tokenizer: the vocabulary string is empty"), std::string::npos) << msg;
    msg = error_of([] { CharTokenizer::from_string("ab\xFF"); });
    EXPECT_NE(msg.find("tokenizer vocabulary: invalid UTF-8 at byte offset 2 (0xFF)"), std::string::npos) << msg;
}
