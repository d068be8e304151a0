// Byte-pair encoding (gpt/bpe.h) with tiny vocabularies written here: the merge step, merges applied
// by rank (not by position), pieces never merged across, decoding and streaming decoding of characters
// split across tokens, every check of the constructor, and training on texts small enough that the
// expected merges are counted by hand in the comments.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gpt/bpe.h"

using namespace gs::gpt;
using Ids = std::vector<int32_t>;

namespace {

// A tokenizer whose ids are: byte b is id b, merge r makes id 256 + r; merges given by their parts.
BpeTokenizer make_tokenizer(const std::vector<std::pair<std::string, std::string>>& merges,
                            const std::vector<std::string>& specials = {}) {
    std::vector<std::string> vocab;
    std::map<std::string, int32_t> id;
    for (int b = 0; b < 256; b++) {
        vocab.push_back(std::string(1, char(b)));
        id[vocab.back()] = b;
    }
    std::vector<BpeMerge> ms;
    for (const auto& [a, b] : merges) {
        const int32_t r = int32_t(vocab.size());
        ms.push_back({id.at(a), id.at(b), r});
        vocab.push_back(a + b);
        id[a + b] = r;
    }
    for (const std::string& s : specials) vocab.push_back(s);
    return BpeTokenizer(vocab, ms);
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

std::vector<std::string> token_texts(const BpeTokenizer& tok, const Ids& ids) {
    std::vector<std::string> out;
    for (int32_t id : ids) out.push_back(tok.token_bytes(id));
    return out;
}

using Texts = std::vector<std::string>;

}  // namespace

// ---- bpe_merge: one merge step ----

TEST(BpeMerge, ReplacesEveryOccurrenceOfThePair) {
    EXPECT_EQ(bpe_merge({1, 2, 3, 1, 2}, 1, 2, 256), (Ids{256, 3, 256}));
    EXPECT_EQ(bpe_merge({5, 1, 2, 1, 2, 5}, 1, 2, 300), (Ids{5, 300, 300, 5}));
}

TEST(BpeMerge, PairOrderMatters) {
    // (2, 1) is not (1, 2): only the adjacent 2 then 1 in the middle is merged
    EXPECT_EQ(bpe_merge({1, 2, 1, 2}, 2, 1, 9), (Ids{1, 9, 2}));
}

TEST(BpeMerge, ScansLeftToRightWithoutOverlap) {
    // 7 7 7: the first two merge, the third has no partner left
    EXPECT_EQ(bpe_merge({7, 7, 7}, 7, 7, 9), (Ids{9, 7}));
    EXPECT_EQ(bpe_merge({7, 7, 7, 7}, 7, 7, 9), (Ids{9, 9}));
    EXPECT_EQ(bpe_merge({7, 7, 7, 7, 7}, 7, 7, 9), (Ids{9, 9, 7}));
    // 1 1 2: scanning from the left, (1, 1) is not the pair (1, 2), so the second 1 pairs with the 2
    EXPECT_EQ(bpe_merge({1, 1, 2}, 1, 2, 9), (Ids{1, 9}));
}

TEST(BpeMerge, NothingToMergeLeavesTheIdsAlone) {
    EXPECT_EQ(bpe_merge({}, 1, 2, 9), Ids{});
    EXPECT_EQ(bpe_merge({1}, 1, 2, 9), (Ids{1}));
    EXPECT_EQ(bpe_merge({2, 1}, 1, 2, 9), (Ids{2, 1}));
    EXPECT_EQ(bpe_merge({3, 4, 5}, 1, 2, 9), (Ids{3, 4, 5}));
    // a pair split across the end is not a pair
    EXPECT_EQ(bpe_merge({3, 1}, 1, 2, 9), (Ids{3, 1}));
}

TEST(BpeMerge, NewIdMayEqualAnExistingIdInTheInput) {
    // the function only rewrites the pair; it does not care what new_id already means
    EXPECT_EQ(bpe_merge({4, 1, 2, 4}, 1, 2, 4), (Ids{4, 4, 4}));
}

// ---- encoding: merges replayed by rank ----

TEST(Bpe, MergesApplyByRankNotByPosition) {
    // rank 0 is (b, c), rank 1 is (a, b). In "abc" the pair (a, b) comes first in the text, but (b, c)
    // ranks lower, so it merges first; then (a, bc) is no merge and the encoding stops.
    const BpeTokenizer tok = make_tokenizer({{"b", "c"}, {"a", "b"}});
    EXPECT_EQ(tok.encode("abc"), (Ids{'a', 256}));
    EXPECT_EQ(token_texts(tok, tok.encode("abc")), (Texts{"a", "bc"}));
    // the same two merges in the other order give the other split
    const BpeTokenizer other = make_tokenizer({{"a", "b"}, {"b", "c"}});
    EXPECT_EQ(token_texts(other, other.encode("abc")), (Texts{"ab", "c"}));
}

TEST(Bpe, MergesBuildOnEarlierMerges) {
    // " t" (256), "he" (257), " the" (258) from " t" + "he"
    const BpeTokenizer tok = make_tokenizer({{" ", "t"}, {"h", "e"}, {" t", "he"}});
    EXPECT_EQ(tok.encode(" the then"), (Ids{258, 258, 'n'}));
    EXPECT_EQ(tok.encode("the"), (Ids{'t', 257}));   // no leading space, so no " t"
    // "aaa" with (a, a): left to right, the third a is left over
    const BpeTokenizer aa = make_tokenizer({{"a", "a"}, {"aa", "aa"}});
    EXPECT_EQ(aa.encode("aaa"), (Ids{256, 'a'}));
    EXPECT_EQ(aa.encode("aaaaa"), (Ids{257, 'a'}));   // aa aa a, then (aa, aa)
}

TEST(Bpe, PiecesAreNeverMergedAcross) {
    // the merge (a, space) exists, but the pre-tokenizer gives the space to the next word
    const BpeTokenizer tok = make_tokenizer({{"a", " "}, {" ", "b"}});
    EXPECT_EQ(tok.encode("a b"), (Ids{'a', 257}));
    // and digits never merge with letters: "a1" is two pieces
    const BpeTokenizer a1 = make_tokenizer({{"a", "1"}});
    EXPECT_EQ(a1.encode("a1"), (Ids{'a', '1'}));
    EXPECT_EQ(a1.encode_piece("a1"), (Ids{256}));   // encode_piece applies merges to whatever it gets
}

TEST(Bpe, AnyTextEncodesBecauseEveryByteIsAToken) {
    const BpeTokenizer tok = make_tokenizer({{"\xE4", "\xB8"}});   // the first two bytes of 中 (E4 B8 AD)
    const std::string text = "h\xC3\xA9llo \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\n\t  x";
    const Ids ids = tok.encode(text);
    EXPECT_EQ(tok.decode(ids), text);
    EXPECT_EQ(tok.encode(" \xE4\xB8\xAD"), (Ids{' ', 256, 0xAD}));
}

TEST(Bpe, SimpleAndHeapEncodingsAgree) {
    // a tokenizer trained on a small repetitive text has many overlapping merges; long random pieces
    // over a few letters exercise stale heap entries and equal-rank runs
    std::string text;
    for (int i = 0; i < 40; i++) text += "banana bandana an ana nana aaaa abab " + std::to_string(i % 7) + " ";
    const BpeTokenizer tok = train_bpe(text, 275);
    std::mt19937 rng(5);
    for (int trial = 0; trial < 300; trial++) {
        std::string piece;
        const int n = 1 + int(rng() % 200);
        for (int i = 0; i < n; i++) piece += "abnd "[rng() % (trial % 2 ? 5 : 3)];
        ASSERT_EQ(tok.encode_piece_heap(piece), tok.encode_piece_simple(piece)) << piece;
    }
    EXPECT_EQ(tok.encode_piece_heap(""), Ids{});
    EXPECT_EQ(tok.encode_piece_heap("a"), Ids{'a'});
}

TEST(Bpe, EncodeRejectsInvalidUtf8NamingTheSource) {
    const BpeTokenizer tok = make_tokenizer({});
    const std::string msg = message_of([&] { tok.encode("ab\xFF", "prompt"); });
    EXPECT_NE(msg.find("prompt: invalid UTF-8 at byte offset 2"), std::string::npos) << msg;
}

// ---- decoding ----

TEST(Bpe, DecodeJoinsBytesAndReplacesWhatIsNotUtf8) {
    const BpeTokenizer tok = make_tokenizer({{"\xE4", "\xB8"}});
    EXPECT_EQ(tok.decode({256, 0xAD}), "\xE4\xB8\xAD");                      // 中 from two tokens
    EXPECT_EQ(tok.decode({256}), "\xEF\xBF\xBD");                             // half of 中: U+FFFD
    EXPECT_EQ(tok.decode({'a', 0xAD, 'b'}), "a\xEF\xBF\xBD" "b");              // a stray continuation byte
    EXPECT_EQ(tok.decode({}), "");
    EXPECT_THROW(tok.decode({257}), std::invalid_argument);
    EXPECT_THROW(tok.decode({-1}), std::invalid_argument);
    EXPECT_NE(message_of([&] { tok.decode({'a', 999}); }).find("token id 999 at position 1"), std::string::npos);
}

TEST(Bpe, ServesThroughTheTokenizerInterface) {
    const BpeTokenizer bpe = make_tokenizer({{"h", "i"}});
    const Tokenizer& tok = bpe;
    EXPECT_EQ(tok.kind(), "bpe");
    EXPECT_EQ(tok.vocab_size(), 257);
    EXPECT_EQ(tok.encode("hi!"), (Ids{256, '!'}));
    EXPECT_EQ(tok.decode({256, '!'}), "hi!");
    EXPECT_EQ(tok.token_bytes(256), "hi");
    EXPECT_THROW(tok.token_bytes(257), std::invalid_argument);
}

TEST(Bpe, SpecialTokensDecodeButAreNeverEncoded) {
    const BpeTokenizer tok = make_tokenizer({{"a", "b"}}, {"<|endoftext|>"});
    EXPECT_EQ(tok.vocab_size(), 258);
    EXPECT_EQ(tok.decode({'x', 257}), "x<|endoftext|>");
    const Ids ids = tok.encode("<|endoftext|>");   // ordinary text: < | endoftext | >
    for (int32_t id : ids) EXPECT_NE(id, 257);
    EXPECT_EQ(tok.decode(ids), "<|endoftext|>");
}

TEST(Bpe, StreamDecodingHoldsBackACharacterSplitAcrossTokens) {
    // 中 is E4 B8 AD; 😀 is F0 9F 98 80. Tokens: "\xE4\xB8" (256) and "\x98\x80" (257)
    const BpeTokenizer tok = make_tokenizer({{"\xE4", "\xB8"}, {"\x98", "\x80"}});
    StreamDecoder stream(tok);
    EXPECT_EQ(stream.push('a'), "a");
    EXPECT_EQ(stream.push(256), "");                       // 2 of 中's 3 bytes: wait
    EXPECT_EQ(stream.push(0xAD), "\xE4\xB8\xAD");          // complete
    EXPECT_EQ(stream.push(0xF0), "");
    EXPECT_EQ(stream.push(0x9F), "");
    EXPECT_EQ(stream.push(257), "\xF0\x9F\x98\x80");       // the token finishing 😀
    EXPECT_EQ(stream.push(256), "");
    EXPECT_EQ(stream.push('b'), "\xEF\xBF\xBD" "b");       // 'b' can never finish 中: U+FFFD, then b
    EXPECT_EQ(stream.push(0xF0), "");
    EXPECT_EQ(stream.finish(), "\xEF\xBF\xBD");            // the stream ended inside a character
    EXPECT_EQ(stream.push('c'), "c");                      // and starts afresh
}

TEST(Bpe, StreamDecodingJoinsToWhatDecodeGives) {
    // random ids, bytes and merges mixed, often splitting characters: the pieces joined equal decode()
    const BpeTokenizer tok = make_tokenizer({{"\xE4", "\xB8"}, {"\x98", "\x80"}, {"\xC3", "\xA9"}});
    const Ids pool = {'a', ' ', 0xE4, 0xB8, 0xAD, 256, 0xF0, 0x9F, 0x98, 0x80, 257, 258, 0xC3, 0xA9, 0xFF, 0x80};
    std::mt19937 rng(3);
    for (int trial = 0; trial < 500; trial++) {
        Ids ids;
        for (int i = 0, n = int(rng() % 12); i < n; i++) ids.push_back(pool[rng() % pool.size()]);
        StreamDecoder stream(tok);
        std::string joined;
        for (int32_t id : ids) joined += stream.push(id);
        joined += stream.finish();
        ASSERT_EQ(joined, tok.decode(ids)) << "trial " << trial;
    }
}

// ---- the constructor's checks ----

TEST(Bpe, RejectsAVocabularyMissingAByte) {
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++)
        if (b != 'q') vocab.push_back(std::string(1, char(b)));
    EXPECT_NE(message_of([&] { BpeTokenizer(vocab, {}); }).find("bpe: byte \"q\" has no token of its own"),
              std::string::npos);
}

