// MLP, CausalSelfAttention and Block (gpt/model.h): output shapes, the attention (fused, composed and
// cached) and the MLP against plain double loops written from their formulas, causality, the residual wiring, GPT-2's
// scaled init of the c_proj layers, dropout only in training, and bad inputs.
// Finite-difference checks are in tests/grad/test_transformer_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "autograd/shape.h"
#include "gpt/model.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::nn;

namespace {

const int64_t B = 2, T = 4, C = 8, NH = 2;

GPTConfig cfg(bool bias, real dropout = 0, int64_t n_layer = 2) {
    GPTConfig c;
    c.n_embd = C, c.n_head = NH, c.n_layer = n_layer, c.dropout = dropout, c.bias = bias;
    return c;
}

void scramble(const Module& m, Rng& rng, real std) {
    for (const Tensor& p : m.parameters())
        for (int64_t i = 0; i < p.numel(); i++) p.data()[i] = rng.normal() * std;
}

double std_of(const Tensor& t) {
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < t.numel(); i++) s += t.data()[i];
    double mean = s / double(t.numel());
    for (int64_t i = 0; i < t.numel(); i++) s2 += (t.data()[i] - mean) * (t.data()[i] - mean);
    return std::sqrt(s2 / double(t.numel()));
}

// y (rows, out) = x (rows, in) · Wᵀ + b, in double; b may be undefined
std::vector<double> ref_linear(const std::vector<double>& x, const Linear& fc, int64_t rows) {
    int64_t IN = fc.weight.size(1), OUT = fc.weight.size(0);
    std::vector<double> y(size_t(rows * OUT));
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < OUT; j++) {
            double acc = fc.bias.defined() ? double(fc.bias.data()[j]) : 0.0;
            for (int64_t k = 0; k < IN; k++) acc += x[size_t(r * IN + k)] * double(fc.weight.data()[j * IN + k]);
            y[size_t(r * OUT + j)] = acc;
        }
    return y;
}

std::vector<double> to_double(const Tensor& t) {
    std::vector<double> v(size_t(t.numel()));
    for (int64_t i = 0; i < t.numel(); i++) v[size_t(i)] = t.data()[i];
    return v;
}

void expect_close(const Tensor& got, const std::vector<double>& want) {
    ASSERT_EQ(size_t(got.numel()), want.size());
    for (size_t i = 0; i < want.size(); i++)
        ASSERT_NEAR(got.data()[i], want[i], 2e-5 * (1 + std::fabs(want[i]))) << "element " << i;
}

// Attention from its formula, one (batch, head, query t) at a time:
//   s_ts = q_t · k_s / sqrt(hs) for s <= t;  p = softmax_s(s_t);  y_t = sum_s p_ts v_s;  out = c_proj(y)
std::vector<double> ref_attention(const CausalSelfAttention& a, const Tensor& x) {
    int64_t hs = C / NH;
    std::vector<double> qkv = ref_linear(to_double(x), a.c_attn, B * T);   // (B, T, 3C): q | k | v
    auto at = [&](int64_t b, int64_t t, int64_t part, int64_t h, int64_t d) {
        return qkv[size_t((b * T + t) * 3 * C + part * C + h * hs + d)];
    };
    std::vector<double> y(size_t(B * T * C));
    for (int64_t b = 0; b < B; b++)
        for (int64_t h = 0; h < NH; h++)
            for (int64_t t = 0; t < T; t++) {
                std::vector<double> p(size_t(t + 1));
                double mx = -1e300, z = 0;
                for (int64_t s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int64_t d = 0; d < hs; d++) dot += at(b, t, 0, h, d) * at(b, s, 1, h, d);
                    p[size_t(s)] = dot / std::sqrt(double(hs));
                    mx = std::max(mx, p[size_t(s)]);
                }
                for (auto& v : p) z += (v = std::exp(v - mx));
                for (int64_t d = 0; d < hs; d++) {
                    double acc = 0;
                    for (int64_t s = 0; s <= t; s++) acc += p[size_t(s)] / z * at(b, s, 2, h, d);
                    y[size_t((b * T + t) * C + h * hs + d)] = acc;
                }
            }
    return ref_linear(y, a.c_proj, B * T);
}

}  // namespace

TEST(Transformer, OutputShapesMatchTheInput) {
    for (bool bias : {true, false}) {
        Rng init(1), drop(2);
        MLP mlp(cfg(bias), init, drop);
        CausalSelfAttention attn(cfg(bias), init, drop);
        Block block(cfg(bias), init, drop);
        Tensor x = Tensor::randn({B, T, C}, init);
        EXPECT_EQ(mlp.forward(x).shape(), (Shape{B, T, C}));
        EXPECT_EQ(attn.forward(x).shape(), (Shape{B, T, C}));
        EXPECT_EQ(block.forward(x).shape(), (Shape{B, T, C}));
        EXPECT_EQ(mlp.c_fc.weight.shape(), (Shape{4 * C, C}));
        EXPECT_EQ(attn.c_attn.weight.shape(), (Shape{3 * C, C}));
    }
}

