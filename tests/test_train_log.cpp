// The columns `gpt train` writes to log.csv for each step, checked against an independent computation
// on a tiny model: grad_norm is the global norm of the gradient before clipping, update_ratio is
// ||w_after - w_before|| / ||w_before|| over every parameter. The weights before and after one step
// come from the state files of a run stopped at that step and of its resume one step further.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/plot.h"
#include "gpt/train.h"
#include "nn/optim.h"

using namespace gs;
using namespace gs::gpt;

namespace {

// A run's weights and batch sampler as its state file holds them at its iteration.
struct Snapshot {
    std::unique_ptr<GPT> model;
    TrainState st;
};

Snapshot load_snapshot(const std::string& path, const GPTConfig& cfg, const CharTokenizer& tok) {
    Snapshot s{std::make_unique<GPT>(cfg, 0), {}};
    nn::ParamGroup decay{{}, 0}, no_decay{{}, 0};   // the groups' decay is not stored; their layout is
    for (auto& [name, p] : s.model->named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    nn::AdamW optim({decay, no_decay}, real(1e-3));
    s.st = load_train_state(path, *s.model, tok, optim);
    return s;
}

}  // namespace

TEST(TrainLog, GradNormAndUpdateRatioMatchAnIndependentComputation) {
    char tmpl[] = "/tmp/gs_train_log_XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    std::string text;
    Rng rng(11);
    const char* words[] = {"to ", "be ", "or ", "not ", "that ", "is ", "the ", "question\n"};
    for (int i = 0; i < 1200; i++) text += words[rng.below(8)];
    const std::string data = dir + "/corpus.txt";
    std::ofstream(data) << text;

    TrainOptions o;
    o.data = data, o.out = dir + "/run", o.quiet = true;
    o.model.n_layer = 1, o.model.n_head = 2, o.model.n_embd = 16, o.model.block_size = 16;
    o.batch_size = 4, o.warmup_iters = 2, o.lr_decay_iters = 10, o.lr = real(3e-3), o.eval_iters = 1;
    o.grad_clip = real(0.05);   // below the norms of these steps, so clipping changes every gradient
    o.max_iters = o.eval_interval = 3;
    train(o);   // stops after the eval at 3: the state holds the weights before step 3
    const std::string before = dir + "/state_3.safetensors";
    std::filesystem::copy_file(o.out + "/state.safetensors", before);
    o.max_iters = 4, o.resume = true;
    train(o);   // step 3, then the state holds the weights after it

    RunLog log = read_run_log(o.out + "/log.csv", 4);
    ASSERT_EQ(log.steps.size(), 4u);
    const StepRow& row = log.steps[3];
    ASSERT_EQ(row.iter, 3);

    CharTokenizer tok = CharTokenizer::from_text(text);
    GPTConfig cfg = o.model;
    cfg.vocab_size = tok.vocab_size();
    Snapshot w0 = load_snapshot(before, cfg, tok), w1 = load_snapshot(o.out + "/state.safetensors", cfg, tok);
    ASSERT_EQ(w0.st.iter, 3);
    ASSERT_EQ(w1.st.iter, 4);

    // grad_norm: step 3's batch (drawn from the sampler as saved before it), its loss's gradient, the
    // square root of the sum of every entry squared, in double
    Dataset ds(text, tok);
    Rng batch_rng(0);
    batch_rng.set_state(w0.st.data_rng);
    Batch b = ds.get_batch(Split::train, int(o.batch_size), int(o.model.block_size), batch_rng);
    w0.model->forward(b.x, b.y).loss.backward();
    double g2 = 0;
    for (const Tensor& p : w0.model->parameters())
        for (int64_t i = 0; i < p.numel(); i++) g2 += double(p.grad()[i]) * double(p.grad()[i]);
    EXPECT_GT(std::sqrt(g2), 2 * o.grad_clip) << "the check needs a step that clipping changes";
    EXPECT_NEAR(row.grad_norm, std::sqrt(g2), 1e-5 * std::sqrt(g2));

    // update_ratio: the two state files' weights
    std::vector<Tensor> p0 = w0.model->parameters(), p1 = w1.model->parameters();
    ASSERT_EQ(p0.size(), p1.size());
    double du = 0, dw = 0;
    for (size_t k = 0; k < p0.size(); k++)
        for (int64_t i = 0; i < p0[k].numel(); i++) {
            double a = p0[k].data()[i], c = p1[k].data()[i];
            du += (c - a) * (c - a);
            dw += a * a;
        }
    double expected = std::sqrt(du / dw);
    EXPECT_GT(expected, 0);
    EXPECT_NEAR(row.update_ratio, expected, 1e-9 * expected);
    // every step's ratio is in the file, finite and positive
    for (const StepRow& s : log.steps) EXPECT_TRUE(std::isfinite(s.update_ratio) && s.update_ratio > 0) << s.iter;
    std::filesystem::remove_all(dir);
}
