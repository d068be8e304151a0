// causal_mask and masked_fill: mask values, filling with same-shape and broadcast masks, the
// backward passing gradient only where nothing was filled, causal attention weights after a
// softmax, and bad shapes. Finite differences: grad/test_mask_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/mask.h"
#include "autograd/softmax.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

const real inf = std::numeric_limits<real>::infinity();

}  // namespace

TEST(CausalMask, OnesAboveTheDiagonal) {
    // row i may see positions j <= i; j > i is masked
    Tensor m = causal_mask(3);
    EXPECT_EQ(m.shape(), (Shape{3, 3}));
    EXPECT_EQ(m.to_vector(), (std::vector<real>{0, 1, 1,   //
                                                0, 0, 1,   //
                                                0, 0, 0}));
    EXPECT_EQ(causal_mask(1).to_vector(), (std::vector<real>{0}));
    EXPECT_EQ(causal_mask(0).shape(), (Shape{0, 0}));
    EXPECT_EQ(error_of([] { causal_mask(-2); }), "causal_mask: T must be >= 0, got -2");
}

TEST(MaskedFill, SameShapeMask) {
    // any nonzero entry counts as "masked", including negative ones
    Tensor x = Tensor::from({2, 2}, {1, 2, 3, 4});
    Tensor y = masked_fill(x, Tensor::from({2, 2}, {0, 1, -2, 0}), 9);
    EXPECT_EQ(y.to_vector(), (std::vector<real>{1, 9, 9, 4}));
    EXPECT_EQ(x.to_vector(), (std::vector<real>{1, 2, 3, 4}));   // x itself is untouched
}

TEST(MaskedFill, BroadcastMasks) {
    Tensor x = Tensor::arange(0, 12).detach();
    Tensor x3 = Tensor::from({2, 2, 3}, x.to_vector());   // x3[b][i][j] = 6b + 3i + j
    // a causal-style [2, 3] mask repeated over the leading dim (the tiled fast path)
    Tensor m = Tensor::from({2, 3}, {0, 1, 1, 0, 0, 1});
    EXPECT_EQ(masked_fill(x3, m, -1).to_vector(), (std::vector<real>{0, -1, -1, 3, 4, -1, 6, -1, -1, 9, 10, -1}));
    // [2, 1, 1]: the whole of batch 1 is masked (the general strided path)
    EXPECT_EQ(masked_fill(x3, Tensor::from({2, 1, 1}, {0, 1}), -1).to_vector(),
              (std::vector<real>{0, 1, 2, 3, 4, 5, -1, -1, -1, -1, -1, -1}));
    // [2, 1]: row i of every batch masked by m[i] (the general strided path)
    EXPECT_EQ(masked_fill(x3, Tensor::from({2, 1}, {1, 0}), -1).to_vector(),
              (std::vector<real>{-1, -1, -1, 3, 4, 5, -1, -1, -1, 9, 10, 11}));
    // a 0-d mask masks everything or nothing
    EXPECT_EQ(masked_fill(x3, Tensor::scalar(1), 7).to_vector(), std::vector<real>(12, 7));
    EXPECT_EQ(masked_fill(x3, Tensor::scalar(0), 7).to_vector(), x.to_vector());
}

TEST(MaskedFill, BackwardPassesGradWhereUnmasked) {
    // dx = dy where mask == 0, else 0; the mask is broadcast [3] over [2, 3]
    Tensor x = Tensor::zeros({2, 3}).requires_grad_();
    Tensor mask = Tensor::from({3}, {1, 0, 0});
    masked_fill(x, mask, 5).backward(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<real>{0, 2, 3, 0, 5, 6}));
    // strided path: mask [2, 1] over [2, 3]
    Tensor x2 = Tensor::zeros({2, 3}).requires_grad_();
    masked_fill(x2, Tensor::from({2, 1}, {0, 1}), 5).backward(Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(x2.grad_tensor().to_vector(), (std::vector<real>{1, 2, 3, 0, 0, 0}));
}

TEST(MaskedFill, CausalSoftmaxAveragesThePast) {
    // equal scores, future filled with -inf: row i spreads its weight evenly over positions 0..i,
    // and e^-inf = 0 gives the future exactly 0
    Tensor scores = Tensor::zeros({2, 3, 3});   // (B, T, T)
    Tensor att = softmax(masked_fill(scores, causal_mask(3), -inf), -1);
    std::vector<real> want = {1, 0, 0, 0.5, 0.5, 0, real(1.0 / 3), real(1.0 / 3), real(1.0 / 3)};
    for (int64_t b = 0; b < 2; b++)
        for (int64_t k = 0; k < 9; k++) EXPECT_NEAR(att.data()[b * 9 + k], want[size_t(k)], 1e-7);
}

TEST(MaskedFill, MaskMustBroadcastToX) {
    EXPECT_EQ(error_of([] { masked_fill(Tensor::zeros({2, 3}), Tensor::zeros({4}), 0); }),
              "masked_fill: shapes [2, 3] and [4] cannot be broadcast together (3 vs 4 in dim 1 of the result)");
    EXPECT_EQ(error_of([] { masked_fill(Tensor::zeros({2, 3}), Tensor::zeros({2, 2, 3}), 0); }),
              "masked_fill: mask of shape [2, 2, 3] does not broadcast to x's shape [2, 3] (it would make the "
              "result larger than x)");
    EXPECT_EQ(error_of([] { masked_fill(Tensor::zeros({1, 3}), Tensor::zeros({2, 1}), 0); }),
              "masked_fill: mask of shape [2, 1] does not broadcast to x's shape [1, 3] (it would make the "
              "result larger than x)");
}
