// Finite-difference checks (double build) for every shape op: views, transposes of non-last dims,
// permutations, slices and cats along each dim, split, and inputs used more than once.
#include <gtest/gtest.h>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/shape.h"

using namespace gs;

namespace {

Tensor input(const Shape& s, uint64_t seed = 5) {
    Rng rng(seed);
    return Tensor::randn(s, rng).requires_grad_();
}

// gradcheck of a one-input function
template <typename F> void expect_grads(const Shape& s, F f) {
    GradcheckResult r = gradcheck([f](const std::vector<Tensor>& in) { return f(in[0]); }, {input(s)});
    EXPECT_TRUE(r.ok) << shape_str(s) << "\n" << r.report;
    EXPECT_EQ(r.checked, shape_numel(s));
}

}  // namespace

TEST(ShapeGrad, ReshapeAndView) {
    expect_grads({3, 4}, [](const Tensor& x) { return reshape(x, {2, -1, 3}); });
    expect_grads({3, 4}, [](const Tensor& x) { return view(x, {12}); });
    expect_grads({1}, [](const Tensor& x) { return reshape(x, {}); });
}

TEST(ShapeGrad, SqueezeAndUnsqueeze) {
    expect_grads({2, 3}, [](const Tensor& x) { return unsqueeze(x, 1); });
    expect_grads({2, 1, 3}, [](const Tensor& x) { return squeeze(x, -2); });
}

TEST(ShapeGrad, TransposeLastAndNonLastDims) {
    expect_grads({3, 4}, [](const Tensor& x) { return transpose(x, 0, 1); });
    expect_grads({2, 3, 4}, [](const Tensor& x) { return transpose(x, 0, 2); });
    expect_grads({2, 3, 4}, [](const Tensor& x) { return transpose(x, 0, 1); });
    expect_grads({2, 3, 4, 2}, [](const Tensor& x) { return transpose(x, -2, -1); });
}

TEST(ShapeGrad, Permute) {
    // a 3-cycle is not its own inverse, so a backward that reused perm instead of its inverse fails here
    expect_grads({2, 3, 4}, [](const Tensor& x) { return permute(x, {1, 2, 0}); });
    expect_grads({2, 3, 4, 5}, [](const Tensor& x) { return permute(x, {0, 2, 1, 3}); });
    expect_grads({2, 1, 3}, [](const Tensor& x) { return permute(x, {2, 1, 0}); });
}

TEST(ShapeGrad, SliceAlongEachDim) {
    expect_grads({4, 3, 5}, [](const Tensor& x) { return slice(x, 0, 1, 3); });
    expect_grads({4, 3, 5}, [](const Tensor& x) { return slice(x, 1, 1, 2); });
    expect_grads({4, 3, 5}, [](const Tensor& x) { return slice(x, -1, 2, 5); });
}

TEST(ShapeGrad, CatAlongEachDim) {
    for (int64_t dim : {0, 1, 2}) {
        Shape sa = {2, 3, 4}, sb = {2, 3, 4};
        sb[size_t(dim)] = 1;   // the pieces differ in the joined dim
        Tensor a = input(sa, 1), b = input(sb, 2), c = input(sa, 3);
        GradcheckResult r = gradcheck(
            [dim](const std::vector<Tensor>& in) { return cat({in[0], in[1], in[2]}, dim); }, {a, b, c});
        EXPECT_TRUE(r.ok) << "dim " << dim << "\n" << r.report;
    }
}

TEST(ShapeGrad, CatWithAnInputThatNeedsNoGrad) {
    Tensor a = input({2, 3}, 1);
    Tensor fixed = Tensor::ones({2, 2});
    GradcheckResult r = gradcheck([fixed](const std::vector<Tensor>& in) { return cat({fixed, in[0]}, 1); }, {a});
    EXPECT_TRUE(r.ok) << r.report;
    EXPECT_FALSE(fixed.has_grad());
}

TEST(ShapeGrad, SplitChunksFeedDifferentPaths) {
    // chunks of 2 along dim 1 of [3, 5]: [3, 2], [3, 2], [3, 1]; each goes through a different op
    expect_grads({3, 5}, [](const Tensor& x) {
        std::vector<Tensor> c = split(x, 2, 1);
        return cat({c[2], c[0] * c[1], c[1]}, 1);
    });
}

TEST(ShapeGrad, InputReachedThroughTwoViews) {
    // y = x_flat * (x^T)_flat: both factors depend on x, so both backward paths add into dx
    expect_grads({2, 3}, [](const Tensor& x) { return reshape(x, {6}) * reshape(transpose(x, 0, 1), {6}); });
}
