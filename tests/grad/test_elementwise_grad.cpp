// Finite-difference checks (double build) for every elementwise op, with broadcasting in every
// position it can take: a missing dim, a size-1 dim in the middle or at the end, a 0-d scalar.
#include <gtest/gtest.h>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"

using namespace gs;

namespace {

using Binary = Tensor (*)(const Tensor&, const Tensor&);

// positive inputs keep log, sqrt and pow's ln(a) defined
Tensor positive(const Shape& s, Rng& rng) { return add(Tensor::rand(s, rng, 0.5, 2.0), Tensor::scalar(0)).detach(); }

void expect_binary_grads(Binary op, const Shape& sa, const Shape& sb) {
    Rng rng(17);
    Tensor a = positive(sa, rng).requires_grad_();
    Tensor b = positive(sb, rng).requires_grad_();
    GradcheckResult r = gradcheck([op](const std::vector<Tensor>& in) { return op(in[0], in[1]); }, {a, b});
    EXPECT_TRUE(r.ok) << shape_str(sa) << " with " << shape_str(sb) << "\n" << r.report;
}

const std::vector<std::pair<Shape, Shape>> kShapes = {
    {{3, 4}, {3, 4}},          // same shape
    {{3, 4}, {4}},             // missing leading dim
    {{3, 1}, {1, 4}},          // both broadcast
    {{2, 1, 3}, {4, 1}},       // middle size-1 dim and a missing dim
    {{2, 3}, {}},              // 0-d scalar
    {{1}, {2, 2, 2}},          // one-element against 3-d
};

}  // namespace

TEST(ElementwiseGrad, Add) { for (auto& s : kShapes) expect_binary_grads(add, s.first, s.second); }
TEST(ElementwiseGrad, Sub) { for (auto& s : kShapes) expect_binary_grads(sub, s.first, s.second); }
TEST(ElementwiseGrad, Mul) { for (auto& s : kShapes) expect_binary_grads(mul, s.first, s.second); }
TEST(ElementwiseGrad, Div) { for (auto& s : kShapes) expect_binary_grads(div, s.first, s.second); }
TEST(ElementwiseGrad, PowTensorExponent) {
    for (auto& s : kShapes) expect_binary_grads(static_cast<Binary>(pow), s.first, s.second);
}

TEST(ElementwiseGrad, SameTensorOnBothSides) {
    Rng rng(3);
    Tensor a = positive({5}, rng).requires_grad_();
    for (Binary op : {Binary(add), Binary(sub), Binary(mul), Binary(div)}) {
        GradcheckResult r = gradcheck([op](const std::vector<Tensor>& in) { return op(in[0], in[0]); }, {a});
        EXPECT_TRUE(r.ok) << r.report;
    }
}

TEST(ElementwiseGrad, UnaryOps) {
    using Unary = Tensor (*)(const Tensor&);
    const std::vector<std::pair<const char*, Unary>> ops = {
        {"neg", neg}, {"exp", exp}, {"tanh", tanh}, {"gelu", gelu}, {"sigmoid", sigmoid}, {"relu", relu},
    };
    Rng rng(5);
    // values away from 0 so relu's kink is never straddled by the finite difference
    Tensor x = Tensor::from({2, 3}, {-1.5, -0.7, -0.2, 0.3, 0.9, 2.1}).requires_grad_();
    for (auto& [name, op] : ops) {
        GradcheckResult r = gradcheck([f = op](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
        EXPECT_TRUE(r.ok) << name << "\n" << r.report;
    }
    Tensor p = positive({2, 3}, rng).requires_grad_();
    for (auto& [name, op] : std::vector<std::pair<const char*, Unary>>{{"log", log}, {"sqrt", sqrt}}) {
        GradcheckResult r = gradcheck([f = op](const std::vector<Tensor>& in) { return f(in[0]); }, {p});
        EXPECT_TRUE(r.ok) << name << "\n" << r.report;
    }
}

TEST(ElementwiseGrad, PowScalarExponent) {
    Rng rng(8);
    Tensor p = positive({4}, rng).requires_grad_();
    for (real e : {real(2), real(0.5), real(-1.5), real(3)}) {
        GradcheckResult r = gradcheck([e](const std::vector<Tensor>& in) { return pow(in[0], e); }, {p});
        EXPECT_TRUE(r.ok) << "exponent " << e << "\n" << r.report;
    }
}

TEST(ElementwiseGrad, ComposedExpression) {
    Rng rng(21);
    Tensor a = Tensor::randn({3, 4}, rng).requires_grad_();
    Tensor b = Tensor::randn({4}, rng).requires_grad_();
    GradcheckResult r = gradcheck(
        [](const std::vector<Tensor>& in) { return tanh(in[0] * in[1]) + sigmoid(in[0]) * gelu(in[1]) - in[0] / 3; },
        {a, b});
    EXPECT_TRUE(r.ok) << r.report;
}
