// layer_norm: forward values against hand-computed ones, weight and bias, eps, a large mean, the
// backward on a hand example, thread-count independence of the weight gradients, and bad shapes.
// Gradients are checked by finite differences in grad/test_layer_norm_grad.cpp.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>

#include "autograd/layer_norm.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// [1, 2, 3]: mean 2, biased variance (1 + 0 + 1) / 3 = 2/3, so with eps 0 rstd = sqrt(3/2) = 1.2247449
const double r = std::sqrt(1.5);

}  // namespace

TEST(LayerNorm, HandComputedRow) {
    // (x - 2) * sqrt(3/2) = [-1.2247, 0, 1.2247]
    Tensor y = layer_norm(Tensor::from({1, 3}, {1, 2, 3}), Tensor::ones({3}), Tensor(), 0);
    EXPECT_EQ(y.shape(), (Shape{1, 3}));
    expect_near_all(y, {-r, 0, r}, 1e-5);
}

TEST(LayerNorm, WeightAndBias) {
    // xhat = [-1.2247, 0, 1.2247]; weight [2, 1, 0.5], bias [1, 0, -1]:
    // [2 * -1.2247 + 1, 0, 0.5 * 1.2247 - 1] = [-1.4495, 0, -0.3876]
    Tensor y = layer_norm(Tensor::from({3}, {1, 2, 3}), Tensor::from({3}, {2, 1, 0.5}), Tensor::from({3}, {1, 0, -1}), 0);
    expect_near_all(y, {-2 * r + 1, 0, 0.5 * r - 1}, 1e-5);
    // no bias is the same as a zero bias
    Rng rng(2);
    Tensor x = Tensor::randn({4, 5}, rng), w = Tensor::randn({5}, rng);
    EXPECT_EQ(layer_norm(x, w, Tensor()).to_vector(), layer_norm(x, w, Tensor::zeros({5})).to_vector());
}

TEST(LayerNorm, EpsAddsToTheVariance) {
    // [1, 3]: mean 2, variance 1; eps 3 gives rstd = 1/sqrt(4) = 1/2, so [-0.5, 0.5] instead of [-1, 1]
    expect_near_all(layer_norm(Tensor::from({2}, {1, 3}), Tensor::ones({2}), Tensor(), 3), {-0.5, 0.5}, 1e-5);
    expect_near_all(layer_norm(Tensor::from({2}, {1, 3}), Tensor::ones({2}), Tensor(), 0), {-1, 1}, 1e-5);
}

TEST(LayerNorm, LargeMeanStaysAccurate) {
    // the same row shifted by 10^6 (exact in float): the result must not change. The one-pass
    // E[x^2] - E[x]^2 would subtract two numbers near 10^12 and lose the variance entirely in float.
    Tensor y = layer_norm(Tensor::from({3}, {1000001, 1000002, 1000003}), Tensor::ones({3}), Tensor(), 0);
    expect_near_all(y, {-r, 0, r}, 1e-5);
}

TEST(LayerNorm, EachRowNormalisedSeparately) {
    // [2, 2, 3] is four rows of 3; every output row must have mean 0 and variance 1 (eps 0)
    Rng rng(4);
    Tensor y = layer_norm(Tensor::randn({2, 2, 3}, rng, 5, 3), Tensor::ones({3}), Tensor(), 0);
    EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
    for (int64_t n = 0; n < 4; n++) {
        const real* row = y.data() + n * 3;
        double m = (double(row[0]) + row[1] + row[2]) / 3;
        double v = ((row[0] - m) * (row[0] - m) + (row[1] - m) * (row[1] - m) + (row[2] - m) * (row[2] - m)) / 3;
        EXPECT_NEAR(m, 0, 1e-6);
        EXPECT_NEAR(v, 1, 1e-5);
    }
}

