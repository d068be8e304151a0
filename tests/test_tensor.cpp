// Tensor creation and the graph machinery: backward, accumulation, reuse, no_grad, detach,
// released graphs and deep chains. The ops used here are elementwise ones; their own tests live in
// test_elementwise.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/elementwise.h"
#include "autograd/tensor.h"

using namespace gs;

TEST(Tensor, CreationFillsValuesAndShape) {
    Tensor z = Tensor::zeros({2, 3});
    EXPECT_EQ(z.shape(), (Shape{2, 3}));
    EXPECT_EQ(z.numel(), 6);
    EXPECT_EQ(z.dim(), 2);
    for (real v : z.to_vector()) EXPECT_EQ(v, 0);
    for (real v : Tensor::ones({4}).to_vector()) EXPECT_EQ(v, 1);
    for (real v : Tensor::full({2, 2}, 2.5).to_vector()) EXPECT_EQ(v, real(2.5));
    EXPECT_EQ(Tensor::scalar(3).dim(), 0);
    EXPECT_EQ(Tensor::scalar(3).item(), 3);
    EXPECT_EQ(Tensor::from({2, 2}, {1, 2, 3, 4}).to_vector(), (std::vector<real>{1, 2, 3, 4}));
    EXPECT_EQ(Tensor::zeros({3, 0}).numel(), 0);
}

TEST(Tensor, ArangeCountsLikeNumpy) {
    EXPECT_EQ(Tensor::arange(0, 5).to_vector(), (std::vector<real>{0, 1, 2, 3, 4}));
    EXPECT_EQ(Tensor::arange(1, 2, 0.25).to_vector(), (std::vector<real>{1, 1.25, 1.5, 1.75}));
    EXPECT_EQ(Tensor::arange(5, 0, -2).to_vector(), (std::vector<real>{5, 3, 1}));
    EXPECT_EQ(Tensor::arange(3, 3).numel(), 0);
    EXPECT_THROW(Tensor::arange(0, 1, 0), std::invalid_argument);
}

TEST(Tensor, SizeAcceptsNegativeDims) {
    Tensor t = Tensor::zeros({2, 3, 4});
    EXPECT_EQ(t.size(0), 2);
    EXPECT_EQ(t.size(-1), 4);
    EXPECT_EQ(t.size(-3), 2);
    try {
        t.size(3);
        FAIL() << "expected a throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("dim 3 is out of range for a 3-d tensor [2, 3, 4]"), std::string::npos)
            << e.what();
    }
}

TEST(Tensor, BadCreationArgumentsThrowWithShapes) {
    try {
        Tensor::from({2, 3}, {1, 2, 3});
        FAIL() << "expected a throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_STREQ(e.what(), "from: shape [2, 3] holds 6 values but 3 were given");
    }
    EXPECT_THROW(Tensor::empty({2, -1}), std::invalid_argument);
    try {
        Tensor::empty({int64_t(1) << 40, int64_t(1) << 40});   // 2^80 elements
        FAIL() << "expected a throw";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("more elements than fit in 64 bits"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Tensor::zeros({2, 2}).item(), std::invalid_argument);
    EXPECT_THROW(Tensor().shape(), std::invalid_argument);
}

TEST(Tensor, RandnIsDeterministicPerSeed) {
    Rng a(123), b(123), c(124);
    Tensor x = Tensor::randn({100}, a), y = Tensor::randn({100}, b), z = Tensor::randn({100}, c);
    EXPECT_EQ(x.to_vector(), y.to_vector());
    EXPECT_NE(x.to_vector(), z.to_vector());
    Rng r(9);
    Tensor u = Tensor::rand({1000}, r, -2, 3);
    for (real v : u.to_vector()) {
        EXPECT_GE(v, -2);
        EXPECT_LT(v, 3);
    }
}

TEST(Graph, BackwardOfProductGivesTheOtherFactor) {
    Tensor a = Tensor::scalar(3).requires_grad_();
    Tensor b = Tensor::scalar(-4).requires_grad_();
    Tensor c = a * b + a;   // dc/da = b + 1 = -3, dc/db = a = 3
    c.backward();
    EXPECT_EQ(a.grad()[0], -3);
    EXPECT_EQ(b.grad()[0], 3);
}

TEST(Graph, ReusedNodeReceivesTheSumOfItsGradients) {
    Tensor x = Tensor::scalar(5).requires_grad_();
    Tensor y = x * x;   // dy/dx = 2x = 10: both operands are x
    y.backward();
    EXPECT_EQ(x.grad()[0], 10);
}

TEST(Graph, DiamondAddsBothPaths) {
    // d = b * c with b = a + 1, c = a * 2: dd/da = c * 1 + b * 2 = 2a + 2(a + 1) = 4a + 2 = 14 at a = 3
    Tensor a = Tensor::scalar(3).requires_grad_();
    Tensor b = a + 1;
    Tensor c = a * 2;
    Tensor d = b * c;
    d.backward();
    EXPECT_EQ(a.grad()[0], 14);
}

TEST(Graph, GradientsAccumulateAcrossBackwardCalls) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    (x * 3).backward();
    (x * 4).backward();
    EXPECT_EQ(x.grad()[0], 7);
    x.zero_grad();
    EXPECT_FALSE(x.has_grad());
    (x * 5).backward();
    EXPECT_EQ(x.grad()[0], 5);
}

