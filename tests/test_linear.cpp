// linear(x, W, b) = x · Wᵀ + b (autograd/linear.h): forward values derived by hand, with and without a
// bias, on 2-d and 3-d inputs; gradients of a sum derived by hand; a larger odd-sized case against plain
// loops; and bad shapes rejected with messages naming the op and the shapes.
// Finite-difference checks are in tests/grad/test_linear_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/linear.h"
#include "autograd/reduce.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// x (2, 3), W (2, 3), b (2)
const std::vector<real> kX = {1, 2, 3, 4, 5, 6};
const std::vector<real> kW = {1, 0, -1, 2, 1, 0};
const std::vector<real> kB = {0.5, -1};

}  // namespace

TEST(LinearOp, ForwardWithoutBias) {
    Tensor x = Tensor::from({2, 3}, kX), w = Tensor::from({2, 3}, kW);
    // row 0: [1*1 + 2*0 + 3*-1, 1*2 + 2*1 + 3*0] = [-2, 4]
    // row 1: [4 - 6, 8 + 5] = [-2, 13]
    Tensor y = linear(x, w);
    EXPECT_EQ(y.shape(), (Shape{2, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{-2, 4, -2, 13}));
}

TEST(LinearOp, ForwardWithBiasAddsItToEveryRow) {
    Tensor x = Tensor::from({2, 3}, kX), w = Tensor::from({2, 3}, kW), b = Tensor::from({2}, kB);
    // [-2, 4, -2, 13] + [0.5, -1] on each row
    EXPECT_EQ(linear(x, w, b).to_vector(), (std::vector<real>{-1.5, 3, -1.5, 12}));
}

TEST(LinearOp, ThreeDimInputKeepsLeadingDims) {
    // x (2, 2, 3): rows [1,2,3], [4,5,6], [0,0,1], [1,1,1]
    Tensor x = Tensor::from({2, 2, 3}, {1, 2, 3, 4, 5, 6, 0, 0, 1, 1, 1, 1});
    Tensor w = Tensor::from({2, 3}, kW), b = Tensor::from({2}, kB);
    // [0,0,1] -> [-1, 0] + b = [-0.5, -1];   [1,1,1] -> [0, 3] + b = [0.5, 2]
    Tensor y = linear(x, w, b);
    EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{-1.5, 3, -1.5, 12, -0.5, -1, 0.5, 2}));
    // a 1-d input is a single row
    EXPECT_EQ(linear(Tensor::from({3}, {0, 0, 1}), w, b).to_vector(), (std::vector<real>{-0.5, -1}));
}

TEST(LinearOp, BackwardOfSumByHand) {
    Tensor x = Tensor::from({2, 3}, kX).requires_grad_();
    Tensor w = Tensor::from({2, 3}, kW).requires_grad_();
    Tensor b = Tensor::from({2}, kB).requires_grad_();
    sum(linear(x, w, b)).backward();
    // L = sum_rj (x_r · W_j + b_j):  dL/dx_r = sum_j W_j = [3, 1, -1] for every row
    EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<real>{3, 1, -1, 3, 1, -1}));
    // dL/dW_j = sum_r x_r = [5, 7, 9] for every j;  dL/db_j = number of rows = 2
    EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<real>{5, 7, 9, 5, 7, 9}));
    EXPECT_EQ(b.grad_tensor().to_vector(), (std::vector<real>{2, 2}));
}

TEST(LinearOp, InputThatDoesNotRequireGradGetsNoGradBuffer) {
    Tensor x = Tensor::from({2, 3}, kX);
    Tensor w = Tensor::from({2, 3}, kW).requires_grad_();
    Tensor b = Tensor::from({2}, kB);
    sum(linear(x, w, b)).backward();
    EXPECT_FALSE(x.has_grad());
    EXPECT_FALSE(b.has_grad());
    EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<real>{5, 7, 9, 5, 7, 9}));
}

TEST(LinearOp, OddSizesMatchPlainLoops) {
    // sizes that are not multiples of any GEMM tile, so every edge path of the packing runs
    const int64_t R = 37, IN = 19, OUT = 23;
    Rng rng(9);
    Tensor x = Tensor::randn({R, IN}, rng), w = Tensor::randn({OUT, IN}, rng), b = Tensor::randn({OUT}, rng);
    Tensor y = linear(x, w, b);
    for (int64_t r = 0; r < R; r++)
        for (int64_t j = 0; j < OUT; j++) {
            double want = b.data()[j];
            for (int64_t k = 0; k < IN; k++) want += double(x.data()[r * IN + k]) * double(w.data()[j * IN + k]);
            ASSERT_NEAR(y.data()[r * OUT + j], want, 1e-5 * (1 + std::abs(want))) << "r " << r << " j " << j;
        }
}

TEST(LinearOp, BadShapesNameTheOpAndShapes) {
    Tensor x = Tensor::zeros({2, 4}), w = Tensor::zeros({2, 3});
    EXPECT_EQ(error_of([&] { linear(x, w); }),
              "linear: input's last dim must equal weight's in: x is [2, 4], weight is [2, 3]");
    EXPECT_EQ(error_of([&] { linear(Tensor::zeros({2, 3}), Tensor::zeros({6})); }),
              "linear: weight must be 2-d (out, in), got [6]");
    EXPECT_EQ(error_of([&] { linear(Tensor::zeros({2, 3}), w, Tensor::zeros({3})); }),
              "linear: bias must be [2], got [3] (weight is [2, 3])");
    EXPECT_THROW(linear(Tensor::scalar(1), Tensor::zeros({1, 1})), std::invalid_argument);   // 0-d input
}
