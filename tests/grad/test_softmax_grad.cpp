// Finite-difference checks (double build) for softmax and log_softmax along every kind of dim
// (last, first, middle, size 1) and for cross_entropy with and without ignored targets.
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/softmax.h"

using namespace gs;

namespace {

using SoftmaxFn = Tensor (*)(const Tensor&, int64_t);

void expect_grads(SoftmaxFn op, const Shape& shape, int64_t dim) {
    Rng rng(31);
    Tensor x = Tensor::randn(shape, rng, 0, 2).requires_grad_();
    GradcheckResult r = gradcheck([op, dim](const std::vector<Tensor>& in) { return op(in[0], dim); }, {x});
    EXPECT_TRUE(r.ok) << shape_str(shape) << " dim " << dim << "\n" << r.report;
}

// (shape, dim): last dim, a 1-d row, the first dim, middle dims of a 3-d tensor, a size-1 dim
const std::vector<std::pair<Shape, int64_t>> kCases = {
    {{3, 5}, -1}, {{4}, 0}, {{4, 3}, 0}, {{2, 3, 4}, 1}, {{2, 3, 4}, 0}, {{3, 1, 2}, 1},
};

}  // namespace

TEST(SoftmaxGrad, EveryKindOfDim) {
    for (auto& c : kCases) expect_grads(softmax, c.first, c.second);
}

TEST(SoftmaxGrad, LogSoftmaxEveryKindOfDim) {
    for (auto& c : kCases) expect_grads(log_softmax, c.first, c.second);
}

TEST(CrossEntropyGrad, TwoDimLogits) {
    Rng rng(32);
    Tensor logits = Tensor::randn({4, 5}, rng).requires_grad_();
    Indices t({4}, {0, 4, 2, 2});
    GradcheckResult r = gradcheck([&t](const std::vector<Tensor>& in) { return cross_entropy(in[0], t); }, {logits});
    EXPECT_TRUE(r.ok) << r.report;
}

TEST(CrossEntropyGrad, IgnoredTargetsGetNoGradient) {
    // rows 1 and 3 are ignored (one with the default -1, one with a custom index): their gradient is 0,
    // and the mean, so every other row's gradient, is over 3 rows and not 5
    Rng rng(33);
    Tensor logits = Tensor::randn({5, 3}, rng).requires_grad_();
    Indices t({5}, {2, -1, 0, -1, 1});
    GradcheckResult r = gradcheck([&t](const std::vector<Tensor>& in) { return cross_entropy(in[0], t); }, {logits});
    EXPECT_TRUE(r.ok) << r.report;
    for (int64_t c = 0; c < 3; c++) EXPECT_EQ(logits.grad()[1 * 3 + c], 0);

    Indices t2({2, 3}, {1, 9, 0, 2, 9, 9});   // ignore_index 9, logits (B, T, C) = (2, 3, 4)
    Tensor logits3 = Tensor::randn({2, 3, 4}, rng).requires_grad_();
    GradcheckResult r3 =
        gradcheck([&t2](const std::vector<Tensor>& in) { return cross_entropy(in[0], t2, 9); }, {logits3});
    EXPECT_TRUE(r3.ok) << r3.report;
}