TEST(Graph, ExplicitGradOutputSeedsNonScalarBackward) {
    Tensor x = Tensor::from({3}, {1, 2, 3}).requires_grad_();
    Tensor y = x * x;
    y.backward(Tensor::from({3}, {1, 10, 100}));   // dx = 2x * seed
    EXPECT_EQ(x.grad_tensor().to_vector(), (std::vector<real>{2, 40, 600}));
    Tensor z = x * 2;
    EXPECT_THROW(z.backward(), std::invalid_argument);                      // needs a seed
    EXPECT_THROW(z.backward(Tensor::ones({2})), std::invalid_argument);     // wrong seed shape
}

TEST(Graph, NoGradBuildsNoGraph) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor y;
    {
        NoGradGuard guard;
        EXPECT_FALSE(grad_enabled());
        y = x * x;
    }
    EXPECT_TRUE(grad_enabled());
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    EXPECT_THROW(y.backward(), std::invalid_argument);
}

TEST(Graph, InputsWithoutGradGetNoGradient) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor k = Tensor::scalar(3);
    (x * k).backward();
    EXPECT_EQ(x.grad()[0], 3);
    EXPECT_FALSE(k.has_grad());
    EXPECT_FALSE((k * k).requires_grad());
}

TEST(Graph, DetachSharesDataButCutsTheGraph) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor y = x * 3;
    Tensor d = y.detach();
    EXPECT_TRUE(d.shares_storage_with(y));
    EXPECT_FALSE(d.requires_grad());
    Tensor z = d * x;   // only the direct use of x carries gradient: dz/dx = d = 6
    z.backward();
    EXPECT_EQ(x.grad()[0], 6);
}

TEST(Graph, SecondBackwardThroughFreedGraphThrowsClearly) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor y = x * x;
    y.backward();
    try {
        y.backward();
        FAIL() << "expected a throw";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
    }
    EXPECT_EQ(x.grad()[0], 4);   // the failed call added nothing
    Tensor z = y * 2;            // a new op on top of the freed graph cannot reach x either
    EXPECT_THROW(z.backward(), std::runtime_error);
}

TEST(Graph, RetainGraphAllowsASecondBackward) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor y = x * x;
    y.backward(true);
    y.backward();
    EXPECT_EQ(x.grad()[0], 8);
}

TEST(Graph, IntermediateGradsAreFreedUnlessRetained) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor h = x * 3;
    Tensor k = x * 5;
    k.retain_grad();
    Tensor y = h * k;   // dy/dk = h = 6
    y.backward();
    EXPECT_FALSE(h.has_grad());
    EXPECT_EQ(k.grad()[0], 6);
    EXPECT_EQ(x.grad()[0], 3 * 10 + 5 * 6);   // dy/dx = 3k + 5h
}

TEST(Graph, RequiresGradCanOnlyChangeOnLeaves) {
    Tensor x = Tensor::scalar(2).requires_grad_();
    Tensor y = x * 2;
    EXPECT_THROW(y.requires_grad_(false), std::invalid_argument);
}

TEST(Graph, HundredThousandOpChainNeitherOverflowsNorLeaks) {
    int64_t in_use = alloc_stats().bytes_in_use;
    {
        Tensor x = Tensor::scalar(1).requires_grad_();
        Tensor y = x;
        for (int i = 0; i < 100000; i++) y = y * real(1.0001);
        y.backward();
        EXPECT_NEAR(x.grad()[0], std::pow(1.0001, 100000), std::pow(1.0001, 100000) * 1e-2);
        Tensor z = x;
        for (int i = 0; i < 100000; i++) z = z + 1;   // dropped without a backward: freed iteratively
    }
    EXPECT_EQ(alloc_stats().bytes_in_use, in_use);   // every buffer of both graphs came back
}
