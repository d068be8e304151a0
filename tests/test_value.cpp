// Tests for Value, the scalar autograd engine: each op's value and derivative against a hand-derived
// number and against central finite differences; nodes used twice; accumulation across backward calls;
// 100,000-node chains (walked and freed without recursion); graphs freed with no shared_ptr cycle.
// Value is always double, so these run in the float build too.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <sstream>

#include "autograd/value.h"

using namespace gs;

namespace {

// (f(x+h) - f(x-h)) / 2h: error O(h^2) from the formula, O(eps/h) from rounding; both ~1e-10 here.
template <typename F> double central_diff(F f, double x, double h = 1e-5) {
    return (f(Value(x + h)).data() - f(Value(x - h)).data()) / (2 * h);
}

// d f(x)/dx at x0 three ways: backward(), the hand-derived `expected`, finite differences.
template <typename F> void expect_grad(F f, double x0, double expected) {
    Value x(x0);
    Value y = f(x);
    y.backward();
    EXPECT_NEAR(x.grad(), expected, 1e-12 * (1 + std::fabs(expected)));
    double fd = central_diff(f, x0);
    EXPECT_NEAR(x.grad(), fd, 1e-7 * (1 + std::fabs(fd)));
}

}  // namespace

TEST(Value, LeafHoldsDataLabelAndZeroGrad) {
    Value a(2.5, "a");
    EXPECT_EQ(a.data(), 2.5);
    EXPECT_EQ(a.grad(), 0.0);
    EXPECT_EQ(a.label(), "a");
    EXPECT_STREQ(a.op(), "");
    Value b = a;   // a handle: copies share the node
    b.data() = 4;
    EXPECT_EQ(a.data(), 4.0);
}

TEST(Value, Add) {
    EXPECT_EQ((Value(2) + Value(-3)).data(), -1.0);
    EXPECT_EQ((Value(2) + 0.5).data(), 2.5);
    EXPECT_EQ((0.5 + Value(2)).data(), 2.5);
    EXPECT_STREQ((Value(2) + Value(1)).op(), "+");
    expect_grad([](const Value& a) { return a + Value(-3.0); }, 2.0, 1.0);   // d(a+b)/da = 1
    expect_grad([](const Value& b) { return Value(2.0) + b; }, -3.0, 1.0);   // d(a+b)/db = 1
}

TEST(Value, Sub) {
    EXPECT_EQ((Value(2) - Value(-3)).data(), 5.0);
    EXPECT_EQ((Value(2) - 0.5).data(), 1.5);
    EXPECT_EQ((0.5 - Value(2)).data(), -1.5);
    expect_grad([](const Value& a) { return a - Value(-3.0); }, 2.0, 1.0);    // d(a-b)/da = 1
    expect_grad([](const Value& b) { return Value(2.0) - b; }, -3.0, -1.0);   // d(a-b)/db = -1
}

TEST(Value, Mul) {
    EXPECT_EQ((Value(2) * Value(-3)).data(), -6.0);
    EXPECT_EQ((Value(2) * 0.5).data(), 1.0);
    EXPECT_EQ((0.5 * Value(2)).data(), 1.0);
    expect_grad([](const Value& a) { return a * Value(-3.0); }, 2.0, -3.0);   // d(ab)/da = b
    expect_grad([](const Value& b) { return Value(2.0) * b; }, -3.0, 2.0);    // d(ab)/db = a
}

TEST(Value, Div) {
    EXPECT_EQ((Value(3) / Value(-4)).data(), -0.75);
    EXPECT_EQ((Value(3) / 2.0).data(), 1.5);
    EXPECT_EQ((2.0 / Value(4)).data(), 0.5);
    expect_grad([](const Value& a) { return a / Value(-4.0); }, 3.0, -0.25);   // d(a/b)/da = 1/b = -1/4
    expect_grad([](const Value& b) { return Value(3.0) / b; }, -4.0, -0.1875); // -a/b^2 = -3/16
}

