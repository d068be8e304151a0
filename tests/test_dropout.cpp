// dropout: identity in eval mode and at p = 0, the mask follows the Rng exactly, the kept fraction
// and the 1/(1-p) scale, the backward reuses the mask, and bad p. Finite differences for the
// training-mode backward: grad/test_dropout_grad.cpp.
#include <gtest/gtest.h>

#include "autograd/dropout.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

TEST(Dropout, EvalModeAndZeroPReturnXItself) {
    Rng rng(1);
    Tensor x = Tensor::randn({3, 4}, rng).requires_grad_();
    RngState before = rng.state();
    Tensor e = dropout(x, real(0.5), false, rng);
    Tensor z = dropout(x, 0, true, rng);
    EXPECT_EQ(e.impl_ptr(), x.impl_ptr());   // the very same tensor: no copy, no graph node
    EXPECT_EQ(z.impl_ptr(), x.impl_ptr());
    EXPECT_EQ(rng.state().state, before.state);   // and no numbers were drawn
}

TEST(Dropout, MaskFollowsTheRngDraws) {
    // element i is kept exactly when the i-th uniform() drawn from the same seed is >= p
    real p = real(0.4);
    Rng draw(7);
    Tensor x = Tensor::rand({50}, draw, 1, 2);   // nonzero, so a zero output means dropped
    Rng mask_rng(11), replay(11);
    Tensor y = dropout(x, p, true, mask_rng);
    for (int64_t i = 0; i < 50; i++) {
        bool keep = replay.uniform() >= p;
        EXPECT_EQ(y.data()[i], keep ? x.data()[i] * (1 / (1 - p)) : 0) << "element " << i;
    }
}

TEST(Dropout, SameSeedSameMaskOtherSeedOtherMask) {
    Tensor x = Tensor::ones({1000});
    Rng a(3), b(3), c(4);
    std::vector<real> ya = dropout(x, real(0.5), true, a).to_vector();
    EXPECT_EQ(ya, dropout(x, real(0.5), true, b).to_vector());
    EXPECT_NE(ya, dropout(x, real(0.5), true, c).to_vector());
    // the rng moved on: the next mask from `a` differs from the first
    EXPECT_NE(ya, dropout(x, real(0.5), true, a).to_vector());
}

TEST(Dropout, KeptFractionNearOneMinusPAndScaled) {
    // 200000 draws with p = 0.3: the kept fraction has standard deviation sqrt(0.3 * 0.7 / 200000)
    // ~ 0.001, so +-0.006 is six of them. Kept values are exactly 1/(1 - p), dropped ones exactly 0.
    real p = real(0.3);
    Rng rng(12);
    Tensor y = dropout(Tensor::ones({400, 500}), p, true, rng);
    real scale = 1 / (1 - p);
    int64_t kept = 0;
    for (int64_t i = 0; i < y.numel(); i++) {
        real v = y.data()[i];
        ASSERT_TRUE(v == 0 || v == scale) << "element " << i << " is " << v;
        kept += v != 0;
    }
    EXPECT_NEAR(double(kept) / double(y.numel()), 0.7, 0.006);
}

TEST(Dropout, BackwardUsesTheSameMask) {
    // dx = dy * mask: zero where the output was dropped, 1/(1-p) * dy where it was kept
    real p = real(0.5);
    Rng rng(21);
    Tensor x = Tensor::ones({64}).requires_grad_();
    Tensor y = dropout(x, p, true, rng);
    Tensor dy = Tensor::arange(1, 65);
    y.backward(dy);
    for (int64_t i = 0; i < 64; i++) EXPECT_EQ(x.grad()[i], y.data()[i] == 0 ? 0 : dy.data()[i] * 2) << i;
}

TEST(Dropout, PMustBeInZeroOne) {
    Rng rng(1);
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_EQ(error_of([&] { dropout(x, 1, true, rng); }), "dropout: p must be in [0, 1), got 1 (x is [2, 3])");
    EXPECT_EQ(error_of([&] { dropout(x, real(-0.5), true, rng); }),
              "dropout: p must be in [0, 1), got -0.5 (x is [2, 3])");
    // checked in eval mode too, so a bad p is caught before the first training step
    EXPECT_EQ(error_of([&] { dropout(x, real(1.5), false, rng); }),
              "dropout: p must be in [0, 1), got 1.5 (x is [2, 3])");
}
