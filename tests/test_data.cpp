// The data pipeline: read_text_file's errors, the 90/10 split, random batches (shapes, shift, windows
// inside their split, determinism, resuming from the Rng state), fixed eval batches, sequential eval
// windows, and the real Tiny Shakespeare corpus when it is present.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpt/data.h"

namespace fs = std::filesystem;
using gs::gpt::Batch;
using gs::gpt::CharTokenizer;
using gs::gpt::Dataset;
using gs::Rng;
using gs::gpt::Split;

namespace {

// A fresh directory per test, removed afterwards.
class DataFiles : public ::testing::Test {
protected:
    fs::path dir;
    void SetUp() override {
        dir = fs::temp_directory_path() / ("gs_test_data_" + std::to_string(getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir / "locked.txt", fs::perms::owner_all, ec);
        fs::remove_all(dir, ec);
    }
    std::string write(const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return (dir / name).string();
    }
};

template <typename E, typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "(no exception of the expected type)";
}

// tokens 0, 1, ..., n-1: a token's value is its position, so a batch shows where it was cut from
std::vector<int32_t> iota_tokens(int n) {
    std::vector<int32_t> t(size_t(n), 0);
    for (int i = 0; i < n; i++) t[size_t(i)] = i;
    return t;
}

bool same(const Batch& a, const Batch& b) {
    return a.x.shape() == b.x.shape() && a.x.to_vector() == b.x.to_vector() && a.y.shape() == b.y.shape() && a.y.to_vector() == b.y.to_vector();
}

}  // namespace

// ---- read_text_file ----

TEST_F(DataFiles, ReadTextFileReturnsTheBytes) {
    const std::string text = "To be, or not to be\n\xE4\xB8\xAD\n";
    EXPECT_EQ(gs::gpt::read_text_file(write("ok.txt", text)), text);
}

TEST_F(DataFiles, ReadTextFileMissing) {
    std::string path = (dir / "nope.txt").string();
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(path); });
    EXPECT_EQ(msg, path + ": no such file");
}

TEST_F(DataFiles, ReadTextFileDirectory) {
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(dir.string()); });
    EXPECT_EQ(msg, dir.string() + ": is a directory, not a text file");
}

// H4 and H5 of issue 11: a device never ends and a FIFO blocks open() until a writer comes; both are
// refused by their type, before any read. A regular file over the size limit is refused by its size
// (a sparse file: it claims 300 MiB without taking the space).
TEST_F(DataFiles, ReadTextFileRefusesDevicesFifosAndHugeFiles) {
    for (const char* dev : {"/dev/zero", "/dev/urandom"}) {
        std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(dev); });
        EXPECT_EQ(msg, std::string(dev) + ": is a character device, not a text file");
    }
    std::string fifo = (dir / "fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(error_of<std::runtime_error>([&] { gs::gpt::read_text_file(fifo); }),
              fifo + ": is a FIFO (named pipe), not a text file");
    std::string big = (dir / "big.txt").string();
    std::ofstream(big).flush();
    fs::resize_file(big, 300u << 20);
    EXPECT_EQ(error_of<std::runtime_error>([&] { gs::gpt::read_text_file(big); }),
              big + ": is 314572800 bytes, over the limit of 256 MiB");
}

// U10 of issue 11: a symlink loop said "no such file".
TEST_F(DataFiles, ReadTextFileSymlinkLoopSaysSo) {
    fs::create_symlink(dir / "b", dir / "a");
    fs::create_symlink(dir / "a", dir / "b");
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file((dir / "a").string()); });
    EXPECT_EQ(msg, (dir / "a").string() + ": cannot open: Too many levels of symbolic links");
    EXPECT_EQ(error_of<std::runtime_error>([&] { gs::gpt::read_text_file(""); }), "the text file's name is empty");
}

TEST_F(DataFiles, ReadTextFileEmpty) {
    std::string path = write("empty.txt", "");
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(path); });
    EXPECT_EQ(msg, path + ": file is empty");
}

TEST_F(DataFiles, ReadTextFileInvalidUtf8GivesTheOffset) {
    // a Latin-1 'é' (one byte 0xE9) after "caf": E9 starts a 3-byte sequence, and '!' is no continuation
    std::string path = write("latin1.txt", "caf\xE9!");
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(path); });
    EXPECT_EQ(msg, path + ": invalid UTF-8 at byte offset 3 (0xE9 0x21): expected a continuation byte");
}

TEST_F(DataFiles, ReadTextFileUnreadable) {
    std::string path = write("locked.txt", "secret");
    fs::permissions(path, fs::perms::none);
    if (std::ifstream(path).good()) GTEST_SKIP() << "running as root: a mode-000 file is still readable";
    std::string msg = error_of<std::runtime_error>([&] { gs::gpt::read_text_file(path); });
    EXPECT_NE(msg.find(path + ": cannot open for reading"), std::string::npos) << msg;
}

// ---- Dataset ----

