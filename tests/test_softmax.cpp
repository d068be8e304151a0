// softmax, log_softmax and cross_entropy: forward values against hand-computed ones, any dim, large
// logits, ignore_index, the fused backward on a hand example, and every error message.
// Gradients are checked by finite differences in grad/test_softmax_grad.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/softmax.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

const double ln2 = std::log(2.0), ln3 = std::log(3.0);

}  // namespace

TEST(Softmax, HandComputedRow) {
    // e^0, e^ln2, e^ln3 = 1, 2, 3; the sum is 6, so the softmax is [1/6, 2/6, 3/6]
    Tensor x = Tensor::from({3}, {0, real(ln2), real(ln3)});
    expect_near_all(softmax(x, 0), {1.0 / 6, 2.0 / 6, 3.0 / 6}, 1e-6);
    expect_near_all(softmax(x, -1), {1.0 / 6, 2.0 / 6, 3.0 / 6}, 1e-6);
}

TEST(Softmax, AlongDim0AndDim1) {
    // x = [[0,   ln2],
    //      [ln3, ln2]]
    // dim 0 (down each column): column 0 is e^[0, ln3] = [1, 3] -> [1/4, 3/4]; column 1 is equal -> [1/2, 1/2]
    // dim 1 (along each row):   row 0 is [1, 2] -> [1/3, 2/3]; row 1 is [3, 2] -> [3/5, 2/5]
    Tensor x = Tensor::from({2, 2}, {0, real(ln2), real(ln3), real(ln2)});
    expect_near_all(softmax(x, 0), {0.25, 0.5, 0.75, 0.5}, 1e-6);
    expect_near_all(softmax(x, 1), {1.0 / 3, 2.0 / 3, 0.6, 0.4}, 1e-6);
    expect_near_all(softmax(x, -2), {0.25, 0.5, 0.75, 0.5}, 1e-6);
}

TEST(Softmax, MiddleDimOf3d) {
    // x[o, d, i] for shape [2, 3, 2], softmax over d. Column (o=0, i=0) is [0, ln2, ln3] -> [1, 2, 3]/6;
    // column (0, 1) is all 5 -> 1/3 each; column (1, 0) is [ln3, 0, 0] -> [3, 1, 1]/5; (1, 1) is [0, 0, ln2] -> [1, 1, 2]/4
    Tensor x = Tensor::from({2, 3, 2}, {0, 5, real(ln2), 5, real(ln3), 5,   //
                                        real(ln3), 0, 0, 0, 0, real(ln2)});
    expect_near_all(softmax(x, 1), {1.0 / 6, 1.0 / 3, 2.0 / 6, 1.0 / 3, 3.0 / 6, 1.0 / 3,   //
                                    0.6, 0.25, 0.2, 0.25, 0.2, 0.5}, 1e-6);
}

