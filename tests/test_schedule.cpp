// Learning-rate schedules: cosine_lr at hand-computed steps through warmup, decay and after it,
// constant_lr's warmup, and bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nn/schedule.h"

using namespace gs;
using namespace gs::nn;

namespace {

template <typename F> std::string error_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected std::invalid_argument";
    return "";
}

// max_lr 1, min_lr 0.1, warmup 9 steps, decay until step 109: the decay spans 100 steps.
real lr_at(int64_t step) { return cosine_lr(step, 1.0f, 0.1f, 9, 109); }

}  // namespace

TEST(Schedule, CosineWarmupIsLinear) {
    EXPECT_FLOAT_EQ(lr_at(0), 0.1f);   // 1 * (0 + 1) / (9 + 1)
    EXPECT_FLOAT_EQ(lr_at(4), 0.5f);   // 1 * 5 / 10
    EXPECT_FLOAT_EQ(lr_at(8), 0.9f);   // 1 * 9 / 10, the last warmup step
}

TEST(Schedule, CosineReachesMaxAtTheEndOfWarmup) {
    EXPECT_FLOAT_EQ(lr_at(9), 1.0f);   // r = 0: cos(0) = 1, coeff 1 -> max_lr
}

TEST(Schedule, CosineDecayAtQuarterHalfAndThreeQuarters) {
    // r = (step - 9) / 100;  lr = 0.1 + 0.5 * (1 + cos(pi r)) * 0.9
    EXPECT_FLOAT_EQ(lr_at(34), 0.868198052f);   // r = 1/4: coeff 0.5 + sqrt(2)/4 = 0.853553391; 0.1 + 0.9*that
    EXPECT_FLOAT_EQ(lr_at(59), 0.55f);          // r = 1/2: cos = 0, coeff 0.5: 0.1 + 0.45
    EXPECT_FLOAT_EQ(lr_at(84), 0.231801948f);   // r = 3/4: coeff 0.5 - sqrt(2)/4 = 0.146446609; 0.1 + 0.9*that
}

TEST(Schedule, CosineEndsAtMinAndStaysThere) {
    EXPECT_FLOAT_EQ(lr_at(109), 0.1f);   // r = 1: cos(pi) = -1, coeff 0
    EXPECT_EQ(lr_at(110), 0.1f);         // past decay_iters: min_lr itself
    EXPECT_EQ(lr_at(1000000), 0.1f);
}

TEST(Schedule, CosineWithoutWarmupOrDecaySpan) {
    EXPECT_FLOAT_EQ(cosine_lr(0, 2.0f, 0.5f, 0, 10), 2.0f);   // no warmup: r = 0 at step 0
    // decay_iters == warmup_iters: warmup to max, then min right after
    EXPECT_FLOAT_EQ(cosine_lr(4, 2.0f, 0.5f, 5, 5), 2.0f * 5 / 6);
    EXPECT_FLOAT_EQ(cosine_lr(5, 2.0f, 0.5f, 5, 5), 2.0f);
    EXPECT_EQ(cosine_lr(6, 2.0f, 0.5f, 5, 5), 0.5f);
}

TEST(Schedule, ConstantWarmsUpThenHolds) {
    EXPECT_FLOAT_EQ(constant_lr(0, 3e-4f, 2), 1e-4f);   // 3e-4 * 1 / 3
    EXPECT_FLOAT_EQ(constant_lr(1, 3e-4f, 2), 2e-4f);   // 3e-4 * 2 / 3
    EXPECT_EQ(constant_lr(2, 3e-4f, 2), 3e-4f);
    EXPECT_EQ(constant_lr(0, 3e-4f), 3e-4f);            // no warmup
}

TEST(Schedule, RejectsBadArguments) {
    EXPECT_EQ(error_of([] { cosine_lr(0, 1, 0.1f, 100, 50); }),
              "cosine_lr: decay_iters (50) must be >= warmup_iters (100)");
    EXPECT_EQ(error_of([] { cosine_lr(-1, 1, 0.1f, 10, 50); }), "cosine_lr: step must be >= 0, got -1");
    EXPECT_EQ(error_of([] { cosine_lr(0, 1, 0.1f, -10, 50); }), "cosine_lr: warmup_iters must be >= 0, got -10");
    EXPECT_EQ(error_of([] { cosine_lr(0, 0.1f, 1, 10, 50); }),
              "cosine_lr: need 0 <= min_lr <= max_lr, got min_lr 1 and max_lr 0.1");
    EXPECT_EQ(error_of([] { constant_lr(0, -1, 10); }), "constant_lr: lr must be a finite number >= 0, got -1");
}

// D1 of issue 11: warmup_iters + 1 overflowed int64 for warmup_iters = INT64_MAX (undefined behaviour,
// a negative lr). The warmup fraction is computed in double: (step + 1) / (warmup_iters + 1) > 0.
TEST(Schedule, HugeWarmupDoesNotOverflow) {
    const int64_t big = std::numeric_limits<int64_t>::max();
    for (int64_t step : {int64_t(0), int64_t(5), big - 1}) {
        real lr = cosine_lr(step, 1e-3f, 1e-4f, big, big);
        EXPECT_GT(lr, 0) << "step " << step;
        EXPECT_LE(lr, 1e-3f) << "step " << step;
        EXPECT_GT(constant_lr(step, 1e-3f, big), 0) << "step " << step;
    }
    EXPECT_FLOAT_EQ(cosine_lr(big - 1, 1e-3f, 1e-4f, big, big), 1e-3f);   // the last warmup step: (2^63-1)/2^63
    EXPECT_EQ(cosine_lr(big, 1e-3f, 1e-4f, big, big), 1e-3f);             // step == decay_iters == warmup_iters
}
