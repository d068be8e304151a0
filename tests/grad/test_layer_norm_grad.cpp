// Finite-difference checks (double build) for layer_norm with respect to x, weight and bias, with
// and without a bias, on 2-d and 3-d inputs, and with a single row.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/layer_norm.h"

using namespace gs;

TEST(LayerNormGrad, WithBias) {
    for (Shape shape : {Shape{4, 6}, Shape{2, 3, 5}, Shape{1, 7}}) {
        Rng rng(41);
        int64_t C = shape.back();
        Tensor x = Tensor::randn(shape, rng, 1, 2).requires_grad_();
        Tensor w = Tensor::randn({C}, rng).requires_grad_();
        Tensor b = Tensor::randn({C}, rng).requires_grad_();
        GradcheckResult r = gradcheck(
            [](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], in[2]); }, {x, w, b});
        EXPECT_TRUE(r.ok) << shape_str(shape) << "\n" << r.report;
    }
}

TEST(LayerNormGrad, WithoutBias) {
    Rng rng(42);
    Tensor x = Tensor::randn({3, 5}, rng).requires_grad_();
    Tensor w = Tensor::randn({5}, rng).requires_grad_();
    GradcheckResult r =
        gradcheck([](const std::vector<Tensor>& in) { return layer_norm(in[0], in[1], Tensor()); }, {x, w});
    EXPECT_TRUE(r.ok) << r.report;
}

TEST(LayerNormGrad, OnlyXRequiresGrad) {
    // the kernel skips the weight and bias gradients when they are not wanted; dx must not change
    Rng rng(43);
    Tensor x = Tensor::randn({3, 4}, rng).requires_grad_();
    Tensor w = Tensor::randn({4}, rng), b = Tensor::randn({4}, rng);
    GradcheckResult r =
        gradcheck([&w, &b](const std::vector<Tensor>& in) { return layer_norm(in[0], w, b, real(0.1)); }, {x});
    EXPECT_TRUE(r.ok) << r.report;
}
