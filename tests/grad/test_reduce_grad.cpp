// Finite-difference checks (double build) for every reduction along every dim of a 3-d input, with and
// without keepdim, over size-1 dims and over everything; and a layer-norm-shaped composite in which
// keepdim results broadcast back against the input.
#include <gtest/gtest.h>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/reduce.h"

using namespace gs;

namespace {

Tensor input(const Shape& s, uint64_t seed = 9) {
    Rng rng(seed);
    return Tensor::randn(s, rng).requires_grad_();
}

template <typename F> void expect_grads(const Shape& s, F f, const char* what) {
    GradcheckResult r = gradcheck([f](const std::vector<Tensor>& in) { return f(in[0]); }, {input(s)});
    EXPECT_TRUE(r.ok) << what << " on " << shape_str(s) << "\n" << r.report;
    EXPECT_EQ(r.checked, shape_numel(s));
}

using AlongDim = Tensor (*)(const Tensor&, int64_t, bool);

// op along each dim of [2, 3, 4] (one of them negative) and along a size-1 dim, keepdim on and off
void expect_grads_along_dims(AlongDim op, const char* what) {
    for (bool keepdim : {false, true}) {
        for (int64_t dim : {0, 1, -1})
            expect_grads({2, 3, 4}, [=](const Tensor& x) { return op(x, dim, keepdim); }, what);
        expect_grads({3, 1, 2}, [=](const Tensor& x) { return op(x, 1, keepdim); }, what);
    }
}

Tensor sum_dim(const Tensor& x, int64_t dim, bool keepdim) { return sum(x, dim, keepdim); }
Tensor mean_dim(const Tensor& x, int64_t dim, bool keepdim) { return mean(x, dim, keepdim); }
Tensor max_dim(const Tensor& x, int64_t dim, bool keepdim) { return max(x, dim, keepdim); }

}  // namespace

TEST(ReduceGrad, Sum) {
    expect_grads({2, 3, 4}, [](const Tensor& x) { return sum(x); }, "sum");
    expect_grads({}, [](const Tensor& x) { return sum(x); }, "sum");
    expect_grads_along_dims(sum_dim, "sum");
}

TEST(ReduceGrad, Mean) {
    expect_grads({2, 3, 4}, [](const Tensor& x) { return mean(x); }, "mean");
    expect_grads_along_dims(mean_dim, "mean");
}

// randn values are distinct, and further apart than the finite-difference step, so every maximum is
// unique and the max is differentiable at the test point
TEST(ReduceGrad, MaxWithAUniqueMaximum) {
    expect_grads({2, 3, 4}, [](const Tensor& x) { return max(x); }, "max");
    expect_grads_along_dims(max_dim, "max");
}

TEST(ReduceGrad, VarUnbiasedAndBiased) {
    expect_grads({2, 3, 4}, [](const Tensor& x) { return var(x); }, "var unbiased");
    expect_grads({2, 3, 4}, [](const Tensor& x) { return var(x, false); }, "var biased");
    for (bool keepdim : {false, true}) {
        for (bool unbiased : {true, false}) {
            for (int64_t dim : {0, 1, -1})
                expect_grads({2, 3, 4}, [=](const Tensor& x) { return var(x, dim, keepdim, unbiased); }, "var");
        }
        // a size-1 dim has one value: only the biased variance (identically 0) is defined
        expect_grads({3, 1, 2}, [=](const Tensor& x) { return var(x, 1, keepdim, false); }, "var");
    }
}

TEST(ReduceGrad, LayerNormShapedComposite) {
    // (x - mean) / sqrt(var + eps) along the last dim: the keepdim results broadcast back over x
    expect_grads({3, 5}, [](const Tensor& x) {
        return (x - mean(x, -1, true)) / sqrt(var(x, -1, true, false) + real(1e-5));
    }, "layer-norm composite");
}
