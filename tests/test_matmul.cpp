// matmul: forward values against hand-computed products, batches with broadcast batch dims, the
// errors for bad shapes, and which inputs receive gradients. The gradients themselves are checked by
// finite differences in grad/test_matmul_grad.cpp.
#include <gtest/gtest.h>

#include <string>

#include "autograd/gemm.h"
#include "autograd/matmul.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
// A·B = [[1*7 + 2*9 + 3*11, 1*8 + 2*10 + 3*12], [4*7 + 5*9 + 6*11, 4*8 + 5*10 + 6*12]] = [[58, 64], [139, 154]]
const std::vector<real> kA = {1, 2, 3, 4, 5, 6}, kB = {7, 8, 9, 10, 11, 12}, kAB = {58, 64, 139, 154};

}  // namespace

TEST(Matmul, TwoByThreeTimesThreeByTwo) {
    Tensor c = matmul(Tensor::from({2, 3}, kA), Tensor::from({3, 2}, kB));
    EXPECT_EQ(c.shape(), (Shape{2, 2}));
    EXPECT_EQ(vals(c), kAB);
}

TEST(Matmul, BatchedWithBroadcastBatchDims) {
    // a [2, 1, 2, 2]: a[0] = identity, a[1] = [[0, 1], [1, 0]] (swaps rows)
    // b [3, 2, 2]:    b[j] = [[1, 2], [3, 4]] + 10 j
    // c [2, 3, 2, 2]: c[0][j] = b[j], c[1][j] = b[j] with its rows swapped
    Tensor a = Tensor::from({2, 1, 2, 2}, {1, 0, 0, 1, 0, 1, 1, 0});
    Tensor b = Tensor::from({3, 2, 2}, {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24});
    Tensor c = matmul(a, b);
    EXPECT_EQ(c.shape(), (Shape{2, 3, 2, 2}));
    EXPECT_EQ(vals(c), (std::vector<real>{1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24,
                                          3, 4, 1, 2, 13, 14, 11, 12, 23, 24, 21, 22}));
}

TEST(Matmul, BatchedTimesOneSharedMatrix) {
    // a [2, 2, 3]: a[0] = A, a[1] = [[1, 0, 0], [0, 0, 1]] picks rows 0 and 2 of B
    Tensor a = Tensor::from({2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 0, 1});
    Tensor c = matmul(a, Tensor::from({3, 2}, kB));
    EXPECT_EQ(c.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(vals(c), (std::vector<real>{58, 64, 139, 154, 7, 8, 11, 12}));
    // the same with b given a leading batch dim of 1, which also broadcasts: [2, 2, 3] x [1, 3, 2]
    EXPECT_EQ(vals(matmul(a, Tensor::from({1, 3, 2}, kB))), vals(c));
}

TEST(Matmul, OneMatrixTimesABatch) {
    // b [2, 3, 2]: b[0] = B, b[1] = 2 B, so c[1] = 2 A·B
    Tensor b = Tensor::from({2, 3, 2}, {7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24});
    Tensor c = matmul(Tensor::from({2, 3}, kA), b);
    EXPECT_EQ(c.shape(), (Shape{2, 2, 2}));
    EXPECT_EQ(vals(c), (std::vector<real>{58, 64, 139, 154, 116, 128, 278, 308}));
}

TEST(Matmul, LargeBroadcastBatchMatchesNaivePerEntry) {
    Rng rng(3);
    Tensor a = Tensor::randn({2, 1, 33, 17}, rng), b = Tensor::randn({3, 17, 20}, rng);
    Tensor c = matmul(a, b);   // [2, 3, 33, 20]
    ASSERT_EQ(c.shape(), (Shape{2, 3, 33, 20}));
    std::vector<real> want(size_t(c.numel()));
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 3; j++)
            gemm_naive(false, false, 33, 20, 17, a.data() + i * 33 * 17, 17, b.data() + j * 17 * 20, 20,
                       want.data() + (i * 3 + j) * 33 * 20, 20, false);
    std::vector<real> got = vals(c);
    for (size_t e = 0; e < got.size(); e++) EXPECT_NEAR(got[e], want[e], 1e-4) << e;
}

