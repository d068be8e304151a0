// Elementwise ops: forward values against hand-computed ones, broadcasting, and bad shapes.
// Their gradients are checked by finite differences in grad/test_elementwise_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/elementwise.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

TEST(Elementwise, BinaryOpsSameShape) {
    Tensor a = Tensor::from({2, 2}, {1, 2, 3, 4});
    Tensor b = Tensor::from({2, 2}, {2, 4, 8, 16});
    EXPECT_EQ(vals(a + b), (std::vector<real>{3, 6, 11, 20}));
    EXPECT_EQ(vals(a - b), (std::vector<real>{-1, -2, -5, -12}));
    EXPECT_EQ(vals(a * b), (std::vector<real>{2, 8, 24, 64}));
    EXPECT_EQ(vals(b / a), (std::vector<real>{2, 2, real(8.0 / 3.0), 4}));
    EXPECT_EQ(vals(pow(a, Tensor::from({2, 2}, {3, 2, 1, 0}))), (std::vector<real>{1, 4, 3, 1}));
}

TEST(Elementwise, BroadcastRowAgainstColumn) {
    Tensor col = Tensor::from({3, 1}, {0, 10, 20});
    Tensor row = Tensor::from({4}, {1, 2, 3, 4});
    Tensor s = col + row;   // [3, 1] with [4] -> [3, 4]
    EXPECT_EQ(s.shape(), (Shape{3, 4}));
    EXPECT_EQ(vals(s), (std::vector<real>{1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}));
}

TEST(Elementwise, BroadcastMiddleDimAndScalars) {
    Tensor a = Tensor::from({2, 1, 2}, {1, 2, 3, 4});
    Tensor b = Tensor::from({3, 1}, {10, 20, 30});
    Tensor p = a * b;   // [2,1,2] * [3,1] -> [2,3,2]: p[i][j][k] = a[i][0][k] * b[j][0]
    EXPECT_EQ(p.shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(vals(p), (std::vector<real>{10, 20, 20, 40, 30, 60, 30, 40, 60, 80, 90, 120}));
    EXPECT_EQ(vals(a * 2), (std::vector<real>{2, 4, 6, 8}));
    EXPECT_EQ(vals(1 - a), (std::vector<real>{0, -1, -2, -3}));
    EXPECT_EQ((Tensor::scalar(3) + Tensor::scalar(4)).dim(), 0);
}

TEST(Elementwise, IncompatibleShapesNameOpAndShapes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4});
    try {
        add(a, b);
        FAIL() << "expected a throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "add: shapes [2, 3] and [4] cannot be broadcast together (3 vs 4 in dim 1 of the result)");
    }
    EXPECT_THROW(mul(Tensor::zeros({2, 3}), Tensor::zeros({3, 3})), std::invalid_argument);
    EXPECT_THROW(div(Tensor::zeros({5, 1, 2}), Tensor::zeros({4, 3})), std::invalid_argument);
}

TEST(Elementwise, UnaryOpsMatchTheirDefinitions) {
    Tensor x = Tensor::from({4}, {-2, -0.5, 0.5, 3});
    std::vector<real> xs = vals(x);
    std::vector<real> e = vals(exp(x)), t = vals(tanh(x)), r = vals(relu(x)), s = vals(sigmoid(x)), n = vals(-x);
    for (size_t i = 0; i < xs.size(); i++) {
        EXPECT_FLOAT_EQ(e[i], std::exp(xs[i]));
        EXPECT_FLOAT_EQ(t[i], std::tanh(xs[i]));
        EXPECT_EQ(r[i], xs[i] > 0 ? xs[i] : 0);
        EXPECT_FLOAT_EQ(s[i], 1 / (1 + std::exp(-xs[i])));
        EXPECT_EQ(n[i], -xs[i]);
    }
    Tensor p = Tensor::from({3}, {1, 4, 9});
    EXPECT_EQ(vals(sqrt(p)), (std::vector<real>{1, 2, 3}));
    EXPECT_FLOAT_EQ(vals(log(p))[1], std::log(real(4)));
    EXPECT_EQ(vals(pow(p, 0.5)), (std::vector<real>{1, 2, 3}));
    EXPECT_EQ(vals(pow(p, 2)), (std::vector<real>{1, 16, 81}));
}

TEST(Elementwise, GeluTanhApproximationKnownValues) {
    // gelu(x) = x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))):
    // x = 0 -> 0;  x = 1 -> 0.5 (1 + tanh(0.7978846 * 1.044715)) = 0.5 (1 + tanh(0.8335601)) = 0.8411920
    // x = -1 -> -1 + 0.8411920 = -0.1588080 (gelu(x) - gelu(-x) = x)
    std::vector<real> g = vals(gelu(Tensor::from({3}, {0, 1, -1})));
    EXPECT_EQ(g[0], 0);
    EXPECT_NEAR(g[1], 0.8411920, 1e-6);
    EXPECT_NEAR(g[2], -0.1588080, 1e-6);
}

TEST(Elementwise, SigmoidStaysFiniteAtExtremes) {
    std::vector<real> s = vals(sigmoid(Tensor::from({2}, {-1000, 1000})));
    EXPECT_EQ(s[0], 0);
    EXPECT_EQ(s[1], 1);
}

TEST(Elementwise, LongTensorsTakeTheParallelPathAndAgree) {
    // 100,000 elements is above the threshold that splits the loop across threads
    Rng rng(2);
    Tensor a = Tensor::randn({100000}, rng), b = Tensor::randn({100000}, rng);
    Tensor c = a * b + tanh(a);
    for (int64_t i = 0; i < c.numel(); i += 997)
        EXPECT_FLOAT_EQ(c.data()[i], a.data()[i] * b.data()[i] + std::tanh(a.data()[i]));
}