TEST(Bpe, RejectsRepeatedAndEmptyTokens) {
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++) vocab.push_back(std::string(1, char(b)));
    vocab.push_back("ab");
    vocab.push_back("ab");
    EXPECT_NE(message_of([&] { BpeTokenizer(vocab, {}); }).find("tokens 256 and 257 are both \"ab\""),
              std::string::npos);
    vocab.pop_back();
    vocab.push_back("");
    EXPECT_NE(message_of([&] { BpeTokenizer(vocab, {}); }).find("token 257 is empty"), std::string::npos);
    vocab.back() = "a";   // a byte twice
    EXPECT_NE(message_of([&] { BpeTokenizer(vocab, {}); }).find("are both \"a\""), std::string::npos);
}

TEST(Bpe, RejectsBadMerges) {
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++) vocab.push_back(std::string(1, char(b)));
    vocab.push_back("ab");    // 256
    vocab.push_back("abc");   // 257
    auto error = [&](std::vector<BpeMerge> merges) { return message_of([&] { BpeTokenizer(vocab, merges); }); };
    // the result's bytes must be the parts joined
    EXPECT_NE(error({{'a', 'c', 256}}).find("merge 0 (\"a\" + \"c\" -> token 256) makes a token whose bytes are not"),
              std::string::npos);
    // a part must exist before the merge that uses it: "ab" is made by merge 1, used by merge 0
    EXPECT_NE(error({{256, 'c', 257}, {'a', 'b', 256}}).find("merge 0 (\"ab\" + \"c\" -> token 257) uses a token"),
              std::string::npos);
    // a result may be made only once, and never be a byte
    EXPECT_NE(error({{'a', 'b', 256}, {'a', 'b', 256}}).find("merge 1 (\"a\" + \"b\" -> token 256) makes a token that is"),
              std::string::npos);
    EXPECT_NE(error({{'a', 'b', 'a'}}).find("makes a token that is a byte"), std::string::npos);
    // ids out of range
    EXPECT_NE(error({{'a', 'b', 258}}).find("merge 0 names token 258, outside a vocabulary of 258"), std::string::npos);
    EXPECT_NE(error({{-1, 'b', 256}}).find("names token -1"), std::string::npos);
    // the good order passes
    EXPECT_EQ(error({{'a', 'b', 256}, {256, 'c', 257}}), "(no exception)");
}