TEST(Softmax, LargeLogitsStayFinite) {
    // e^1000 overflows; after subtracting the max: [1000, 1000, 1000] -> e^0 each -> 1/3 each,
    // [1000, 0] -> [1, e^-1000 ~ 0], and [-1000, -1000] -> 1/2 each (e^-1000 alone would underflow to 0/0)
    expect_near_all(softmax(Tensor::full({3}, 1000), 0), {1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-6);
    expect_near_all(softmax(Tensor::from({2}, {1000, 0}), 0), {1, 0}, 1e-6);
    expect_near_all(softmax(Tensor::full({2}, -1000), 0), {0.5, 0.5}, 1e-6);
    // log_softmax([1000, 0]) = [1000, 0] - (1000 + log(1 + e^-1000)) = [0, -1000]
    expect_near_all(log_softmax(Tensor::from({2}, {1000, 0}), 0), {0, -1000}, 1e-3);
}

TEST(Softmax, LogSoftmaxHandComputed) {
    // log of [1/6, 2/6, 3/6] = [-ln 6, ln2 - ln6, ln3 - ln6]; along dim 0 of a column it is the same
    double ln6 = std::log(6.0);
    expect_near_all(log_softmax(Tensor::from({3}, {0, real(ln2), real(ln3)}), 0), {-ln6, ln2 - ln6, ln3 - ln6}, 1e-6);
    expect_near_all(log_softmax(Tensor::from({3, 1}, {0, real(ln2), real(ln3)}), 0), {-ln6, ln2 - ln6, ln3 - ln6},
                    1e-6);
    // along a size-1 dim every value is alone in its row: softmax 1, log_softmax 0
    expect_near_all(softmax(Tensor::from({3, 1}, {4, -2, 7}), 1), {1, 1, 1}, 1e-6);
    expect_near_all(log_softmax(Tensor::from({3, 1}, {4, -2, 7}), 1), {0, 0, 0}, 1e-6);
}

TEST(Softmax, ParallelPathMatchesDoubleReference) {
    // 300 x 200 = 60000 values, enough to split across threads; compare with a direct double computation
    Rng rng(5);
    Tensor x = Tensor::randn({300, 200}, rng, 0, 3);
    Tensor y = softmax(x, 1), ly = log_softmax(x, 1);
    for (int64_t r = 0; r < 300; r += 37) {
        double sum = 0;
        for (int64_t c = 0; c < 200; c++) sum += std::exp(double(x.data()[r * 200 + c]));
        for (int64_t c = 0; c < 200; c++) {
            double p = std::exp(double(x.data()[r * 200 + c])) / sum;
            EXPECT_NEAR(y.data()[r * 200 + c], p, 1e-6);
            EXPECT_NEAR(ly.data()[r * 200 + c], std::log(p), 1e-4);
        }
    }
}

TEST(Softmax, BadDimNamesOpAndShape) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_EQ(error_of([&] { softmax(x, 2); }), "softmax: dim 2 is out of range for a 2-d tensor [2, 3]");
    EXPECT_EQ(error_of([&] { log_softmax(x, -3); }), "log_softmax: dim -3 is out of range for a 2-d tensor [2, 3]");
}

TEST(CrossEntropy, UniformLogitsGiveLnC) {
    // every class has probability 1/C, so every row's loss is -ln(1/C) = ln C, and so is the mean
    Tensor logits = Tensor::full({4, 5}, real(0.7));
    EXPECT_NEAR(cross_entropy(logits, Indices({4}, {0, 4, 2, 2})).item(), std::log(5.0), 1e-6);
    EXPECT_EQ(cross_entropy(logits, Indices({4}, {0, 4, 2, 2})).dim(), 0);
}

TEST(CrossEntropy, HandComputedRows) {
    // both rows have softmax [1/6, 2/6, 3/6]; target 2 costs -ln(3/6) = ln 2, target 0 costs ln 6
    Tensor logits = Tensor::from({2, 3}, {0, real(ln2), real(ln3), 0, real(ln2), real(ln3)});
    EXPECT_NEAR(cross_entropy(logits, Indices({2}, {2, 0})).item(), (ln2 + std::log(6.0)) / 2, 1e-6);
}

TEST(CrossEntropy, ThreeDimLogits) {
    // logits [2, 2, 3], targets [2, 2]; rows are uniform (ln 3 each) except row (1, 1) = [0, ln2, ln3]
    // with target 1: -ln(2/6) = ln 3. So every loss is ln 3.
    Tensor logits = Tensor::zeros({2, 2, 3});
    logits.data()[10] = real(ln2);
    logits.data()[11] = real(ln3);
    EXPECT_NEAR(cross_entropy(logits, Indices({2, 2}, {0, 1, 2, 1})).item(), ln3, 1e-6);
}

TEST(CrossEntropy, IgnoredRowsLeftOutOfTheMean) {
    // row 0 [0, ln2, ln3] target 2 -> ln 2; row 1 would cost 1000 but is ignored; row 2 uniform -> ln 3.
    // The mean is over the two counted rows: (ln 2 + ln 3) / 2 = ln 6 / 2
    Tensor logits = Tensor::from({3, 3}, {0, real(ln2), real(ln3), 1000, 0, 0, 1, 1, 1});
    EXPECT_NEAR(cross_entropy(logits, Indices({3}, {2, -1, 0})).item(), std::log(6.0) / 2, 1e-6);
    // a custom ignore_index: -1 is then an ordinary (bad) target, and 7 is skipped
    EXPECT_NEAR(cross_entropy(logits, Indices({3}, {2, 7, 0}), 7).item(), std::log(6.0) / 2, 1e-6);
}

