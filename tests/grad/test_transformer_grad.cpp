// Finite-difference checks (double build) through MLP, CausalSelfAttention and Block, with respect to
// the input and EVERY parameter, with and without biases, at B=2, T=4, C=8, n_head=2; and a Block in
// training mode with dropout, its mask replayed for every evaluation.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "gpt/model.h"
#include "tests/model_helpers.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::nn;
using namespace gs::test;

namespace {

const int64_t B = 2, T = 4, C = 8;

GPTConfig cfg(bool bias, real dropout = 0) {
    GPTConfig c;
    c.n_embd = C, c.n_head = 2, c.n_layer = 2, c.dropout = dropout, c.bias = bias;
    return c;
}

// x first, then the module's parameters: gradcheck perturbs them in place, so forward() sees it
template <typename M> void expect_grads_ok(const M& m, uint64_t seed, const char* what) {
    Rng rng(seed);
    scramble(m, rng, real(0.4));
    std::vector<Tensor> in = {Tensor::randn({B, T, C}, rng).requires_grad_()};
    for (const Tensor& p : m.parameters()) in.push_back(p);
    GradcheckResult r = gradcheck([&m](const std::vector<Tensor>& xs) { return m.forward(xs[0]); }, in);
    EXPECT_TRUE(r.ok) << what << "\n" << r.report;
    EXPECT_EQ(r.checked, B * T * C + m.num_parameters()) << what;
}

// An M with biases and one without, each built from Rngs seeded `seed` (weights) and seed + 1 (dropout)
// and checked from seed + 2.
template <typename M> void expect_grads_ok_with_and_without_bias(uint64_t seed) {
    for (bool bias : {true, false}) {
        Rng init(seed), drop(seed + 1);
        M m(cfg(bias), init, drop);
        expect_grads_ok(m, seed + 2, bias ? "with bias" : "without bias");
    }
}

}  // namespace

TEST(TransformerGrad, MLP) { expect_grads_ok_with_and_without_bias<MLP>(61); }

TEST(TransformerGrad, CausalSelfAttention) { expect_grads_ok_with_and_without_bias<CausalSelfAttention>(64); }

TEST(TransformerGrad, Block) { expect_grads_ok_with_and_without_bias<Block>(67); }

TEST(TransformerGrad, BlockWithDropoutInTraining) {
    Rng init(70), drop(71), rng(72);
    Block block(cfg(true, real(0.25)), init, drop);
    scramble(block, rng, real(0.4));
    std::vector<Tensor> in = {Tensor::randn({B, T, C}, rng).requires_grad_()};
    for (const Tensor& p : block.parameters()) in.push_back(p);
    RngState start = drop.state();   // each evaluation draws the same three masks
    GradcheckResult r = gradcheck(
        [&](const std::vector<Tensor>& xs) {
            drop.set_state(start);
            return block.forward(xs[0]);
        },
        in);
    EXPECT_TRUE(r.ok) << r.report;
}
