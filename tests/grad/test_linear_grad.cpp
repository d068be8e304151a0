// Finite-difference checks (double build) for linear(x, W, b) with respect to x, W and b: a batch of
// rows, a 3-d input, a single 1-d row, no bias, inputs that do not require grad, and a weight used twice.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/linear.h"

using namespace gs;

namespace {

GradcheckResult check_linear(const Shape& x_shape, int64_t OUT, bool bias) {
    Rng rng(31);
    int64_t IN = x_shape.back();
    Tensor x = Tensor::randn(x_shape, rng).requires_grad_();
    Tensor w = Tensor::randn({OUT, IN}, rng).requires_grad_();
    Tensor b = bias ? Tensor::randn({OUT}, rng).requires_grad_() : Tensor();
    if (bias) return gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, b});
    return gradcheck([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {x, w});
}

}  // namespace

TEST(LinearOpGrad, BatchOfRowsWithBias) {
    GradcheckResult r = check_linear({5, 3}, 4, true);
    EXPECT_TRUE(r.ok) << r.report;
    EXPECT_EQ(r.checked, 5 * 3 + 4 * 3 + 4);
}

TEST(LinearOpGrad, BatchOfRowsWithoutBias) {
    GradcheckResult r = check_linear({6, 4}, 3, false);
    EXPECT_TRUE(r.ok) << r.report;
}

TEST(LinearOpGrad, ThreeDimInputAndSingleRow) {
    for (Shape s : {Shape{2, 3, 4}, Shape{4}, Shape{1, 1, 5}}) {
        GradcheckResult r = check_linear(s, 3, true);
        EXPECT_TRUE(r.ok) << shape_str(s) << "\n" << r.report;
    }
}

TEST(LinearOpGrad, OneInputNotRequiringGrad) {
    Rng rng(32);
    Tensor x = Tensor::randn({4, 3}, rng), w = Tensor::randn({2, 3}, rng), b = Tensor::randn({2}, rng);
    // only the weight and bias: the layer's view of a batch of data
    GradcheckResult r = gradcheck([&x](const std::vector<Tensor>& in) { return linear(x, in[0], in[1]); },
                                  {w.requires_grad_(), b.requires_grad_()});
    EXPECT_TRUE(r.ok) << r.report;
    // only x: a frozen layer
    Tensor xg = x.detach().requires_grad_(), wf = w.detach(), bf = b.detach();
    r = gradcheck([&wf, &bf](const std::vector<Tensor>& in) { return linear(in[0], wf, bf); }, {xg});
    EXPECT_TRUE(r.ok) << r.report;
    EXPECT_FALSE(wf.has_grad());
    EXPECT_FALSE(bf.has_grad());
}

TEST(LinearOpGrad, WeightUsedTwiceAccumulates) {
    // y = (x Wᵀ + b) Wᵀ + b: each backward must add to W's and b's grads, not overwrite them
    Rng rng(33);
    Tensor x = Tensor::randn({3, 4}, rng).requires_grad_();
    Tensor w = Tensor::randn({4, 4}, rng).requires_grad_();
    Tensor b = Tensor::randn({4}, rng).requires_grad_();
    GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return linear(linear(in[0], in[1], in[2]), in[1], in[2]); }, {x, w, b});
    EXPECT_TRUE(r.ok) << r.report;
}