TEST(CrossEntropy, LargeLogitsStayFinite) {
    // logits [1000, 0]: target 0 costs log(1 + e^-1000) ~ 0; target 1 costs 1000 + log(1 + e^-1000) ~ 1000
    Tensor logits = Tensor::from({2, 2}, {1000, 0, 1000, 0});
    EXPECT_NEAR(cross_entropy(logits, Indices({2}, {0, 0})).item(), 0, 1e-6);
    EXPECT_NEAR(cross_entropy(logits, Indices({2}, {1, 1})).item(), 1000, 1e-3);
}

TEST(CrossEntropy, BackwardIsSoftmaxMinusOneHotOverCount) {
    // row 0 uniform over 4 classes with target 1: softmax [1/4]*4 minus onehot -> [1/4, -3/4, 1/4, 1/4];
    // row 1 is ignored: gradient 0. One counted row, so nothing is divided further. Seeding the
    // backward with 2 (as if loss * 2 followed) doubles everything.
    Tensor logits = Tensor::zeros({2, 4}).requires_grad_();
    Tensor loss = cross_entropy(logits, Indices({2}, {1, -1}));
    loss.backward(Tensor::scalar(2));
    expect_near_all(logits.grad_tensor(), {0.5, -1.5, 0.5, 0.5, 0, 0, 0, 0}, 1e-6);
    // two counted rows: each row's gradient is divided by 2
    Tensor l2 = Tensor::zeros({2, 4}).requires_grad_();
    cross_entropy(l2, Indices({2}, {1, 3})).backward();
    expect_near_all(l2.grad_tensor(), {0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375}, 1e-6);
}

TEST(CrossEntropy, LargeBatchMatchesDoubleReference) {
    // 6000 rows x 7 classes takes the threaded path; compare with a serial computation in double
    Rng rng(9);
    int64_t N = 6000, C = 7;
    Tensor logits = Tensor::randn({N, C}, rng, 0, 2);
    std::vector<int32_t> t(static_cast<size_t>(N));
    for (auto& v : t) v = int32_t(rng.below(uint32_t(C)));
    double total = 0;
    for (int64_t n = 0; n < N; n++) {
        double sum = 0;
        for (int64_t c = 0; c < C; c++) sum += std::exp(double(logits.data()[n * C + c]));
        total += std::log(sum) - double(logits.data()[n * C + t[size_t(n)]]);
    }
    EXPECT_NEAR(cross_entropy(logits, Indices({N}, t)).item(), total / double(N), 1e-5);
}

TEST(CrossEntropy, TargetOutOfRangeNamesValueAndPosition) {
    Tensor logits = Tensor::zeros({2, 3, 5});
    EXPECT_EQ(error_of([&] { cross_entropy(logits, Indices({2, 3}, {0, 1, 2, 3, 4, 5})); }),
              "cross_entropy: target 5 at position [1, 2] is outside [0, 5) for logits of shape [2, 3, 5]");
    EXPECT_EQ(error_of([&] { cross_entropy(logits, Indices({2, 3}, {0, -2, 0, 0, 0, 0})); }),
              "cross_entropy: target -2 at position [0, 1] is outside [0, 5) for logits of shape [2, 3, 5]");
    // with ignore_index -100, the default -1 is no longer ignored
    EXPECT_EQ(error_of([&] { cross_entropy(logits, Indices({2, 3}, {-100, -1, 0, 0, 0, 0}), -100); }),
              "cross_entropy: target -1 at position [0, 1] is outside [0, 5) for logits of shape [2, 3, 5]");
}

TEST(CrossEntropy, AllTargetsIgnoredIsAnError) {
    EXPECT_EQ(error_of([] { cross_entropy(Tensor::zeros({3, 4}), Indices({3}, {-1, -1, -1})); }),
              "cross_entropy: every target is ignore_index (-1), so the mean is over no targets; targets are [3]");
}

TEST(CrossEntropy, ShapeMismatchNamesBothShapes) {
    EXPECT_EQ(error_of([] { cross_entropy(Tensor::zeros({4, 5}), Indices({5}, {0, 0, 0, 0, 0})); }),
              "cross_entropy: targets must have the logits' shape without the last dim: logits are [4, 5], "
              "targets are [5]");
    EXPECT_EQ(error_of([] { cross_entropy(Tensor::zeros({2, 3, 5}), Indices({6}, {0, 0, 0, 0, 0, 0})); }),
              "cross_entropy: targets must have the logits' shape without the last dim: logits are [2, 3, 5], "
              "targets are [6]");
}