// ---- training ----

TEST(BpeTrain, LearnsTheMostFrequentPairsCountedByHand) {
    // pieces: "aaab", " aaab", " aab", each once. Pairs: (a,a) 2+2+1 = 5, (a,b) 3, (' ',a) 2.
    //   merge 0: (a, a) -> 256 "aa".  Words: [aa a b] [' ' aa a b] [' ' aa b]
    //   pairs now (aa,a) 2, (a,b) 2, (' ',aa) 2, (aa,b) 1: a three-way tie at 2, which goes to the
    //   smallest pair: (' ', aa) = (32, 256) -> 257 " aa".  Words: [aa a b] [" aa" a b] [" aa" b]
    //   pairs: (aa,a) 1, (a,b) 2, (" aa",a) 1, (" aa",b) 1 -> merge 2: (a, b) -> 258 "ab"
    //   words: [aa ab] [" aa" ab] [" aa" b]: three pairs once each; smallest: (256, 258) -> 259 "aaab"
    const BpeTokenizer tok = train_bpe("aaab aaab aab", 260);
    ASSERT_EQ(tok.merges().size(), 4u);
    const std::vector<std::pair<int32_t, int32_t>> expected = {{'a', 'a'}, {' ', 256}, {'a', 'b'}, {256, 258}};
    for (size_t r = 0; r < 4; r++) {
        EXPECT_EQ(tok.merges()[r].left, expected[r].first) << r;
        EXPECT_EQ(tok.merges()[r].right, expected[r].second) << r;
        EXPECT_EQ(tok.merges()[r].result, int32_t(256 + r)) << r;
    }
    EXPECT_EQ(tok.vocab()[259], "aaab");
    EXPECT_EQ(tok.encode("aaab aaab aab"), (Ids{259, 257, 258, 257, 'b'}));
}

