// clip_grad_norm: the norm of known gradients, the scaling above the threshold, no change below it,
// parameters without grads, torch.nn.utils.clip_grad_norm_ on recorded gradients, and bad max_norm.
#include <gtest/gtest.h>

#include "autograd/omp.h"

#include <cstring>
#include <vector>

#include "autograd/rng.h"
#include "nn/clip.h"
#include "tests/fixtures/optim_fixtures.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::nn;
using namespace gs::test;

namespace {

Tensor with_grad(const Shape& shape, const std::vector<real>& g) {
    Tensor p = Tensor::zeros(shape).requires_grad_();
    std::memcpy(p.grad(), g.data(), g.size() * sizeof(real));
    return p;
}

std::vector<real> grad_of(const Tensor& p) { return p.grad_tensor().to_vector(); }

}  // namespace

TEST(Clip, NormSpansEveryTensor) {
    // grads 3 (in one tensor) and 4 (in another): sqrt(9 + 16) = 5
    Tensor a = with_grad({1}, {3}), b = with_grad({1}, {4});
    EXPECT_EQ(clip_grad_norm({a, b}, 100), 5);
    EXPECT_EQ(grad_of(a), (std::vector<real>{3}));   // far below the threshold: untouched
}

TEST(Clip, ScalesEveryGradAboveTheThreshold) {
    // norm 5 > 1: scale = 1 / (5 + 1e-6); grads 3 -> 0.6/(1 + 2e-7), 4 -> 0.8/(1 + 2e-7)
    Tensor a = with_grad({1}, {3}), b = with_grad({2}, {0, 4});
    EXPECT_EQ(clip_grad_norm({a, b}, 1), 5);   // the norm before clipping
    EXPECT_FLOAT_EQ(grad_of(a)[0], real(0.6 / (1 + 2e-7)));
    EXPECT_EQ(grad_of(b)[0], 0);
    EXPECT_FLOAT_EQ(grad_of(b)[1], real(0.8 / (1 + 2e-7)));
    // the new norm sits just under max_norm
    EXPECT_NEAR(clip_grad_norm({a, b}, 100), 1, 1e-6);
}

TEST(Clip, BelowOrAtTheThresholdChangesNothing) {
    // norm exactly 5 with max_norm 5: clipping needs norm > max_norm, so the grads stay bit-exact
    // (PyTorch would still multiply them by 5/(5 + 1e-6), a change of 2e-7)
    Tensor a = with_grad({2}, {3, -4});
    EXPECT_EQ(clip_grad_norm({a}, 5), 5);
    EXPECT_EQ(grad_of(a), (std::vector<real>{3, -4}));
    EXPECT_EQ(clip_grad_norm({a}, 7.5f), 5);
    EXPECT_EQ(grad_of(a), (std::vector<real>{3, -4}));
}

TEST(Clip, SkipsParametersWithoutGrads) {
    Tensor a = with_grad({2}, {6, 8});                   // norm 10
    Tensor none = Tensor::ones({3}).requires_grad_();    // no grad buffer
    EXPECT_EQ(clip_grad_norm({none, a}, 2), 10);
    EXPECT_FALSE(none.has_grad());
    EXPECT_FLOAT_EQ(grad_of(a)[0], real(6 * 2 / (10 + 1e-6)));
    EXPECT_EQ(clip_grad_norm({none}, 1), 0);             // nothing to measure
}

TEST(Clip, MatchesTorchClipGradNorm) {
    const auto& c = optim_fixtures::kClipCase;
    std::vector<Tensor> params;
    int64_t off = 0;
    for (const Shape& s : optim_fixtures::kShapes) {
        int64_t n = shape_numel(s);
        params.push_back(with_grad(s, std::vector<real>(c.grad.begin() + off, c.grad.begin() + off + n)));
        off += n;
    }
    EXPECT_FLOAT_EQ(clip_grad_norm(params, c.max_norm), c.norm);
    off = 0;
    for (const Tensor& p : params) {
        for (int64_t j = 0; j < p.numel(); j++)
            EXPECT_NEAR(p.grad()[j], c.clipped[off + j], 1e-6 * std::fabs(c.clipped[off + j])) << "element " << off + j;
        off += p.numel();
    }
}

TEST(Clip, RejectsBadArguments) {
    Tensor a = with_grad({1}, {3});
    EXPECT_EQ(error_of([&] { clip_grad_norm({a}, 0); }), "clip_grad_norm: max_norm must be > 0, got 0");
    EXPECT_EQ(error_of([&] { clip_grad_norm({a}, -1); }), "clip_grad_norm: max_norm must be > 0, got -1");
    EXPECT_EQ(error_of([&] { clip_grad_norm({a, Tensor()}, 1); }), "clip_grad_norm: parameter 1 is undefined");
    EXPECT_EQ(grad_of(a), (std::vector<real>{3}));
}

TEST(Clip, SumOfSquaresIsExactEnoughAndTheSameForEveryThreadCount) {
    // 3 full blocks of the parallel sum, a partial one, and a tail that is not a multiple of 8
    const int64_t n = 3 * (1 << 14) + 1001;
    std::vector<real> x(static_cast<size_t>(n));
    Rng rng(7);
    for (real& v : x) v = real(rng.normal());
    long double exact = 0;   // a plain sum in higher precision, in index order
    for (real v : x) exact += (long double)v * (long double)v;

    int before = omp_get_max_threads();
    omp_set_num_threads(1);
    double one = sum_squares(x.data(), n);
    omp_set_num_threads(before);
    EXPECT_NEAR(one, double(exact), 1e-12 * double(exact));
    std::vector<real> small = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};   // lanes and a tail
    EXPECT_EQ(sum_squares(small.data(), 13), 819);                           // 13 * 14 * 27 / 6

    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    omp_set_num_threads(3);
    double three = sum_squares(x.data(), n);
    omp_set_num_threads(before);
    EXPECT_EQ(one, three);   // bitwise
}
