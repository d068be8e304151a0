// nn::UpdateRatio: ||w_after - w_before|| / ||w_before|| over several tensors, on values worked by hand;
// NaN for all-zero weights; a parameter list that changed size between the calls is refused.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/update_ratio.h"

using namespace gs;

TEST(UpdateRatio, NormOfTheChangeOverNormOfTheWeights) {
    Tensor a = Tensor::from({2}, {3, 0}), b = Tensor::from({2}, {0, 4});   // ||w|| = 5
    nn::UpdateRatio meter;
    meter.before_step({a, b});
    a.data()[0] = real(3.5);   // the change: (0.5, 0) and (0, -1.5)
    b.data()[1] = real(2.5);
    EXPECT_NEAR(meter.after_step({a, b}), std::sqrt(0.25 + 2.25) / 5, 1e-12);
    meter.before_step({a, b});   // a second step measures against the weights it starts from
    EXPECT_EQ(meter.after_step({a, b}), 0);
}

TEST(UpdateRatio, ZeroWeightsGiveNaNAndAChangedListIsRefused) {
    Tensor z = Tensor::zeros({3}), w = Tensor::from({1}, {1});
    nn::UpdateRatio meter;
    meter.before_step({z});
    z.data()[1] = 1;
    EXPECT_TRUE(std::isnan(meter.after_step({z})));
    EXPECT_THROW(meter.after_step({z, w}), std::invalid_argument);
}