TEST(BpeTrain, RepeatedWordsCountOncePerOccurrence) {
    // " ab" twice and "ab" once: (a,b) 3, (' ',a) 2, (' ',c) 1, (c,d) 1 -> (a,b) first, then (' ', ab)
    const BpeTokenizer tok = train_bpe("ab ab ab cd", 258);
    EXPECT_EQ(tok.vocab()[256], "ab");
    EXPECT_EQ(tok.vocab()[257], " ab");
}

TEST(BpeTrain, TiesGoToTheSmallestPair) {
    // pieces "ba" and " ab": (b,a), (' ',a), (a,b) once each -> (' ', a) = (32, 97) is smallest;
    // then (b,a) = (98, 97) and (" a", b) = (256, 98) tie -> (98, 97)
    const BpeTokenizer tok = train_bpe("ba ab", 258);
    EXPECT_EQ(tok.vocab()[256], " a");
    EXPECT_EQ(tok.vocab()[257], "ba");
}

TEST(BpeTrain, MergesStayInsidePieces) {
    // "ab. " a thousand times: the pairs (b, '.') and ('.', ' ') are as frequent as (a, b) in the bytes,
    // but each crosses a piece boundary ("ab", ".", " ab", ".", ...), so only (a, b) and (' ', ab) exist
    std::string text;
    for (int i = 0; i < 1000; i++) text += "ab. ";
    const BpeTokenizer tok = train_bpe(text, 258);
    EXPECT_EQ(tok.vocab()[256], "ab");
    EXPECT_EQ(tok.vocab()[257], " ab");
    EXPECT_THROW(train_bpe(text, 259), std::invalid_argument);   // nothing else to merge
}