TEST(Transformer, AttentionMatchesItsFormula) {
    for (bool bias : {true, false}) {
        Rng init(3), drop(4);
        CausalSelfAttention attn(cfg(bias), init, drop);
        scramble(attn, init, real(0.4));   // large enough that the softmax is far from uniform
        Tensor x = Tensor::randn({B, T, C}, init);
        expect_close(attn.forward(x), ref_attention(attn, x));
    }
}

// The other two ways through CausalSelfAttention::forward give the same formula: the composed
// reference (fused = false) and the KV cache, here fed one position, then the other three.
TEST(Transformer, AttentionMatchesItsFormulaWithTheReferenceAndWithACache) {
    for (bool bias : {true, false}) {
        Rng init(3), drop(4);
        CausalSelfAttention attn(cfg(bias), init, drop);
        scramble(attn, init, real(0.4));
        Tensor x = Tensor::randn({B, T, C}, init);
        std::vector<double> want = ref_attention(attn, x);   // (B, T, C)
        attn.fused = false;
        expect_close(attn.forward(x), want);
        NoGradGuard no_grad;
        KVCache::Layer kv{Tensor::zeros({B, NH, T, C / NH}), Tensor::zeros({B, NH, T, C / NH})};
        Tensor first = attn.forward(slice(x, 1, 0, 1), &kv, 0), rest = attn.forward(slice(x, 1, 1, T), &kv, 1);
        for (int64_t b = 0; b < B; b++)
            for (int64_t t = 0; t < T; t++)
                for (int64_t c = 0; c < C; c++) {
                    real got = t == 0 ? first.data()[b * C + c] : rest.data()[(b * (T - 1) + t - 1) * C + c];
                    double w = want[size_t((b * T + t) * C + c)];
                    ASSERT_NEAR(got, w, 2e-5 * (1 + std::fabs(w))) << "bias " << bias << " b " << b << " t " << t;
                }
        // last_only: all four positions at once into a fresh cache, the last row out
        KVCache::Layer fresh{Tensor::zeros({B, NH, T, C / NH}), Tensor::zeros({B, NH, T, C / NH})};
        Tensor last = attn.forward(x, &fresh, 0, true);   // (B, 1, C)
        ASSERT_EQ(last.shape(), (Shape{B, 1, C}));
        for (int64_t b = 0; b < B; b++)
            for (int64_t c = 0; c < C; c++) {
                double w = want[size_t((b * T + T - 1) * C + c)];
                ASSERT_NEAR(last.data()[b * C + c], w, 2e-5 * (1 + std::fabs(w))) << "last_only, b " << b;
            }
        for (int64_t i = 0; i < kv.k.numel(); i++) {   // every position's key and value went in
            ASSERT_NEAR(fresh.k.data()[i], kv.k.data()[i], 1e-5) << "k " << i;
            ASSERT_NEAR(fresh.v.data()[i], kv.v.data()[i], 1e-5) << "v " << i;
        }
        EXPECT_THROW(attn.forward(x, nullptr, 0, true), std::invalid_argument);   // last_only needs a cache
    }
}

TEST(Transformer, MLPMatchesItsFormula) {
    Rng init(5), drop(6);
    MLP mlp(cfg(true), init, drop);
    scramble(mlp, init, real(0.4));
    Tensor x = Tensor::randn({B, T, C}, init);
    // GPT-2's tanh approximation: gelu(u) = u/2 (1 + tanh(sqrt(2/pi) (u + 0.044715 u^3)))
    std::vector<double> h = ref_linear(to_double(x), mlp.c_fc, B * T);
    const double k = std::sqrt(2 / 3.14159265358979323846);
    for (double& u : h) u = 0.5 * u * (1 + std::tanh(k * (u + 0.044715 * u * u * u)));
    expect_close(mlp.forward(x), ref_linear(h, mlp.c_proj, B * T));
}