TEST(Matmul, BadShapesNameTheOpAndShapes) {
    EXPECT_EQ(error_of([] { matmul(Tensor::zeros({4, 3}), Tensor::zeros({5, 2})); }),
              "matmul: inner dimensions differ: a is [4, 3], b is [5, 2] (3 != 5)");
    EXPECT_EQ(error_of([] { matmul(Tensor::zeros({3}), Tensor::zeros({3, 2})); }),
              "matmul: needs operands with at least 2 dims, got a [3] and b [3, 2]; reshape a vector to [1, K] or [K, 1]");
    EXPECT_EQ(error_of([] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({3})); }),
              "matmul: needs operands with at least 2 dims, got a [2, 3] and b [3]; reshape a vector to [1, K] or [K, 1]");
    EXPECT_EQ(error_of([] { matmul(Tensor::zeros({2, 4, 3}), Tensor::zeros({3, 3, 5})); }),
              "matmul: batch dims cannot be broadcast together: a is [2, 4, 3], b is [3, 3, 5]");
    EXPECT_THROW(matmul(Tensor::scalar(1), Tensor::scalar(2)), std::invalid_argument);
}

TEST(Matmul, BackwardHandComputed) {
    // C = A·B seeded with dC = ones: dA[i][k] = sum_j B[k][j], dB[k][j] = sum_i A[i][k]
    Tensor a = Tensor::from({2, 3}, kA).requires_grad_(), b = Tensor::from({3, 2}, kB).requires_grad_();
    Tensor c = matmul(a, b);
    c.backward(Tensor::ones({2, 2}));
    EXPECT_EQ(vals(a.grad_tensor()), (std::vector<real>{15, 19, 23, 15, 19, 23}));
    EXPECT_EQ(vals(b.grad_tensor()), (std::vector<real>{5, 5, 7, 7, 9, 9}));
}

TEST(Matmul, InputWithoutGradGetsNone) {
    Tensor a = Tensor::from({2, 3}, kA), b = Tensor::from({3, 2}, kB).requires_grad_();
    matmul(a, b).backward(Tensor::ones({2, 2}));
    EXPECT_FALSE(a.has_grad());
    EXPECT_EQ(vals(b.grad_tensor()), (std::vector<real>{5, 5, 7, 7, 9, 9}));
    // and no graph at all when neither input wants a gradient
    EXPECT_FALSE(matmul(Tensor::from({2, 3}, kA), Tensor::from({3, 2}, kB)).requires_grad());
}

TEST(Matmul, BroadcastOperandSumsItsGradients) {
    // a [1, 3] x b [2, 3, 1] -> c [2, 1, 1]: the one a serves both entries, c[j] = a · b[j].
    // With dC = ones, da = b[0]ᵀ + b[1]ᵀ = [1+4, 2+5, 3+6]
    Tensor a = Tensor::from({1, 3}, {1, 1, 1}).requires_grad_();
    Tensor b = Tensor::from({2, 3, 1}, {1, 2, 3, 4, 5, 6});
    Tensor c = matmul(a, b);
    ASSERT_EQ(c.shape(), (Shape{2, 1, 1}));
    EXPECT_EQ(vals(c), (std::vector<real>{6, 15}));
    c.backward(Tensor::ones({2, 1, 1}));
    EXPECT_EQ(vals(a.grad_tensor()), (std::vector<real>{5, 7, 9}));
}

TEST(Matmul, BackwardAddsToExistingGrads) {
    // Two backward passes through the same graph add up: every gradient is twice the one above.
    Tensor a = Tensor::from({2, 3}, kA).requires_grad_(), b = Tensor::from({3, 2}, kB).requires_grad_();
    Tensor c = matmul(a, b);
    c.backward(Tensor::ones({2, 2}), true);
    c.backward(Tensor::ones({2, 2}));
    EXPECT_EQ(vals(a.grad_tensor()), (std::vector<real>{30, 38, 46, 30, 38, 46}));
    EXPECT_EQ(vals(b.grad_tensor()), (std::vector<real>{10, 10, 14, 14, 18, 18}));
}