TEST(LayerNorm, BackwardHandComputed) {
    // Row [1, 2, 3], w = 1, eps 0, dy = [1, 0, 0]. Then g = dy * w = [1, 0, 0], mean(g) = 1/3,
    // xhat = [-r, 0, r], mean(g * xhat) = -r/3, and r^2 = 3/2, so
    //   dx = r * (g - 1/3 - xhat * (-r/3)) = r * ([1, 0, 0] - 1/3 + [-1/2, 0, 1/2]) = r * [1/6, -1/3, 1/6]
    //   dweight = dy * xhat = [-r, 0, 0];   dbias = dy = [1, 0, 0]
    Tensor x = Tensor::from({1, 3}, {1, 2, 3}).requires_grad_();
    Tensor w = Tensor::ones({3}).requires_grad_(), b = Tensor::zeros({3}).requires_grad_();
    layer_norm(x, w, b, 0).backward(Tensor::from({1, 3}, {1, 0, 0}));
    expect_near_all(x.grad_tensor(), {r / 6, -r / 3, r / 6}, 1e-5);
    expect_near_all(w.grad_tensor(), {-r, 0, 0}, 1e-5);
    expect_near_all(b.grad_tensor(), {1, 0, 0}, 1e-5);
    // with dy = 1 everywhere and w = 1 the output's sum is constant (each row's xhat sums to 0): dx = 0.
    // Rows [1, 2, 3] and [3, 2, 1] have xhat [-r, 0, r] and [r, 0, -r]: dweight = 0, dbias = 2.
    Tensor x2 = Tensor::from({2, 3}, {1, 2, 3, 3, 2, 1}).requires_grad_();
    Tensor w2 = Tensor::ones({3}).requires_grad_(), b2 = Tensor::zeros({3}).requires_grad_();
    layer_norm(x2, w2, b2, 0).backward(Tensor::ones({2, 3}));
    expect_near_all(x2.grad_tensor(), {0, 0, 0, 0, 0, 0}, 1e-5);
    expect_near_all(w2.grad_tensor(), {0, 0, 0}, 1e-5);
    expect_near_all(b2.grad_tensor(), {2, 2, 2}, 1e-5);
}

TEST(LayerNorm, WeightGradsSameBitsForAnyThreadCount) {
    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    // 3000 rows x 150 columns (three column blocks) runs the threaded kernels; the weight and bias
    // gradients sum over rows, and must come out bit for bit the same with 1 thread or 2
    Rng rng(8);
    int64_t N = 3000, C = 150;
    Tensor x = Tensor::randn({N, C}, rng), dy = Tensor::randn({N, C}, rng);
    auto grads = [&](int threads) {
        int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        Tensor xi = x.detach().requires_grad_();
        Tensor w = Tensor::ones({C}).requires_grad_(), b = Tensor::zeros({C}).requires_grad_();
        layer_norm(xi, w, b).backward(dy);
        omp_set_num_threads(saved);
        return std::make_pair(w.grad_tensor().to_vector(), b.grad_tensor().to_vector());
    };
    auto one = grads(1), two = grads(2);
    EXPECT_EQ(one.first, two.first);
    EXPECT_EQ(one.second, two.second);
    // and dbias is the column sum of dy (checked in double)
    for (int64_t c = 0; c < C; c += 29) {
        double s = 0;
        for (int64_t n = 0; n < N; n++) s += dy.data()[n * C + c];
        EXPECT_NEAR(one.second[size_t(c)], s, 1e-3);
    }
}

TEST(LayerNorm, BadShapesNameOpAndShapes) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_EQ(error_of([&] { layer_norm(x, Tensor::ones({4}), Tensor()); }),
              "layer_norm: weight must be [3] for x of shape [2, 3], got [4]");
    EXPECT_EQ(error_of([&] { layer_norm(x, Tensor(), Tensor()); }),
              "layer_norm: weight must be [3] for x of shape [2, 3], got []");
    EXPECT_EQ(error_of([&] { layer_norm(x, Tensor::ones({3}), Tensor::zeros({3, 1})); }),
              "layer_norm: bias must be [3] (or undefined) for x of shape [2, 3], got [3, 1]");
    EXPECT_EQ(error_of([&] { layer_norm(Tensor::zeros({2, 0}), Tensor::ones({0}), Tensor()); }),
              "layer_norm: x needs a non-empty last dim, got [2, 0]");
    EXPECT_EQ(error_of([&] { layer_norm(Tensor::scalar(1), Tensor::ones({1}), Tensor()); }),
              "layer_norm: x needs a non-empty last dim, got []");
}
