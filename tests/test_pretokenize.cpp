// GPT-2's pre-tokenizer (gpt/pretokenize.h), rule by rule. The expected pieces follow the regular
// expression's semantics (alternatives in order, greedy runs, the (?!\S) lookahead backing off one
// character); JavaScript's matchAll with the same pattern gives the same pieces for every case here.
// The whole-text comparison against GPT-2's JavaScript encoder is tests/gpt2_tokenizer/compare.sh.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "gpt/pretokenize.h"

using gs::gpt::pretokenize;
using Pieces = std::vector<std::string>;

namespace {

Pieces pieces(const std::string& text) {
    Pieces out;
    for (std::string_view p : pretokenize(text)) out.emplace_back(p);
    return out;
}

}  // namespace

TEST(Pretokenize, WordsKeepTheirLeadingSpace) {
    EXPECT_EQ(pieces("Hello world's  end\n"), (Pieces{"Hello", " world", "'s", " ", " end", "\n"}));
    EXPECT_EQ(pieces(""), Pieces{});
    EXPECT_EQ(pieces("a"), Pieces{"a"});
}

TEST(Pretokenize, Contractions) {
    EXPECT_EQ(pieces("'s"), Pieces{"'s"});                        // at the very start and end
    EXPECT_EQ(pieces("it's"), (Pieces{"it", "'s"}));
    EXPECT_EQ(pieces("'sup"), (Pieces{"'s", "up"}));              // even when a word goes on
    EXPECT_EQ(pieces("'ll've"), (Pieces{"'ll", "'ve"}));
    EXPECT_EQ(pieces("don't'"), (Pieces{"don", "'t", "'"}));      // a lone quote at the end
    EXPECT_EQ(pieces("we're I'm I'd"), (Pieces{"we", "'re", " I", "'m", " I", "'d"}));
}

TEST(Pretokenize, ContractionsThatAreNot) {
    EXPECT_EQ(pieces("I'M"), (Pieces{"I", "'", "M"}));            // upper case: the quote is punctuation
    EXPECT_EQ(pieces(" 's"), (Pieces{" '", "s"}));                // a space takes the quote along
    EXPECT_EQ(pieces("x 's"), (Pieces{"x", " '", "s"}));
    EXPECT_EQ(pieces("''s"), (Pieces{"''", "s"}));                // a run of punctuation swallows the quote
    EXPECT_EQ(pieces("?'s"), (Pieces{"?'", "s"}));
    EXPECT_EQ(pieces("'"), Pieces{"'"});
    EXPECT_EQ(pieces("'x"), (Pieces{"'", "x"}));
}

TEST(Pretokenize, SeveralSpacesBeforeAWordLeaveOneForIt) {
    EXPECT_EQ(pieces("a  b"), (Pieces{"a", " ", " b"}));
    EXPECT_EQ(pieces("a   b"), (Pieces{"a", "  ", " b"}));
    EXPECT_EQ(pieces("  x"), (Pieces{" ", " x"}));
    EXPECT_EQ(pieces("a \n b"), (Pieces{"a", " \n", " b"}));      // only a final U+0020 joins the word
}

TEST(Pretokenize, TrailingWhitespaceStaysWhole) {
    EXPECT_EQ(pieces("a  "), (Pieces{"a", "  "}));
    EXPECT_EQ(pieces("  "), Pieces{"  "});
    EXPECT_EQ(pieces("a\n\n"), (Pieces{"a", "\n\n"}));
    EXPECT_EQ(pieces("a \t\n "), (Pieces{"a", " \t\n "}));
}