TEST(Transformer, AttentionAndBlockAreCausal) {
    Rng init(7), drop(8);
    CausalSelfAttention attn(cfg(true), init, drop);
    Block block(cfg(true), init, drop);
    scramble(attn, init, real(0.4));
    Tensor x = Tensor::randn({B, T, C}, init);
    std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> nets = {
        {"attention", [&](const Tensor& in) { return attn.forward(in); }},
        {"block", [&](const Tensor& in) { return block.forward(in); }}};
    for (auto& [name, run] : nets) {
        SCOPED_TRACE(name);
        Tensor before = run(x);
        for (int64_t t = 0; t < T; t++) {
            Tensor x2 = Tensor::from(x.shape(), x.to_vector());
            for (int64_t b = 0; b < B; b++)
                for (int64_t i = (b * T + t + 1) * C; i < (b + 1) * T * C; i++) x2.data()[i] += 1;   // after t
            Tensor after = run(x2);
            for (int64_t b = 0; b < B; b++) {
                for (int64_t i = b * T * C; i < (b * T + t + 1) * C; i++)   // positions <= t: bit for bit
                    ASSERT_EQ(before.data()[i], after.data()[i]) << "t " << t << " element " << i;
                bool changed = false;   // and the positions after t do see the change
                for (int64_t i = (b * T + t + 1) * C; i < (b + 1) * T * C; i++)
                    changed = changed || before.data()[i] != after.data()[i];
                EXPECT_EQ(changed, t < T - 1) << "t " << t;
            }
        }
    }
}

TEST(Transformer, BlockAddsBothBranchesToTheResidualStream) {
    Rng init(9), drop(10);
    Block block(cfg(true), init, drop);
    scramble(block, init, real(0.4));
    Tensor x = Tensor::randn({B, T, C}, init);
    Tensor y = block.forward(x);
    // With both output projections zero, each branch adds exactly 0, so the block is the identity.
    for (Linear* proj : {&block.attn.c_proj, &block.mlp.c_proj}) {
        for (int64_t i = 0; i < proj->weight.numel(); i++) proj->weight.data()[i] = 0;
        for (int64_t i = 0; i < proj->bias.numel(); i++) proj->bias.data()[i] = 0;
    }
    EXPECT_EQ(block.forward(x).to_vector(), x.to_vector());
    EXPECT_NE(y.to_vector(), x.to_vector());
}

TEST(Transformer, ResidualProjectionsUseScaledInit) {
    Rng init(11), drop(12);
    GPTConfig big;
    big.n_embd = 256, big.n_head = 4, big.n_layer = 6, big.bias = true;
    Block block(big, init, drop);
    double scaled = 0.02 / std::sqrt(2.0 * 6);   // 0.00577
    // 65536 and 262144 draws: the sample std is within 0.3% (one sigma) of the true one
    EXPECT_NEAR(std_of(block.attn.c_proj.weight), scaled, 0.02 * scaled);
    EXPECT_NEAR(std_of(block.mlp.c_proj.weight), scaled, 0.02 * scaled);
    EXPECT_NEAR(std_of(block.attn.c_attn.weight), 0.02, 0.02 * 0.02);
    EXPECT_NEAR(std_of(block.mlp.c_fc.weight), 0.02, 0.02 * 0.02);
    for (const Tensor* b : {&block.attn.c_proj.bias, &block.mlp.c_proj.bias, &block.mlp.c_fc.bias})
        EXPECT_EQ(b->to_vector(), std::vector<real>(size_t(b->numel()), 0));
}

TEST(Transformer, DropoutActsOnlyInTraining) {
    Rng init_a(13), init_b(13), drop_a(14), drop_b(14);
    Block with(cfg(true, real(0.3)), init_a, drop_a);
    Block without(cfg(true, 0), init_b, drop_b);   // same weights: dropout has its own stream
    Tensor x = Tensor::randn({B, T, C}, init_a);
    std::vector<real> y0 = without.forward(x).to_vector();
    std::vector<real> y1 = with.forward(x).to_vector();
    EXPECT_NE(y1, y0);
    EXPECT_NE(with.forward(x).to_vector(), y1);   // a new mask each call
    with.eval();
    EXPECT_EQ(with.forward(x).to_vector(), y0);
}

TEST(Transformer, BadInputsAndConfigsAreRejected) {
    Rng init(15), drop(16);
    CausalSelfAttention attn(cfg(true), init, drop);
    try {
        attn.forward(Tensor::zeros({T, C}));
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), "CausalSelfAttention: expects (B, T, C), got [4, 8]");
    }
    try {
        attn.forward(Tensor::zeros({B, T, 6}));
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("linear: input's last dim must equal weight's in: x is [2, 4, 6]"),
                  std::string::npos)
            << e.what();
    }
    try {
        GPTConfig c = cfg(true);
        c.n_embd = 10, c.n_head = 3;
        CausalSelfAttention bad(c, init, drop);
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), "CausalSelfAttention: n_embd 10 is not divisible by n_head 3");
    }
    EXPECT_THROW(Block(cfg(true, real(1.5)), init, drop), std::invalid_argument);   // dropout p >= 1
}
