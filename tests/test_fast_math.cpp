// fast_exp and fast_tanh (autograd/fast_math.h) against libm: their error is measured, not assumed.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/fast_math.h"

using gs::fast_exp;
using gs::fast_tanh;

TEST(FastMath, ExpRelativeErrorIsAFewUlp) {
    double worst = 0;
    for (float x = -80; x <= 80; x += 0.001f) {
        double want = std::exp(double(x));
        worst = std::max(worst, std::fabs(double(fast_exp(x)) - want) / want);
    }
    EXPECT_LT(worst, 4e-7);   // float's ulp is 1.2e-7 relative (6e-8 half-ulp)
}

TEST(FastMath, TanhAbsoluteErrorIsAFewUlpAndSaturatesCleanly) {
    double worst = 0;
    for (float x = -12; x <= 12; x += 0.0005f) worst = std::max(worst, std::fabs(double(fast_tanh(x)) - std::tanh(double(x))));
    EXPECT_LT(worst, 3e-7);
    EXPECT_EQ(fast_tanh(0.0f), 0.0f);
    EXPECT_EQ(fast_tanh(100.0f), 1.0f);
    EXPECT_EQ(fast_tanh(-100.0f), -1.0f);
    EXPECT_EQ(fast_tanh(-1e30f), -1.0f);
    EXPECT_EQ(fast_tanh(0.3f), -fast_tanh(-0.3f));   // odd, exactly
}

TEST(FastMath, ExpClampsInsteadOfOverflowingAndGivesMaskedScoresZero) {
    EXPECT_TRUE(std::isfinite(fast_exp(1000.0f)));
    EXPECT_EQ(fast_exp(-1000.0f), 0.0f);
    EXPECT_EQ(fast_exp(-INFINITY), 0.0f);   // a softmax over a -inf mask gives those entries weight 0
    EXPECT_GT(fast_exp(-86.9f), 0.0f);
    EXPECT_TRUE(std::isnan(fast_exp(NAN)));  // NaN goes through, as it does in std::exp
}
