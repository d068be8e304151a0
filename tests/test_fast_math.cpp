// fast_exp and fast_tanh (autograd/fast_math.h) against libm: their error is measured, not assumed;
// their vector code against single calls, and GELU's bits on 1, 2 and 3 threads.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/fast_math.h"
#include "autograd/reduce.h"
#include "autograd/rng.h"

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

namespace {
// One call at a time: the compiler cannot vectorise a call through a volatile function pointer.
float (*volatile g_tanh_one)(float) = [](float x) { return fast_tanh(x); };
float (*volatile g_exp_one)(float) = [](float x) { return fast_exp(x); };
}  // namespace

// A `parallel for simd` loop over fast_tanh (GELU) computes most elements in vector code and the few at
// each thread's edges one at a time; which elements those are depends on the thread count. So the
// vector code must give exactly the bits of a single call, or results would depend on the thread count.
TEST(FastMath, VectorLoopsGiveTheBitsOfSingleCalls) {
    std::vector<float> x(4099), y_tanh(x.size()), y_exp(x.size());
    for (size_t i = 0; i < x.size(); i++) x[i] = -90.0f + 180.0f * float(i) / float(x.size());   // past both clamps
    x[7] = -INFINITY;
    x[8] = INFINITY;
    const float* in = x.data();
    float *out_tanh = y_tanh.data(), *out_exp = y_exp.data();
    const int64_t n = int64_t(x.size());
#pragma omp simd
    for (int64_t i = 0; i < n; i++) out_tanh[i] = fast_tanh(in[i]);
#pragma omp simd
    for (int64_t i = 0; i < n; i++) out_exp[i] = fast_exp(in[i]);
    int bad = 0;
    for (size_t i = 0; i < x.size(); i++) {
        float t = g_tanh_one(x[i]), e = g_exp_one(x[i]);
        if ((std::memcmp(&t, &y_tanh[i], sizeof t) != 0 || std::memcmp(&e, &y_exp[i], sizeof e) != 0) && bad++ < 5)
            ADD_FAILURE() << "x = " << x[i] << ": tanh " << y_tanh[i] << " vs " << t << ", exp " << y_exp[i]
                          << " vs " << e;
    }
}

// GELU's forward and backward run fast_tanh in `parallel for simd` loops: the same bits on 1, 2 and 3 threads.
TEST(FastMath, GeluGivesTheSameBitsForAnyThreadCount) {
    if (!gs::kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    const int saved = omp_get_max_threads();
    const int64_t n = 3 * (1 << 15) + 5;   // long enough to be split, and not a whole number of vectors
    gs::Rng rng(3);
    std::vector<gs::real> xs(static_cast<size_t>(n));
    for (gs::real& v : xs) v = gs::real(4 * rng.normal());
    std::vector<gs::real> y[3], g[3];
    for (int threads = 1; threads <= 3; threads++) {
        omp_set_num_threads(threads);
        gs::Tensor x = gs::Tensor::from({n}, xs).requires_grad_();
        gs::Tensor out = gs::gelu(x);
        gs::sum(out).backward();
        y[threads - 1] = out.to_vector();
        g[threads - 1] = x.grad_tensor().to_vector();
    }
    omp_set_num_threads(saved);
    for (int t = 1; t < 3; t++) {
        EXPECT_EQ(0, std::memcmp(y[0].data(), y[t].data(), y[0].size() * sizeof(gs::real))) << t + 1 << " threads";
        EXPECT_EQ(0, std::memcmp(g[0].data(), g[t].data(), g[0].size() * sizeof(gs::real))) << t + 1 << " threads";
    }
}