TEST(BpeTrain, RoundTripsMultilingualText) {
    const std::string text =
        "The cat's caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87\xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80\xF0\x9F\x98\x80 "
        "the cat, the hat; 123 456 123\n\n  \tend  ";
    const BpeTokenizer tok = train_bpe(text + text, 290);
    EXPECT_EQ(tok.vocab_size(), 290);
    const Ids ids = tok.encode(text);
    EXPECT_LT(ids.size(), text.size());   // the merges compress what they were trained on
    EXPECT_EQ(tok.decode(ids), text);
    // text it never saw still round trips, through bytes
    const std::string unseen = "\xD0\x96 zebra \xF0\x9F\x91\x8D 99";
    EXPECT_EQ(tok.decode(tok.encode(unseen)), unseen);
}

TEST(BpeTrain, SameTextSameTokenizer) {
    std::string text;
    for (int i = 0; i < 200; i++) text += "to be or not to be, that is the question " + std::to_string(i) + "\n";
    const BpeTokenizer a = train_bpe(text, 320), b = train_bpe(text, 320);
    ASSERT_EQ(a.merges().size(), b.merges().size());
    for (size_t r = 0; r < a.merges().size(); r++) {
        EXPECT_EQ(a.merges()[r].left, b.merges()[r].left);
        EXPECT_EQ(a.merges()[r].right, b.merges()[r].right);
    }
    EXPECT_EQ(a.vocab(), b.vocab());
}

TEST(BpeTrain, RejectsWhatItCannotDo) {
    EXPECT_NE(message_of([] { train_bpe("abc", 255); }).find("train_bpe: vocab_size 255 is less than the 256"),
              std::string::npos);
    // "ab ab": pieces "ab", " ab"; after (a,b) and (' ', ab) nothing is left to merge
    const std::string msg = message_of([] { train_bpe("ab ab", 300, "tiny.txt"); });
    EXPECT_NE(msg.find("train_bpe: tiny.txt has no pair of tokens left to merge after 2 merges: it can fill a "
                       "vocabulary of at most 258, not 300"),
              std::string::npos)
        << msg;
    EXPECT_THROW(train_bpe("ok\xFF", 260), std::invalid_argument);
    EXPECT_EQ(train_bpe("", 256).vocab_size(), 256);   // no merges asked for: just the bytes
}
