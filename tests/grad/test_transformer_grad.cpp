// Finite-difference checks (double build) through MLP, CausalSelfAttention and Block, with respect to
// the input and EVERY parameter, with and without biases, at B=2, T=4, C=8, n_head=2; and a Block in
// training mode with dropout, its mask replayed for every evaluation.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "gpt/model.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::nn;

namespace {

const int64_t B = 2, T = 4, C = 8;

GPTConfig cfg(bool bias, real dropout = 0) {
    GPTConfig c;
    c.n_embd = C, c.n_head = 2, c.n_layer = 2, c.dropout = dropout, c.bias = bias;
    return c;
}

// normal(0, std) values in every parameter (LayerNorm gains included), so no gradient is too small
// for a wrong one to hide under the tolerance and no softmax is nearly uniform
void scramble(const Module& m, Rng& rng, real std) {
    for (const Tensor& p : m.parameters())
        for (int64_t i = 0; i < p.numel(); i++) p.data()[i] = rng.normal() * std;
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

}  // namespace

TEST(TransformerGrad, MLP) {
    for (bool bias : {true, false}) {
        Rng init(61), drop(62);
        MLP mlp(cfg(bias), init, drop);
        expect_grads_ok(mlp, 63, bias ? "with bias" : "without bias");
    }
}

TEST(TransformerGrad, CausalSelfAttention) {
    for (bool bias : {true, false}) {
        Rng init(64), drop(65);
        CausalSelfAttention attn(cfg(bias), init, drop);
        expect_grads_ok(attn, 66, bias ? "with bias" : "without bias");
    }
}

TEST(TransformerGrad, Block) {
    for (bool bias : {true, false}) {
        Rng init(67), drop(68);
        Block block(cfg(bias), init, drop);
        expect_grads_ok(block, 69, bias ? "with bias" : "without bias");
    }
}

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
