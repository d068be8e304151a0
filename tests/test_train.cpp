// The training loop (gpt/train.h) on a small generated corpus: it learns, it resumes exactly, it
// refuses bad data with clear messages, and a numerical blow-up stops it without harming the last
// good checkpoint.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gpt/checkpoint.h"
#include "gpt/train.h"

using namespace gs;
using namespace gs::gpt;

namespace {

std::string temp_dir() {
    char tmpl[] = "/tmp/gs_train_XXXXXX";
    return std::string(::mkdtemp(tmpl));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A few thousand characters of patterned text, so a tiny model can learn something quickly.
std::string corpus_file(const std::string& dir) {
    std::string text;
    Rng rng(7);
    const char* words[] = {"the ", "cat ", "sat ", "on ", "a ", "mat. ", "dog ", "ran\n"};
    for (int i = 0; i < 1500; i++) text += words[rng.below(8)];
    std::string path = dir + "/corpus.txt";
    std::ofstream(path) << text;
    return path;
}

TrainOptions tiny_run(const std::string& data, const std::string& out) {
    TrainOptions o;
    o.data = data;
    o.out = out;
    o.model.n_layer = 1;
    o.model.n_head = 2;
    o.model.n_embd = 16;
    o.model.block_size = 16;
    o.batch_size = 4;
    o.max_iters = 40;
    o.warmup_iters = 5;
    o.lr_decay_iters = 40;
    o.lr = real(3e-3);
    o.eval_interval = 10;
    o.eval_iters = 2;
    o.quiet = true;
    return o;
}

std::string message_of(const TrainOptions& o) {
    try {
        train(o);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST(Train, LearnsAndWritesItsFiles) {
    std::string dir = temp_dir();
    TrainOptions o = tiny_run(corpus_file(dir), dir + "/out");
    o.max_iters = o.lr_decay_iters = 150;
    o.lr = real(1e-2);
    TrainResult r = train(o);
    EXPECT_EQ(r.iters, 150);
    // ln(13) = 2.56 at the start. The text is 3 bits (2.08 nats) of word choice per ~4.4 characters,
    // about 0.5 nats per character at best; below 1.2 the model has learned the words' spelling.
    EXPECT_LT(r.val_loss, 1.2);
    for (const char* f : {"model.safetensors", "state.safetensors", "log.csv", "loss.svg"})
        EXPECT_TRUE(std::ifstream(dir + "/out/" + f).good()) << f;
    std::string svg = read_file(dir + "/out/loss.svg");
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_TRUE(has(svg, "</svg>"));
    EXPECT_TRUE(has(svg, "<polyline"));
    LoadedModel m = load_model(dir + "/out/model.safetensors");
    EXPECT_EQ(m.model->config.block_size, 16);
}

TEST(Train, ResumedRunMatchesTheUninterruptedRunExactly) {
    std::string dir = temp_dir(), data = corpus_file(dir);
    TrainOptions full = tiny_run(data, dir + "/full");
    full.model.dropout = real(0.1);   // dropout draws random numbers too: its stream must resume as well
    train(full);

    TrainOptions first = full, second = full;
    first.out = second.out = dir + "/split";
    first.max_iters = 20;   // stops after the eval at 20, as a run interrupted there would
    train(first);
    second.resume = true;
    train(second);
    EXPECT_EQ(read_file(dir + "/split/log.csv"), read_file(dir + "/full/log.csv"));
    EXPECT_EQ(read_file(dir + "/split/state.safetensors"), read_file(dir + "/full/state.safetensors"));
}

TEST(Train, StopRequestSavesStateAndResumeContinues) {
    std::string dir = temp_dir(), data = corpus_file(dir);
    TrainOptions o = tiny_run(data, dir + "/out");
    std::atomic<bool> stop{true};
    TrainResult r = train(o, &stop);
    EXPECT_TRUE(r.interrupted);
    o.resume = true;
    TrainResult r2 = train(o);
    EXPECT_FALSE(r2.interrupted);
    EXPECT_EQ(r2.iters, 40);
}

TEST(Train, BadDataFilesGetClearErrors) {
    std::string dir = temp_dir();
    EXPECT_TRUE(has(message_of(tiny_run(dir + "/missing.txt", dir + "/o")), "missing.txt"));
    std::ofstream(dir + "/empty.txt").flush();
    EXPECT_TRUE(has(message_of(tiny_run(dir + "/empty.txt", dir + "/o")), "empty"));
    EXPECT_TRUE(has(message_of(tiny_run(dir, dir + "/o")), "directory"));
    std::ofstream(dir + "/short.txt") << "to be or not to be, that is the question";   // 41 chars: val split has 5
    std::string msg = message_of(tiny_run(dir + "/short.txt", dir + "/o"));
    EXPECT_TRUE(has(msg, "the val split of")) << msg;
    EXPECT_TRUE(has(msg, "fewer than block_size + 1 = 17")) << msg;
    std::ofstream(dir + "/bad.txt") << "abc\xff";
    EXPECT_TRUE(has(message_of(tiny_run(dir + "/bad.txt", dir + "/o")), "invalid UTF-8 at byte offset 3"));
}

TEST(Train, BadOptionsNameTheFlag) {
    std::string dir = temp_dir(), data = corpus_file(dir);
    TrainOptions o = tiny_run(data, dir + "/o");
    o.lr = -1;
    EXPECT_TRUE(has(message_of(o), "--lr must be a finite number >= 0, got -1"));
    o = tiny_run(data, dir + "/o");
    o.model.n_embd = 15;
    EXPECT_TRUE(has(message_of(o), "--n-embd (15) must be a positive multiple of --n-head (2)"));
    o = tiny_run(data, dir + "/o");
    o.model.block_size = 0;
    EXPECT_TRUE(has(message_of(o), "--block-size must be in [1, 2147483647], got 0"));
}

TEST(Train, AbsurdLearningRateStopsWithTheStepAndKeepsTheLastGoodCheckpoint) {
    std::string dir = temp_dir(), data = corpus_file(dir);
    TrainOptions o = tiny_run(data, dir + "/out");
    o.lr = real(1e30);
    o.warmup_iters = 0;
    o.grad_clip = 0;
    std::string msg = message_of(o);
    EXPECT_TRUE(has(msg, "is not finite at iteration")) << msg;
    EXPECT_TRUE(has(msg, "last good checkpoint")) << msg;
    LoadedModel m = load_model(dir + "/out/model.safetensors");   // the one saved at iteration 0 is intact
    EXPECT_EQ(m.metadata.at("iter"), "0");
    for (auto& [name, p] : m.model->named_parameters())
        for (real v : p.to_vector()) ASSERT_TRUE(std::isfinite(v)) << name;
}
