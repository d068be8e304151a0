// Finite-difference checks (double build) for masked_fill with a same-shape mask, a tiled causal
// mask over (B, T, T), and a strided broadcast mask.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/mask.h"

using namespace gs;

TEST(MaskedFillGrad, SameShapeAndBroadcastMasks) {
    Rng rng(71);
    Tensor same = Tensor::from({2, 3}, {1, 0, 0, 0, 1, 1});
    std::vector<std::pair<Shape, Tensor>> cases = {
        {{2, 3}, same},                                      // same shape
        {{2, 3, 3}, causal_mask(3)},                         // (T, T) repeated over B
        {{2, 2, 3}, Tensor::from({2, 1}, {0, 1})},           // strided: size-1 last dim, missing leading dim
        {{2, 2, 3}, Tensor::from({2, 1, 3}, {1, 0, 1, 0, 0, 1})},   // size-1 middle dim
    };
    for (auto& c : cases) {
        Tensor x = Tensor::randn(c.first, rng).requires_grad_();
        Tensor mask = c.second;
        GradcheckResult r =
            gradcheck([&mask](const std::vector<Tensor>& in) { return masked_fill(in[0], mask, real(-3)); }, {x});
        EXPECT_TRUE(r.ok) << shape_str(c.first) << " with mask " << shape_str(mask.shape()) << "\n" << r.report;
    }
}
