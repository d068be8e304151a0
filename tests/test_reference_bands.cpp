// The reference bands (gpt/reference_bands.h): which runs they describe (gpt train's defaults on the
// corpus they were measured on, whatever the seed or length), the line that places a val loss inside,
// below or above a band, the table's own sanity, and a run of another configuration that prints nothing
// about them.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gpt/reference_bands.h"
#include "gpt/reference_bands_data.h"
#include "nn/io/crc32.h"

using namespace gs;
using namespace gs::gpt;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const int64_t kBytes = reference_data::kDataBytes;
const uint32_t kCrc = reference_data::kDataCrc32;

}  // namespace

TEST(ReferenceBands, DescribeTheDefaultRunOnTheirCorpusOnly) {
    TrainOptions o;
    o.data = "anywhere/tiny.txt", o.out = "elsewhere";
    o.seed = 7, o.max_iters = 5000, o.eval_interval = 100;   // none of these shape the losses up to 2000
    std::vector<ReferenceBand> bands = reference_bands_for(o, kBytes, kCrc);
    ASSERT_EQ(bands.size(), 3u);
    EXPECT_EQ(bands[0].iter, 500);
    EXPECT_EQ(bands[1].iter, 1000);
    EXPECT_EQ(bands[2].iter, 2000);
    EXPECT_EQ(bands[0].seeds, reference_data::kSeeds);

    EXPECT_TRUE(reference_bands_for(o, kBytes + 1, kCrc).empty()) << "another corpus";
    EXPECT_TRUE(reference_bands_for(o, kBytes, kCrc ^ 1).empty()) << "another corpus of the same size";
    auto differs = [&](auto change) {
        TrainOptions c = o;
        change(c);
        return reference_bands_for(c, kBytes, kCrc).empty();
    };
    EXPECT_TRUE(differs([](TrainOptions& c) { c.model.n_layer = 2; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.model.n_embd = 64; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.model.block_size = 32; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.model.dropout = real(0.1); }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.model.bias = true; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.batch_size = 8; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.grad_accum = 2; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.lr = real(3e-3); }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.min_lr = real(1e-5); }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.warmup_iters = 10; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.lr_decay_iters = 5000; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.weight_decay = 0; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.beta2 = real(0.95); }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.grad_clip = 0; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.eval_iters = 200; }));
    EXPECT_TRUE(differs([](TrainOptions& c) { c.tokenizer = "out/tok"; })) << "BPE: a loss per token, not per character";
    EXPECT_TRUE(differs([](TrainOptions& c) { c.init_from = "out/pretrained"; })) << "not from random weights";
}

TEST(ReferenceBands, NoteSaysInsideBelowOrAboveWithBitsPerCharacter) {
    ReferenceBand b{1000, 1.5, 1.6, 1.7, 5};   // width 0.2
    std::string inside = band_note(b, 1.62);
    EXPECT_EQ(inside, "val loss 1.6200 (2.337 bits per character) at iteration 1000: inside the reference band "
                      "1.5000-1.7000 (2.164-2.453 bits per character, median 1.6000) of 5 seeds");
    EXPECT_TRUE(has(band_note(b, 1.5), "inside")) << "the ends belong to the band";
    EXPECT_TRUE(has(band_note(b, 1.7), "inside"));
    std::string just_below = band_note(b, 1.35), just_above = band_note(b, 1.85);
    EXPECT_TRUE(has(just_below, "at iteration 1000: just below the reference band 1.5000-1.7000")) << just_below;
    EXPECT_TRUE(has(just_below, "by less than the seeds differ: normal")) << just_below;
    EXPECT_TRUE(has(just_above, "just above the reference band")) << just_above;
    EXPECT_TRUE(has(just_above, "by less than the seeds differ: normal")) << just_above;
    std::string below = band_note(b, 1.25), above = band_note(b, 2.5);
    EXPECT_TRUE(has(below, ": below the reference band")) << below;
    EXPECT_TRUE(has(below, "better than the reference runs by more than they differ")) << below;
    EXPECT_TRUE(has(above, "val loss 2.5000 (3.607 bits per character) at iteration 1000: above")) << above;
    EXPECT_TRUE(has(above, "worse than the reference runs by more than they differ; see tutorials/12_debugging_a_run.md"))
        << above;
}

// The committed table is what the script measured: ordered iterations, min <= median <= max, losses
// between a trained model's and a uniform guess's (ln 65), falling with training.
TEST(ReferenceBands, TableIsSane) {
    EXPECT_GE(reference_data::kSeeds, 3);
    double prev_median = std::log(65.0);
    int64_t prev_iter = 0;
    for (const reference_data::Row& r : reference_data::kRows) {
        EXPECT_GT(r.iter, prev_iter);
        EXPECT_LE(r.min, r.median);
        EXPECT_LE(r.median, r.max);
        EXPECT_GT(r.min, 1.0);
        EXPECT_LT(r.median, prev_median) << "iteration " << r.iter;
        prev_iter = r.iter, prev_median = r.median;
    }
}

// The fingerprint the script wrote is the one the trainer computes (gzip's CRC-32 is zlib's, as ours).
TEST(ReferenceBands, FingerprintMatchesTinyShakespeare) {
    std::string path;   // where scripts/get_data puts it, else the shared copy next to the project
    for (const char* p : {"data/tinyshakespeare.txt", "../shared/data/tinyshakespeare.txt"})
        if (path.empty() && std::filesystem::is_regular_file(p)) path = p;
    if (path.empty())
        GTEST_SKIP() << "Tiny Shakespeare not found (looked at data/ and ../shared/data/; scripts/get_data fetches it)";
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    EXPECT_EQ(int64_t(text.size()), kBytes);
    EXPECT_EQ(io::crc32(text), kCrc);
}

// A run of another configuration says nothing about bands, at its evals or at the end.
TEST(ReferenceBands, AnotherConfigurationPrintsNothingAboutThem) {
    char tmpl[] = "/tmp/gs_bands_XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    std::string text;
    for (int i = 0; i < 300; i++) text += "to be or not to be, that is the question\n";
    std::ofstream(dir + "/corpus.txt") << text;
    TrainOptions o;
    o.data = dir + "/corpus.txt", o.out = dir + "/run";
    o.model.n_layer = 1, o.model.n_head = 2, o.model.n_embd = 16, o.model.block_size = 16;
    o.batch_size = 2, o.max_iters = 4, o.eval_interval = 2, o.eval_iters = 1;
    testing::internal::CaptureStdout();
    train(o);
    std::string out = testing::internal::GetCapturedStdout();
    EXPECT_TRUE(has(out, "step 4: train loss")) << out;
    EXPECT_FALSE(has(out, "reference")) << out;
    std::filesystem::remove_all(dir);
}
