// The basic layers of nn/layers.h: Linear, Embedding, LayerNorm, Dropout. Forward values derived by
// hand, GPT-2 initialisation statistics on big layers, seeded determinism, train/eval behaviour of
// Dropout, and bad sizes rejected. Finite-difference checks are in tests/grad/test_layers_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "nn/layers.h"

using namespace gs;
using namespace gs::nn;

namespace {

void set(const Tensor& t, const std::vector<real>& v) {
    ASSERT_EQ(int64_t(v.size()), t.numel());
    std::memcpy(t.data(), v.data(), v.size() * sizeof(real));
}

struct Stats {
    double mean, std;
};

Stats stats(const Tensor& t) {
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < t.numel(); i++) s += t.data()[i];
    double mean = s / double(t.numel());
    for (int64_t i = 0; i < t.numel(); i++) s2 += (t.data()[i] - mean) * (t.data()[i] - mean);
    return {mean, std::sqrt(s2 / double(t.numel()))};
}

bool all_equal(const Tensor& t, real v) {
    for (int64_t i = 0; i < t.numel(); i++)
        if (t.data()[i] != v) return false;
    return true;
}

}  // namespace

TEST(Layers, LinearForwardIsXTimesWeightTransposedPlusBias) {
    Rng rng(1);
    Linear fc(3, 2, true, rng);
    set(fc.weight, {1, 0, -1, 2, 1, 0});   // (out 2, in 3)
    set(fc.bias, {0.5, -1});
    // [1,2,3] -> [1 - 3, 2 + 2] + b = [-1.5, 3];   [4,5,6] -> [4 - 6, 8 + 5] + b = [-1.5, 12]
    Tensor y = fc.forward(Tensor::from({1, 2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(y.shape(), (Shape{1, 2, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{-1.5, 3, -1.5, 12}));
}

TEST(Layers, LinearInitFollowsGPT2) {
    Rng rng(2);
    Linear big(768, 512, true, rng);
    EXPECT_EQ(big.weight.shape(), (Shape{512, 768}));
    // 393216 draws: the sample mean is within 3.2e-5 of 0 and the sample std within ~0.1% of 0.02 (one sigma)
    Stats s = stats(big.weight);
    EXPECT_NEAR(s.mean, 0.0, 2e-4);
    EXPECT_NEAR(s.std, 0.02, 0.02 * 0.02);
    EXPECT_EQ(big.bias.shape(), (Shape{512}));
    EXPECT_TRUE(all_equal(big.bias, 0));

    Linear wide(256, 256, false, rng, real(0.1));   // a caller's std is used as given
    EXPECT_NEAR(stats(wide.weight).std, 0.1, 0.1 * 0.02);
    EXPECT_FALSE(wide.bias.defined());
    ASSERT_EQ(wide.named_parameters().size(), 1u);
    EXPECT_EQ(wide.named_parameters()[0].first, "weight");
}

TEST(Layers, SameSeedSameWeightsAndTheRngAdvances) {
    Rng r1(7), r2(7), r3(8);
    Linear a(5, 4, true, r1), b(5, 4, true, r2), c(5, 4, true, r3);
    EXPECT_EQ(a.weight.to_vector(), b.weight.to_vector());
    EXPECT_NE(a.weight.to_vector(), c.weight.to_vector());
    Linear next(5, 4, true, r1);   // the second layer from one stream draws new numbers
    EXPECT_NE(a.weight.to_vector(), next.weight.to_vector());
}

TEST(Layers, EmbeddingLooksUpRowsAndInitsLikeGPT2) {
    Rng rng(3);
    Embedding e(3, 2, rng);
    set(e.weight, {10, 11, 20, 21, 30, 31});   // row v = [10 (v + 1), 10 (v + 1) + 1]
    Tensor y = e.forward(Indices({2, 2}, {2, 0, 1, 2}));
    EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{30, 31, 10, 11, 20, 21, 30, 31}));
    EXPECT_THROW(e.forward(Indices({1}, {3})), std::invalid_argument);

    Embedding big(1000, 256, rng);
    Stats s = stats(big.weight);
    EXPECT_NEAR(s.mean, 0.0, 2e-4);
    EXPECT_NEAR(s.std, 0.02, 0.02 * 0.02);
}

TEST(Layers, LayerNormStartsAsPureNormalisation) {
    LayerNorm ln(4, true);
    EXPECT_TRUE(all_equal(ln.weight, 1));
    EXPECT_TRUE(all_equal(ln.bias, 0));
    // [1, 2, 3, 4]: mean 2.5, biased var (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    // y = [-1.5, -0.5, 0.5, 1.5] / sqrt(1.25 + 1e-5)
    Tensor y = ln.forward(Tensor::from({1, 4}, {1, 2, 3, 4}));
    double rstd = 1 / std::sqrt(1.25 + 1e-5);
    std::vector<double> want = {-1.5 * rstd, -0.5 * rstd, 0.5 * rstd, 1.5 * rstd};
    for (int i = 0; i < 4; i++) EXPECT_NEAR(y.data()[i], want[size_t(i)], 1e-6) << i;

    // a learned gain and shift apply after the normalisation
    set(ln.weight, {2, 1, 0, -1});
    set(ln.bias, {0, 1, 2, 3});
    y = ln.forward(Tensor::from({4}, {1, 2, 3, 4}));
    std::vector<double> want2 = {-3 * rstd, 1 - 0.5 * rstd, 2, 3 - 1.5 * rstd};
    for (int i = 0; i < 4; i++) EXPECT_NEAR(y.data()[i], want2[size_t(i)], 1e-6) << i;

    LayerNorm no_bias(4, false);
    EXPECT_FALSE(no_bias.bias.defined());
    EXPECT_EQ(no_bias.num_parameters(), 4);
    y = no_bias.forward(Tensor::from({4}, {1, 2, 3, 4}));
    for (int i = 0; i < 4; i++) EXPECT_NEAR(y.data()[i], want[size_t(i)], 1e-6) << i;
}

TEST(Layers, DropoutZeroesAboutPInTrainingAndIsTheIdentityInEval) {
    Rng rng(4);
    Dropout d(real(0.25), rng);
    Tensor x = Tensor::ones({100000});
    Tensor y = d.forward(x);
    int64_t zeros = 0;
    for (int64_t i = 0; i < y.numel(); i++) {
        real v = y.data()[i];
        if (v == 0) zeros++;
        else ASSERT_EQ(v, real(1) / real(0.75)) << i;   // survivors scaled by 1/(1-p), so E[y] = x
    }
    // binomial(1e5, 0.25): one sigma is 137 zeros
    EXPECT_NEAR(double(zeros) / 1e5, 0.25, 0.005);

    d.eval();
    RngState before = rng.state();
    Tensor z = d.forward(x);
    EXPECT_TRUE(z.shares_storage_with(x));   // returned as is, no copy
    EXPECT_EQ(rng.state().state, before.state);

    Dropout off(0, rng);   // p = 0 in training is the identity too
    EXPECT_TRUE(off.forward(x).shares_storage_with(x));
}

TEST(Layers, DropoutMaskDependsOnlyOnTheSeed) {
    Rng r1(5), r2(5), r3(6);
    Dropout a(real(0.5), r1), b(real(0.5), r2), c(real(0.5), r3);
    Tensor x = Tensor::ones({64});
    std::vector<real> ya = a.forward(x).to_vector();
    EXPECT_EQ(ya, b.forward(x).to_vector());
    EXPECT_NE(ya, c.forward(x).to_vector());
    EXPECT_NE(ya, a.forward(x).to_vector());   // the stream moves on: the next mask differs
}

TEST(Layers, ConstructorsRejectBadSizes) {
    Rng rng(6);
    EXPECT_THROW(Linear(0, 3, true, rng), std::invalid_argument);
    EXPECT_THROW(Linear(3, -1, true, rng), std::invalid_argument);
    EXPECT_THROW(Embedding(0, 3, rng), std::invalid_argument);
    EXPECT_THROW(LayerNorm(0, true), std::invalid_argument);
    EXPECT_THROW(Dropout(1, rng), std::invalid_argument);
    EXPECT_THROW(Dropout(-0.1f, rng), std::invalid_argument);
    try {
        Linear(4, 0, false, rng);
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), "Linear: sizes must be positive, got in 4, out 0");
    }
    Linear fc(3, 2, true, rng);   // a wrong input reaches the op's check, which names the shapes
    EXPECT_THROW(fc.forward(Tensor::zeros({2, 4})), std::invalid_argument);
}