TEST(Data, SplitsNinetyTenInOrder) {
    Dataset ds(iota_tokens(25));
    // 25 * 9 / 10 = 22.5, rounded down: 22 train tokens (0..21), 3 val tokens (22..24)
    EXPECT_EQ(ds.train, iota_tokens(22));
    EXPECT_EQ(ds.val, (std::vector<int32_t>{22, 23, 24}));
    EXPECT_THROW(Dataset(std::vector<int32_t>{}), std::invalid_argument);
}

TEST(Data, BuildsFromTextAndTokenizer) {
    const std::string text = "abcabcabca";   // 10 characters: 9 train, 1 val
    CharTokenizer tok = CharTokenizer::from_text(text);
    Dataset ds(text, tok);
    EXPECT_EQ(ds.train, (std::vector<int32_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
    EXPECT_EQ(ds.val, (std::vector<int32_t>{0}));
    std::string msg = error_of<std::invalid_argument>([&] { Dataset("abz", tok, "corpus"); });
    EXPECT_NE(msg.find("corpus: character 'z' (U+007A) at byte offset 2"), std::string::npos) << msg;
}

TEST(Data, BatchShapesAndShiftedTargets) {
    Dataset ds(iota_tokens(1000));
    Rng rng(1);
    Batch b = ds.get_batch(Split::train, 4, 8, rng);
    EXPECT_EQ(b.x.shape(), (gs::Shape{4, 8}));
    EXPECT_EQ(b.y.shape(), (gs::Shape{4, 8}));
    for (int r = 0; r < 4; r++)
        for (int t = 0; t < 8; t++) {
            const int32_t x = b.x.data()[size_t(r * 8 + t)], y = b.y.data()[size_t(r * 8 + t)];
            EXPECT_EQ(y, x + 1);                                                      // y is x shifted by one
            if (t + 1 < 8) {
                EXPECT_EQ(b.x.data()[size_t(r * 8 + t + 1)], y);   // and windows are contiguous
            }
        }
}

// With token = position, x[r][0] is the window's start. Train is 0..89, val 90..99; with T = 8 a train
// window may start at 0..81 (its last target, start + 8, must be <= 89), a val window at 90..91.
// 800 draws find every allowed start, so the extremes are reachable and nothing lies outside.
TEST(Data, WindowsStayInsideTheirSplitAndCoverIt) {
    Dataset ds(iota_tokens(100));
    Rng rng(2);
    std::set<int32_t> train_starts, val_starts;
    for (int i = 0; i < 200; i++) {
        Batch tb = ds.get_batch(Split::train, 4, 8, rng);
        Batch vb = ds.get_batch(Split::val, 4, 8, rng);
        for (int r = 0; r < 4; r++) {
            train_starts.insert(tb.x.data()[size_t(r * 8)]);
            val_starts.insert(vb.x.data()[size_t(r * 8)]);
        }
    }
    EXPECT_EQ(train_starts.size(), 82u);
    EXPECT_EQ(*train_starts.begin(), 0);
    EXPECT_EQ(*train_starts.rbegin(), 81);
    EXPECT_EQ(val_starts, (std::set<int32_t>{90, 91}));
}

TEST(Data, SameSeedSameBatchesAndRngStateResumes) {
    Dataset ds(iota_tokens(500));
    Rng a(42), b(42), c(43);
    Batch a1 = ds.get_batch(Split::train, 3, 5, a), b1 = ds.get_batch(Split::train, 3, 5, b);
    EXPECT_TRUE(same(a1, b1));
    EXPECT_FALSE(same(a1, ds.get_batch(Split::train, 3, 5, c)));

    // resuming: the data position is the Rng state, nothing else
    gs::RngState saved = a.state();
    Batch next1 = ds.get_batch(Split::train, 3, 5, a), next2 = ds.get_batch(Split::val, 3, 5, a);
    Rng resumed(999);
    resumed.set_state(saved);
    EXPECT_TRUE(same(ds.get_batch(Split::train, 3, 5, resumed), next1));
    EXPECT_TRUE(same(ds.get_batch(Split::val, 3, 5, resumed), next2));
}

TEST(Data, TooShortSplitIsAClearError) {
    Dataset ds(iota_tokens(20));   // train 18 tokens, val 2
    Rng rng(3);
    std::string msg = error_of<std::invalid_argument>([&] { ds.get_batch(Split::val, 1, 4, rng); });
    EXPECT_EQ(msg, "get_batch: the val split has 2 tokens, fewer than the T+1 = 5 that one window needs");
    msg = error_of<std::invalid_argument>([&] { ds.get_batch(Split::train, 2, 18, rng); });
    EXPECT_NE(msg.find("the train split has 18 tokens, fewer than the T+1 = 19"), std::string::npos) << msg;
    EXPECT_NO_THROW(ds.get_batch(Split::train, 2, 17, rng));   // exactly T+1 tokens: one possible window
    EXPECT_THROW(ds.get_batch(Split::train, 0, 4, rng), std::invalid_argument);
    EXPECT_THROW(ds.get_batch(Split::train, 2, 0, rng), std::invalid_argument);
}

TEST(Data, EvalBatchesAreFixedBySeed) {
    Dataset ds(iota_tokens(2000));
    std::vector<Batch> first = ds.eval_batches(Split::val, 2, 6, 5, 7);
    std::vector<Batch> again = ds.eval_batches(Split::val, 2, 6, 5, 7);
    ASSERT_EQ(first.size(), 5u);
    for (size_t i = 0; i < first.size(); i++) EXPECT_TRUE(same(first[i], again[i]));
    // they are what a fresh Rng(seed) would draw
    Rng rng(7);
    for (size_t i = 0; i < first.size(); i++) EXPECT_TRUE(same(first[i], ds.get_batch(Split::val, 2, 6, rng)));
    EXPECT_FALSE(same(first[0], first[1]));
    EXPECT_TRUE(ds.eval_batches(Split::val, 2, 6, 0, 7).empty());
}

// N = 11 tokens 0..10, T = 3: W = (11 - 1) / 3 = 3 windows with x starting at 0, 3, 6; target 10 is the
// tail ((11 - 1) % 3 = 1 target) and is dropped. B = 2: one [2, 3] batch, then one [1, 3] batch.
TEST(Data, SequentialWindowsTileTheTokens) {
    std::vector<Batch> bs = gs::gpt::sequential_windows(iota_tokens(11), 3, 2);
    ASSERT_EQ(bs.size(), 2u);
    EXPECT_EQ(bs[0].x.shape(), (gs::Shape{2, 3}));
    EXPECT_EQ(bs[0].x.to_vector(), (std::vector<int32_t>{0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(bs[0].y.to_vector(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(bs[1].x.shape(), (gs::Shape{1, 3}));
    EXPECT_EQ(bs[1].x.to_vector(), (std::vector<int32_t>{6, 7, 8}));
    EXPECT_EQ(bs[1].y.to_vector(), (std::vector<int32_t>{7, 8, 9}));
}

// N = 7, T = 3: (7 - 1) / 3 = 2 windows and no tail, so every token after the first is a target once.
// N = 9, T = 3 also gives 2 windows: a window needs T+1 tokens, so the count is (N - 1) / T, not N / T.
TEST(Data, SequentialWindowsExactFitAndTooShort) {
    std::vector<Batch> bs = gs::gpt::sequential_windows(iota_tokens(7), 3, 4);
    ASSERT_EQ(bs.size(), 1u);
    EXPECT_EQ(bs[0].y.to_vector(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    // N = 9, T = 3: (9 - 1) / 3 = 2 windows, not 9 / 3 = 3 (a third would need token 9); targets 7, 8 dropped
    bs = gs::gpt::sequential_windows(iota_tokens(9), 3, 4);
    ASSERT_EQ(bs.size(), 1u);
    EXPECT_EQ(bs[0].y.shape(), (gs::Shape{2, 3}));
    EXPECT_EQ(bs[0].y.to_vector(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    std::string msg = error_of<std::invalid_argument>([] { gs::gpt::sequential_windows(iota_tokens(3), 3, 1); });
    EXPECT_EQ(msg, "sequential_windows: there are 3 tokens, fewer than the T+1 = 4 that one window needs");
}

// ---- the real corpus ----

namespace {

// $GRADSCHOOL_DATA (the file or its directory), then data/ (where scripts/get_data puts it), then the
// shared copy next to the project. Tests run from the project root.
std::string find_corpus(std::string& tried) {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("GRADSCHOOL_DATA")) {
        fs::path p(env);
        candidates.push_back(fs::is_directory(p) ? p / "tinyshakespeare.txt" : p);
    }
    candidates.push_back("data/tinyshakespeare.txt");
    candidates.push_back("../shared/data/tinyshakespeare.txt");
    for (const fs::path& p : candidates) {
        tried += (tried.empty() ? "" : ", ") + p.string();
        if (fs::is_regular_file(p)) return p.string();
    }
    return "";
}

}  // namespace

TEST(DataCorpus, TinyShakespeareHas65CharactersAndSplitsAsNanoGPT) {
    std::string tried;
    const std::string path = find_corpus(tried);
    if (path.empty())
        GTEST_SKIP() << "Tiny Shakespeare not found (looked at " << tried
                     << "); run scripts/get_data data/tinyshakespeare.txt or set GRADSCHOOL_DATA";
    const std::string text = gs::gpt::read_text_file(path);
    EXPECT_EQ(text.size(), 1115394u);
    CharTokenizer tok = CharTokenizer::from_text(text, path);
    EXPECT_EQ(tok.vocab_size(), 65);
    // the corpus's distinct characters in code point order (listed by an independent Python check)
    EXPECT_EQ(tok.to_string(), "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    Dataset ds(text, tok, path);
    // all ASCII, so 1,115,394 tokens: 1,115,394 * 9 / 10 = 1,003,854.6 -> 1,003,854 train, 111,540 val
    EXPECT_EQ(ds.train.size(), 1003854u);
    EXPECT_EQ(ds.val.size(), 111540u);
    std::vector<int32_t> all = ds.train;
    all.insert(all.end(), ds.val.begin(), ds.val.end());
    EXPECT_EQ(tok.decode(all), text);

    Rng rng(1337);
    Batch b = ds.get_batch(Split::val, 8, 256, rng);
    EXPECT_EQ(b.x.shape(), (gs::Shape{8, 256}));
}