TEST(Value, Neg) {
    EXPECT_EQ((-Value(2.5)).data(), -2.5);
    expect_grad([](const Value& a) { return -a; }, 2.5, -1.0);
}

TEST(Value, Pow) {
    EXPECT_EQ(pow(Value(3), 2).data(), 9.0);
    EXPECT_EQ(pow(Value(4), 0.5).data(), 2.0);
    EXPECT_EQ(pow(Value(2), -1).data(), 0.5);
    expect_grad([](const Value& a) { return pow(a, 3); }, 2.0, 12.0);       // 3 a^2 = 12
    expect_grad([](const Value& a) { return pow(a, 0.5); }, 4.0, 0.25);     // 0.5 / sqrt(4) = 1/4
    expect_grad([](const Value& a) { return pow(a, -1); }, 2.0, -0.25);     // -1 / a^2 = -1/4
}

TEST(Value, Exp) {
    EXPECT_EQ(exp(Value(0)).data(), 1.0);
    EXPECT_DOUBLE_EQ(exp(Value(1.5)).data(), std::exp(1.5));
    expect_grad([](const Value& a) { return exp(a); }, 0.0, 1.0);            // e^0
    expect_grad([](const Value& a) { return exp(a); }, 1.5, std::exp(1.5));  // (e^a)' = e^a
}

TEST(Value, Log) {
    EXPECT_EQ(log(Value(1)).data(), 0.0);
    EXPECT_DOUBLE_EQ(log(Value(std::exp(2.0))).data(), 2.0);
    expect_grad([](const Value& a) { return log(a); }, 4.0, 0.25);   // 1/a
    expect_grad([](const Value& a) { return log(a); }, 0.5, 2.0);
}

TEST(Value, Tanh) {
    EXPECT_EQ(tanh(Value(0)).data(), 0.0);
    // tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 3/5, so the derivative 1 - tanh^2 = 16/25
    EXPECT_DOUBLE_EQ(tanh(Value(std::log(2.0))).data(), 0.6);
    expect_grad([](const Value& a) { return tanh(a); }, 0.0, 1.0);
    expect_grad([](const Value& a) { return tanh(a); }, std::log(2.0), 0.64);
}

TEST(Value, Relu) {
    EXPECT_EQ(relu(Value(1.5)).data(), 1.5);
    EXPECT_EQ(relu(Value(-1.5)).data(), 0.0);
    expect_grad([](const Value& a) { return relu(a); }, 1.5, 1.0);
    expect_grad([](const Value& a) { return relu(a); }, -1.5, 0.0);
}

TEST(Value, CompoundAssignment) {
    Value a(3), b(2);
    Value y = a;
    y += b;   // 5
    y *= a;   // 15
    y -= b;   // 13
    y /= b;   // 6.5
    // y = ((a + b)*a - b)/b = a^2/b + a - 1:  dy/da = 2a/b + 1 = 4,  dy/db = -a^2/b^2 = -9/4
    EXPECT_EQ(y.data(), 6.5);
    y.backward();
    EXPECT_DOUBLE_EQ(a.grad(), 4.0);
    EXPECT_DOUBLE_EQ(b.grad(), -2.25);
}

TEST(Value, ReusedNodeSquareSumsBothPaths) {
    // y = a*a uses a twice; each use contributes a, so dy/da = 2a = 6
    expect_grad([](const Value& a) { return a * a; }, 3.0, 6.0);
}

TEST(Value, DiamondSumsBothBranches) {
    // b = 2a, c = a + 3, y = b*c = 2a^2 + 6a: dy/da = 4a + 6 = 14 at a = 2.
    // Through b: c * 2 = 10; through c: b * 1 = 4; sum 14. b and c get 5 and 4.
    Value a(2.0);
    Value b = a * 2.0, c = a + 3.0;
    Value y = b * c;
    y.backward();
    EXPECT_EQ(y.data(), 20.0);
    EXPECT_EQ(a.grad(), 14.0);
    EXPECT_EQ(b.grad(), 5.0);
    EXPECT_EQ(c.grad(), 4.0);
    expect_grad([](const Value& x) { return (x * 2.0) * (x + 3.0); }, 2.0, 14.0);
}

