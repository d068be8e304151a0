// The training loop (gpt/train.h) on a small generated corpus: it learns, it resumes exactly, it
// refuses bad data with clear messages, and a numerical blow-up stops it without harming the last
// good checkpoint. Then the checks of issue 11: nothing written before every option has passed, one
// run per folder, a stop that saves no diverged weights, resumes that check the run they continue.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "gpt/checkpoint.h"
#include "gpt/run_dir.h"
#include "gpt/train.h"
#include "nn/optim.h"

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

// ---- issue 11: nothing written before every check passes; one run per directory; resumes that check ----

namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The files of a run, to compare before and after something that must not touch them.
std::string run_bytes(const std::string& out) {
    std::string all;
    for (const char* f : {"model.safetensors", "state.safetensors", "log.csv", "loss.svg"}) all += read_file(out + "/" + f) + "|";
    return all;
}

// A finished 20-step run in dir/out, and its options.
TrainOptions finished_run(const std::string& dir) {
    TrainOptions o = tiny_run(corpus_file(dir), dir + "/out");
    o.max_iters = o.lr_decay_iters = 20;
    train(o);
    return o;
}

TrainOptions resumed(TrainOptions o, int64_t max_iters = 30) {
    o.resume = true;
    o.max_iters = o.lr_decay_iters = max_iters;
    return o;
}

}  // namespace

// D1: --min-lr above --lr failed in cosine_lr at step 0, after the first eval had replaced the run's files;
// and warmup_iters + 1 overflowed. Every option is checked first, naming the flag.
TEST(Train, BadOptionsAreRefusedBeforeAnythingIsWritten) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    std::string before = run_bytes(o.out);
    TrainOptions bad = o;
    bad.overwrite = true;
    bad.lr = real(1e-4);
    bad.min_lr = real(1e-3);
    std::string msg = message_of(bad);
    EXPECT_TRUE(has(msg, "--min-lr must be a finite number in [0, --lr = 0.0001], got 0.001")) << msg;
    bad = o;
    bad.overwrite = true;
    bad.batch_size = int64_t(1) << 31;
    msg = message_of(bad);
    EXPECT_TRUE(has(msg, "--batch-size must be in [1, 2147483647], got 2147483648")) << msg;
    bad.batch_size = 4;
    bad.grad_accum = int64_t(1) << 60;
    msg = message_of(bad);
    EXPECT_TRUE(has(msg, "--batch-size x --block-size x --grad-accum (4 x 16 x 1152921504606846976)")) << msg;
    EXPECT_TRUE(run_bytes(o.out) == before) << "the run's files changed";
    // a fresh directory stays empty too
    bad = tiny_run(o.data, dir + "/fresh");
    bad.weight_decay = std::numeric_limits<real>::infinity();
    EXPECT_TRUE(has(message_of(bad), "--weight-decay must be a finite number >= 0, got inf"));
    EXPECT_FALSE(exists(dir + "/fresh"));
    // huge warmup and decay are legal (the lr just stays tiny): no overflow, the run trains
    TrainOptions huge = tiny_run(o.data, dir + "/huge");
    huge.warmup_iters = huge.lr_decay_iters = std::numeric_limits<int64_t>::max();
    huge.max_iters = 3;
    EXPECT_EQ(train(huge).iters, 3);
}

// D2: training into a directory that holds a run silently replaced it.
TEST(Train, AnEarlierRunIsRefusedWithoutResumeOrOverwrite) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    std::string before = run_bytes(o.out);
    std::string msg = message_of(o);
    EXPECT_EQ(msg, "gpt train: " + o.out + " already holds a run (model.safetensors, state.safetensors, log.csv): "
                   "continue it with --resume, choose a new --out, or replace it with --overwrite");
    EXPECT_TRUE(run_bytes(o.out) == before) << "the run's files changed";
    o.overwrite = true;
    o.seed = 7;   // another run
    EXPECT_EQ(train(o).iters, 20);
    EXPECT_FALSE(run_bytes(o.out) == before) << "the run's files did not change";
    o.resume = true;
    EXPECT_TRUE(has(message_of(o), "--resume and --overwrite contradict each other"));
}

// D4: a second run into a directory another run holds fails at once, naming the holder.
TEST(Train, ALockedDirectoryIsRefusedNamingTheHolder) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    RunLock held(o.out);
    std::string msg = message_of(resumed(o));
    EXPECT_EQ(msg, "gpt train: " + o.out + " is in use by another run (pid " + std::to_string(::getpid()) +
                   "); wait for it to end, or choose another --out");
}