TEST(Pretokenize, NewlinesAndTabsBeforeText) {
    EXPECT_EQ(pieces("a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));   // backs off one, then one alone
    EXPECT_EQ(pieces(" \nx"), (Pieces{" ", "\n", "x"}));
    EXPECT_EQ(pieces("\t\tx"), (Pieces{"\t", "\t", "x"}));
    EXPECT_EQ(pieces("x\r\ny"), (Pieces{"x", "\r", "\n", "y"}));
}

TEST(Pretokenize, DigitsAndLettersSplit) {
    EXPECT_EQ(pieces("abc123def"), (Pieces{"abc", "123", "def"}));
    EXPECT_EQ(pieces("a1b"), (Pieces{"a", "1", "b"}));
    EXPECT_EQ(pieces(" 123"), Pieces{" 123"});
    EXPECT_EQ(pieces("x 1 2"), (Pieces{"x", " 1", " 2"}));
    EXPECT_EQ(pieces("3.14"), (Pieces{"3", ".", "14"}));
    // numbers beyond ASCII: superscripts, fractions, Roman numerals (No, Nl), Arabic-Indic digits (Nd)
    EXPECT_EQ(pieces("\xC2\xB2\xC2\xBD\xE2\x85\xA7"), Pieces{"\xC2\xB2\xC2\xBD\xE2\x85\xA7"});   // ²½Ⅷ
    EXPECT_EQ(pieces("\xD9\xA1\xD9\xA2"), Pieces{"\xD9\xA1\xD9\xA2"});                         // ١٢
}

TEST(Pretokenize, ChineseIsLettersWithoutSpaces) {
    // 中文 字: a run of letters, then a space with the next run
    EXPECT_EQ(pieces("\xE4\xB8\xAD\xE6\x96\x87 \xE5\xAD\x97"), (Pieces{"\xE4\xB8\xAD\xE6\x96\x87", " \xE5\xAD\x97"}));
    // 中文。下: the ideographic full stop is punctuation
    EXPECT_EQ(pieces("\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82\xE4\xB8\x8B"),
              (Pieces{"\xE4\xB8\xAD\xE6\x96\x87", "\xE3\x80\x82", "\xE4\xB8\x8B"}));
    // 一二三 are letters (Lo), not numbers, so they stay with other letters
    EXPECT_EQ(pieces("x\xE4\xB8\x80\xE4\xBA\x8C"), Pieces{"x\xE4\xB8\x80\xE4\xBA\x8C"});
}

TEST(Pretokenize, EmojiAndPunctuationAreOther) {
    EXPECT_EQ(pieces(" \xF0\x9F\x98\x80\xF0\x9F\x98\x80 a"), (Pieces{" \xF0\x9F\x98\x80\xF0\x9F\x98\x80", " a"}));
    EXPECT_EQ(pieces("a\xF0\x9F\x98\x80" "b"), (Pieces{"a", "\xF0\x9F\x98\x80", "b"}));
    EXPECT_EQ(pieces(" !!"), Pieces{" !!"});
    EXPECT_EQ(pieces("!! ?"), (Pieces{"!!", " ?"}));
    EXPECT_EQ(pieces("__init__"), (Pieces{"__", "init", "__"}));
}

TEST(Pretokenize, CombiningMarksAreNotLetters) {
    // "café" spelled e + U+0301: the accent is a mark (Mn), so it leaves the word as a piece of its own
    EXPECT_EQ(pieces("cafe\xCC\x81 x"), (Pieces{"cafe", "\xCC\x81", " x"}));
    // precomposed é (U+00E9) is a letter
    EXPECT_EQ(pieces("caf\xC3\xA9 x"), (Pieces{"caf\xC3\xA9", " x"}));
}

TEST(Pretokenize, OtherWhitespaceNeverJoinsAWord) {
    // only U+0020 is the optional space; ideographic space, no-break space, U+2028 stand alone
    EXPECT_EQ(pieces("a\xE3\x80\x80" "b"), (Pieces{"a", "\xE3\x80\x80", "b"}));
    EXPECT_EQ(pieces("a\xE3\x80\x80\xE3\x80\x80" "b"), (Pieces{"a", "\xE3\x80\x80", "\xE3\x80\x80", "b"}));
    EXPECT_EQ(pieces("x\xC2\xA0y"), (Pieces{"x", "\xC2\xA0", "y"}));
    EXPECT_EQ(pieces("a\xE2\x80\xA8" "b"), (Pieces{"a", "\xE2\x80\xA8", "b"}));
}

TEST(Pretokenize, WhitespaceIsPythonsNotJavaScripts) {
    // GPT-2's Python `regex` module: \s is White_Space, which has U+0085 (next line) but not U+FEFF
    // (byte-order mark); JavaScript's \s is the other way round (compare.sh lists both differences)
    // (JavaScript: "a", " \x85", "b" and "a", " ", "\xFEFF", "b")
    EXPECT_EQ(pieces("a \xC2\x85" "b"), (Pieces{"a", " ", "\xC2\x85", "b"}));   // U+0085: whitespace
    EXPECT_EQ(pieces("a \xEF\xBB\xBF" "b"), (Pieces{"a", " \xEF\xBB\xBF", "b"}));   // U+FEFF: other
}

TEST(Pretokenize, PiecesTileTheText) {
    const std::string text = "  'Tis 42 caf\xC3\xA9s\xE2\x80\x94 \xE4\xB8\xAD\xE6\x96\x87!\n\n\tOK?  \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD  ";
    std::string joined;
    for (std::string_view p : pretokenize(text)) {
        EXPECT_FALSE(p.empty());
        joined += p;
    }
    EXPECT_EQ(joined, text);
}

TEST(Pretokenize, InvalidUtf8NamesTheSourceAndOffset) {
    try {
        pretokenize("ok \xC3(", "prompt");
        FAIL() << "accepted invalid UTF-8";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("prompt: invalid UTF-8 at byte offset 3"), std::string::npos) << e.what();
    }
    EXPECT_THROW(pretokenize("\xFF"), std::invalid_argument);
    EXPECT_THROW(pretokenize("abc\xE4\xB8"), std::invalid_argument);   // truncated at the very end
    EXPECT_THROW(pretokenize("'s\x80"), std::invalid_argument);        // right after a contraction
}