TEST(Value, BackwardTwiceAccumulatesIntoLeavesOnly) {
    Value a(2.0), b(-3.0);
    Value h = a * b;        // inner node
    Value y = h + a;        // dy/da = b + 1 = -2,  dy/db = a = 2,  dy/dh = 1
    y.backward();
    y.backward();
    EXPECT_EQ(a.grad(), -4.0);   // leaves add up: 2 * -2
    EXPECT_EQ(b.grad(), 4.0);
    EXPECT_EQ(h.grad(), 1.0);    // inner nodes hold one call's gradient
    EXPECT_EQ(y.grad(), 1.0);
}

TEST(Value, ZeroGradAndSettableGrad) {
    Value a(2.0), b(-3.0);
    Value y = tanh(a * b);
    y.backward();
    EXPECT_NE(a.grad(), 0.0);
    y.zero_grad();
    EXPECT_EQ(a.grad(), 0.0);
    EXPECT_EQ(b.grad(), 0.0);
    EXPECT_EQ(y.grad(), 0.0);
    a.grad() = 7.0;   // a hand-written optimiser may also clear or set a leaf's grad directly
    y.backward();
    EXPECT_DOUBLE_EQ(a.grad(), 7.0 + (1 - std::pow(std::tanh(-6.0), 2)) * -3.0);
}

TEST(Value, KnownExpression) {
    // f = (a*b + c)^2 / e - relu(d) at a=2, b=-3, c=10, d=-1, e=4.  u = a*b + c = 4,  f = 16/4 - 0 = 4.
    // df/da = 2u*b/e = -6,  df/db = 2u*a/e = 4,  df/dc = 2u/e = 2,  df/de = -u^2/e^2 = -1,  df/dd = 0.
    Value a(2, "a"), b(-3, "b"), c(10, "c"), d(-1, "d"), e(4, "e");
    Value f = pow(a * b + c, 2) / e - relu(d);
    f.backward();
    EXPECT_EQ(f.data(), 4.0);
    EXPECT_EQ(a.grad(), -6.0);
    EXPECT_EQ(b.grad(), 4.0);
    EXPECT_EQ(c.grad(), 2.0);
    EXPECT_EQ(d.grad(), 0.0);
    EXPECT_EQ(e.grad(), -1.0);
}

TEST(Value, LongChainBackwardDoesNotRecurse) {
    // y = ((x*1 + 0.5)*1 + 0.5)... 100,000 times: y = x + 50,000 and dy/dx = 1. A recursive walk
    // or destructor would need 100,000+ stack frames and overflow.
    Value x(1.0);
    Value y = x;
    for (int i = 0; i < 100000; i++) y = y * 1.0 + 0.5;
    y.backward();
    EXPECT_EQ(y.data(), 50001.0);
    EXPECT_EQ(x.grad(), 1.0);
}

TEST(Value, LongChainIsFreedWithoutLeak) {
    Value x(1.0);
    std::weak_ptr<ValueNode> middle, last;
    {
        Value y = x;
        for (int i = 0; i < 100000; i++) {
            y = tanh(y + x);
            if (i == 50000) middle = y.node();
        }
        last = y.node();
        y.backward();
        EXPECT_GT(x.node().use_count(), 100000);   // every `+ x` holds x
    }
    // The chain died with its last handle: every node freed (no cycle kept any alive), no stack overflow.
    EXPECT_TRUE(middle.expired());
    EXPECT_TRUE(last.expired());
    EXPECT_EQ(x.node().use_count(), 1);
}

TEST(Value, PrintsLabelDataAndGrad) {
    Value a(2.0, "a");
    a.grad() = -3;
    std::ostringstream os;
    os << a << " " << Value(0.5);
    EXPECT_EQ(os.str(), "Value(a, data=2, grad=-3) Value(data=0.5, grad=0)");
}
