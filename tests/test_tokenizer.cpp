// The character tokenizer: round trips through multi-byte text, the sorted vocabulary, errors that
// name the character and its offset, and the checkpoint string form. The UTF-8 codec it decodes with
// is tested in test_utf8.cpp.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "gpt/tokenizer.h"

using gs::gpt::CharTokenizer;

namespace {

template <typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

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

// ---- the Tokenizer interface and StreamDecoder ----

TEST(Tokenizer, CharTokenizerServesThroughTheInterface) {
    const CharTokenizer chars = CharTokenizer::from_text("ab\xC3\xA9");
    const gs::gpt::Tokenizer& tok = chars;
    EXPECT_EQ(tok.kind(), "char");
    EXPECT_EQ(tok.vocab_size(), 3);
    EXPECT_EQ(tok.encode("ba\xC3\xA9"), (std::vector<int32_t>{1, 0, 2}));
    EXPECT_EQ(tok.decode({2, 0}), "\xC3\xA9" "a");
    EXPECT_EQ(tok.token_bytes(2), "\xC3\xA9");   // a whole character, two bytes
    EXPECT_THROW(tok.token_bytes(3), std::invalid_argument);
    EXPECT_THROW(tok.token_bytes(-1), std::invalid_argument);
}

TEST(Tokenizer, StreamDecoderGivesEachCharacterAsItsTokenArrives) {
    const std::string text = "h\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80";   // hé 中😀
    const CharTokenizer tok = CharTokenizer::from_text(text);
    gs::gpt::StreamDecoder stream(tok);
    std::vector<std::string> pieces;
    for (int32_t id : tok.encode(text)) pieces.push_back(stream.push(id));
    // character tokens are always whole: nothing is ever held back
    EXPECT_EQ(pieces, (std::vector<std::string>{"h", "\xC3\xA9", " ", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80"}));
    EXPECT_EQ(stream.finish(), "");
    EXPECT_THROW(stream.push(99), std::invalid_argument);
}