// D3: a stop right after a diverged step saved the diverged weights as the state. Here the weights
// are 1e30 (finite, so the state loads; the loss is even finite, LayerNorm divides the overflow away,
// but the gradient is not) and the stop comes before the first step: the check an eval's save makes
// must refuse them.
TEST(Train, StopWithDivergedWeightsSavesNothing) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    const std::string state = o.out + "/state.safetensors";
    {
        GPTConfig cfg = o.model;
        cfg.vocab_size = load_model(o.out + "/model.safetensors").model->config.vocab_size;
        GPT m(cfg, 1);
        nn::ParamGroup decay{{}, o.weight_decay}, no_decay{{}, 0};
        for (auto& [name, p] : m.named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
        nn::AdamW opt({decay, no_decay}, o.lr, o.beta1, o.beta2);
        CharTokenizer tok = load_model(o.out + "/model.safetensors").tok;
        TrainState st = load_train_state(state, m, tok, opt);
        for (Tensor& p : m.parameters())
            for (int64_t i = 0; i < p.numel(); i++) p.data()[i] *= real(1e30);
        save_train_state(state, m, tok, opt, st);
    }
    std::string before = read_file(state);
    std::atomic<bool> stop{true};
    std::string msg;
    try {
        train(resumed(o), &stop);
    } catch (const std::exception& e) {
        msg = e.what();
    }
    EXPECT_TRUE(has(msg, "the loss or gradient after the last step is not finite at iteration 20; stopped without saving the "
                         "state, the last good checkpoint in " + o.out + " is untouched")) << msg;
    EXPECT_TRUE(read_file(state) == before) << "the state was overwritten";
}

// H1: resuming past --max-iters ran forever.
TEST(Train, ResumePastMaxItersFinishesAtOnce) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    std::string before = run_bytes(o.out);
    TrainResult r = train(resumed(o, 10));
    EXPECT_TRUE(r.already_done);
    EXPECT_EQ(r.iters, 20);
    EXPECT_TRUE(run_bytes(o.out) == before) << "the run's files changed";
    EXPECT_TRUE(train(resumed(o, 20)).already_done);
}

// U8: a resume with another seed, batch size or data file is another run.
TEST(Train, ResumeRefusesAnotherSeedBatchSizeOrData) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    std::string before = run_bytes(o.out);
    TrainOptions r = resumed(o);
    r.seed = 42;
    EXPECT_EQ(message_of(r), "gpt train: --resume: the run in " + o.out + " was started with --seed 1337, not 42; "
                             "resume with the same, or start a new run");
    r = resumed(o);
    r.batch_size = 5;
    EXPECT_TRUE(has(message_of(r), "was started with --batch-size 4, not 5"));
    r = resumed(o);
    r.data = dir + "/other.txt";
    std::ofstream(r.data) << read_file(o.data) << "the cat sat\n";
    std::string msg = message_of(r);
    EXPECT_TRUE(has(msg, "was started with --data " + o.data + " (")) << msg;
    EXPECT_TRUE(has(msg, "not " + r.data + " (")) << msg;
    EXPECT_TRUE(run_bytes(o.out) == before) << "the run's files changed";
    // the same text under another name, and another schedule, are the same run
    r = resumed(o);
    r.data = dir + "/copy.txt";
    std::ofstream(r.data) << read_file(o.data);
    r.lr = real(1e-3);
    EXPECT_EQ(train(r).iters, 30);
}

// U9 and U11: a resume checks what the run left before writing anything: log.csv present, the best
// model loads (its checksum included).
TEST(Train, ResumeChecksTheLogAndTheBestModelFirst) {
    std::string dir = temp_dir();
    TrainOptions o = finished_run(dir);
    ::rename((o.out + "/log.csv").c_str(), (dir + "/log.csv").c_str());
    std::string msg = message_of(resumed(o));
    EXPECT_EQ(msg, "gpt train: --resume: " + o.out + "/log.csv is missing, so the run's history would restart at "
                   "iteration 20; restore it, or start over with --overwrite");
    ::rename((dir + "/log.csv").c_str(), (o.out + "/log.csv").c_str());
    std::string model = read_file(o.out + "/model.safetensors");
    model[model.size() - 5] ^= 0x10;   // a flipped bit in the best weights
    std::ofstream(o.out + "/model.safetensors", std::ios::binary | std::ios::trunc) << model;
    std::string state = read_file(o.out + "/state.safetensors");
    msg = message_of(resumed(o));
    EXPECT_TRUE(has(msg, o.out + "/model.safetensors: the file is corrupted")) << msg;
    EXPECT_TRUE(read_file(o.out + "/state.safetensors") == state) << "the state changed";
}

// U10: --out "" said "exists and is not a directory".
TEST(Train, EmptyOutIsRefusedByName) {
    std::string dir = temp_dir();
    TrainOptions o = tiny_run(corpus_file(dir), "");
    EXPECT_EQ(message_of(o), "gpt train: --out must not be empty");
}
