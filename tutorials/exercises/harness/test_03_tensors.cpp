// Tests of exercises 03.1-03.3: broadcast_shape and broadcast_strides against the library's functions
// (broadcast.h), and the broadcast gradient summed back to its shape as the backward of an add, against
// the library's add and gradcheck. The shape pairs are those of tests/grad/test_elementwise_grad.cpp: a
// missing leading dim, size-1 dims in the middle and at the end, a 0-d scalar.
#include <gtest/gtest.h>

#include "autograd/broadcast.h"
#include "autograd/elementwise.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

const std::vector<std::pair<Shape, Shape>> kPairs = {
    {{3, 4}, {3, 4}}, {{3, 4}, {4}}, {{3, 1}, {1, 4}}, {{2, 1, 3}, {4, 1}}, {{2, 3}, {}},
    {{1}, {2, 2, 2}}, {{4, 1, 3}, {2, 1}}, {{0, 3}, {1, 3}},
};
// pairs that cannot be broadcast: the library throws for each
const std::vector<std::pair<Shape, Shape>> kClashes = {{{2, 3}, {3, 2}}, {{4}, {3}}, {{2, 1, 3}, {2, 2}}};

std::string pair_str(const Shape& a, const Shape& b) { return shape_str(a) + " and " + shape_str(b); }

}  // namespace

TEST(Ex03_1, BroadcastShape) {
    for (const auto& [a, b] : kPairs) {
        Case c{"03.1", pair_str(a, b),
               "align the shapes at the right; two sizes agree when equal or when one is 1 (a missing dim is 1); "
               "the result takes the larger"};
        Shape expected = gs::broadcast_shape(a, b, "test"), got;
        if (!attempt(c, [&] { got = ex::broadcast_shape(a, b); })) return;
        if (got != expected)
            return fail(c, "expected the shape " + shape_str(expected) + ", got " + shape_str(got));
    }
    for (const auto& [a, b] : kClashes) {
        Case c{"03.1", pair_str(a, b), "sizes that differ and are both not 1 cannot be broadcast: throw std::invalid_argument"};
        Shape got;
        try {
            got = ex::broadcast_shape(a, b);
        } catch (const ex::NotDone& e) {
            return fail(c, e.what());
        } catch (const std::invalid_argument&) {
            continue;   // what the library does too
        } catch (const std::exception& e) {
            return fail(c, std::string("threw an exception other than std::invalid_argument: ") + e.what());
        }
        return fail(c, "these shapes clash, so it should throw std::invalid_argument; it returned " + shape_str(got));
    }
}

TEST(Ex03_2, BroadcastStrides) {
    for (const auto& [a, b] : kPairs) {
        Shape out = gs::broadcast_shape(a, b, "test");
        for (const Shape& in : {a, b}) {
            Case c{"03.2", "in " + shape_str(in) + " read as out " + shape_str(out),
                   "in is row-major: a dim's stride is the product of the sizes after it; 0 where in has size 1 "
                   "or lacks the dim"};
            std::vector<int64_t> expected = gs::broadcast_strides(in, out), got;
            if (!attempt(c, [&] { got = ex::broadcast_strides(in, out); })) return;
            if (got != expected)
                return fail(c, "expected the strides " + shape_str(expected) + ", got " + shape_str(got));
        }
    }
}

namespace {

// y = a + b with the library's forward; the backward gives each operand sum_to_shape(dy)
Tensor add_yours(const std::vector<Tensor>& in) {
    const Tensor &a = in[0], &b = in[1];
    Tensor y;
    {
        NoGradGuard no_grad;
        y = add(a, b);
    }
    y.set_backward("add (yours)", {a, b}, [a, b](const Tensor& out) {
        if (a.requires_grad()) ex::sum_to_shape(a.grad(), a.shape(), out.grad(), out.shape());
        if (b.requires_grad()) ex::sum_to_shape(b.grad(), b.shape(), out.grad(), out.shape());
    });
    return y;
}

}  // namespace

TEST(Ex03_3, SumToShape) {
    Rng rng(33);
    for (const auto& [sa, sb] : kPairs) {
        Case c{"03.3", "y = a + b with a " + shape_str(sa) + ", b " + shape_str(sb),
               "did you forget the sum over the broadcast dimension? each element of the smaller operand gets "
               "one term (+=) from every position of dy that read it"};
        Tensor a = Tensor::randn(sa, rng).requires_grad_(), b = Tensor::randn(sb, rng).requires_grad_();
        if (!expect_backward(c, add_yours, [](const std::vector<Tensor>& in) { return add(in[0], in[1]); }, {a, b},
                             {"da", "db"}))
            return;
    }
}
