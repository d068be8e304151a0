// matmul gradients against central finite differences (double build, gradcheck's tight defaults):
// plain 2-d, batched, broadcast batch dims on either side, a shared 2-d operand, size-1 dims, and
// an input that does not require grad.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/matmul.h"

using namespace gs;

namespace {

// Checks d(matmul(a, b)) for random a and b of these shapes, both requiring grad.
void expect_matmul_grads(const Shape& sa, const Shape& sb) {
    Rng rng(11);
    Tensor a = Tensor::randn(sa, rng).requires_grad_(), b = Tensor::randn(sb, rng).requires_grad_();
    GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
    EXPECT_TRUE(r.ok) << shape_str(sa) << " x " << shape_str(sb) << "\n" << r.report;
    EXPECT_EQ(r.checked, a.numel() + b.numel());
}

}  // namespace

TEST(MatmulGrad, TwoD) {
    expect_matmul_grads({3, 4}, {4, 5});
    expect_matmul_grads({7, 20}, {20, 17});   // more than one micro-tile, with ragged edges
}

TEST(MatmulGrad, Batched) {
    expect_matmul_grads({2, 3, 4}, {2, 4, 5});
    expect_matmul_grads({2, 2, 3, 4}, {2, 2, 4, 2});
}

TEST(MatmulGrad, BroadcastBatchDims) {
    expect_matmul_grads({2, 1, 3, 4}, {5, 4, 2});   // a's size-1 dim and b's missing dim both broadcast
    expect_matmul_grads({1, 3, 4}, {3, 4, 2});      // a's only matrix serves all three entries
    expect_matmul_grads({3, 1, 2, 3}, {1, 2, 3, 2});
}

TEST(MatmulGrad, SharedTwoDOperand) {
    expect_matmul_grads({2, 3, 4}, {4, 5});       // x [B, T, C] · w [C, N], folded into one gemm
    expect_matmul_grads({2, 3, 4}, {1, 1, 4, 5}); // the same with b's batch dims all 1
    expect_matmul_grads({3, 4}, {2, 4, 5});       // one a for a batch of b
}

TEST(MatmulGrad, SizeOneDims) {
    expect_matmul_grads({1, 4}, {4, 1});   // a dot product
    expect_matmul_grads({3, 1}, {1, 2});   // an outer product, K = 1
    expect_matmul_grads({2, 1, 5}, {2, 5, 1});
}

TEST(MatmulGrad, OneInputWithoutGrad) {
    Rng rng(5);
    Tensor a = Tensor::randn({2, 1, 3, 4}, rng), b = Tensor::randn({5, 4, 2}, rng).requires_grad_();
    GradcheckResult r = gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b});
    EXPECT_TRUE(r.ok) << r.report;
    EXPECT_EQ(r.checked, b.numel());
    EXPECT_FALSE(a.has_grad());

    Tensor c = Tensor::randn({2, 3, 4}, rng).requires_grad_(), d = Tensor::randn({4, 5}, rng);
    r = gradcheck([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {c, d});
    EXPECT_TRUE(r.ok) << r.report;
    EXPECT_EQ(r.checked, c.numel());
    EXPECT_FALSE(d.has_grad());
}
