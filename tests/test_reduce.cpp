// Reductions: forward values against hand-derived ones over every dim, keepdim on and off, 0-d results,
// ties and NaN in max, precision and determinism of sums, and the errors. Gradients by finite
// differences are in grad/test_reduce_grad.cpp.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// [[1 2 3]
//  [4 5 6]]
Tensor m23() { return Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6}); }

}  // namespace

// ---- sum and mean ----

TEST(Reduce, SumOfEverythingIsZeroD) {
    Tensor s = sum(m23());   // 1 + 2 + ... + 6 = 21
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.item(), 21);
    EXPECT_EQ(sum(Tensor::scalar(-4)).item(), -4);
    EXPECT_EQ(sum(Tensor::zeros({2, 0})).item(), 0);   // nothing to add
}

TEST(Reduce, SumAlongADimWithAndWithoutKeepdim) {
    Tensor x = m23();
    EXPECT_EQ(vals(sum(x, 0)), (std::vector<real>{5, 7, 9}));   // column sums: 1+4, 2+5, 3+6
    EXPECT_EQ(sum(x, 0).shape(), (Shape{3}));
    EXPECT_EQ(sum(x, 0, true).shape(), (Shape{1, 3}));
    EXPECT_EQ(vals(sum(x, 1)), (std::vector<real>{6, 15}));     // row sums: 1+2+3, 4+5+6
    EXPECT_EQ(sum(x, 1, true).shape(), (Shape{2, 1}));
    EXPECT_EQ(vals(sum(x, -1)), vals(sum(x, 1)));
    EXPECT_EQ(vals(sum(x, -2, true)), vals(sum(x, 0)));
    EXPECT_EQ(sum(Tensor::from({3}, {1, 2, 3}), 0).dim(), 0);   // a 1-d tensor reduces to 0-d
}

TEST(Reduce, SumMiddleDimOf3d) {
    Tensor x = reshape(Tensor::arange(0, 24), {2, 3, 4});   // x[a][b][c] = 12a + 4b + c
    Tensor y = sum(x, 1);
    // y[a][c] = sum_b (12a + 4b + c) = 36a + 4(0+1+2) + 3c = 36a + 12 + 3c
    ASSERT_EQ(y.shape(), (Shape{2, 4}));
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++) EXPECT_EQ(y.data()[4 * a + c], 36 * a + 12 + 3 * c);
}

TEST(Reduce, SumOverSizeOneAndEmptyDims) {
    Tensor col = Tensor::from({3, 1}, {7, 8, 9});
    EXPECT_EQ(vals(sum(col, 1)), (std::vector<real>{7, 8, 9}));   // one term each
    EXPECT_EQ(sum(col, 1).shape(), (Shape{3}));
    Tensor e = Tensor::zeros({2, 0});
    EXPECT_EQ(vals(sum(e, 1)), (std::vector<real>{0, 0}));   // empty sums are 0
    EXPECT_EQ(sum(e, 0).shape(), (Shape{0}));
}

TEST(Reduce, SumAccumulatesInDouble) {
    // 10^6 copies of 0.1f: exactly 10^6 * 0.100000001490116... = 100000.0015 in double, which rounds
    // to 100000 in float. A float running sum drifts by hundreds (its spacing near 1e5 is 1/128).
    Tensor x = Tensor::full({1000000}, real(0.1));
    EXPECT_EQ(sum(x).item(), real(100000));
    EXPECT_EQ(sum(x, 0).item(), real(100000));
    EXPECT_EQ(mean(x).item(), real(0.1));
}

TEST(Reduce, SumMeanVarMaxDoNotDependOnThreadCount) {
    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    Rng rng(3);
    Tensor x = Tensor::randn({64, 300, 3}, rng);   // 57600 values: the threaded path
    auto run = [&] {
        return std::vector<std::vector<real>>{vals(sum(x, 1)), vals(sum(x, 2)), vals(mean(x, 1)),
                                              vals(var(x, 1)), vals(var(x, -1)), vals(max(x, 2)), vals(sum(x))};
    };
    int before = omp_get_max_threads();
    omp_set_num_threads(1);
    auto one = run();
    omp_set_num_threads(3);   // an uneven split of the 64 outer rows
    auto three = run();
    omp_set_num_threads(before);
    EXPECT_EQ(one, three);   // bitwise
}

TEST(Reduce, MeanValues) {
    Tensor x = m23();
    EXPECT_EQ(mean(x).item(), real(3.5));   // 21 / 6
    EXPECT_EQ(mean(x).dim(), 0);
    EXPECT_EQ(vals(mean(x, 0)), (std::vector<real>{2.5, 3.5, 4.5}));   // (1+4)/2, (2+5)/2, (3+6)/2
    Tensor r = mean(x, -1, true);                                     // 6/3, 15/3
    EXPECT_EQ(r.shape(), (Shape{2, 1}));
    EXPECT_EQ(vals(r), (std::vector<real>{2, 5}));
}

// ---- max and argmax ----

TEST(Reduce, MaxValuesAndShapes) {
    Tensor x = Tensor::from({2, 3}, {1, 5, 3, 7, 2, 7});
    EXPECT_EQ(max(x).item(), 7);
    EXPECT_EQ(max(x).dim(), 0);
    EXPECT_EQ(vals(max(x, 1)), (std::vector<real>{5, 7}));      // row maxima
    EXPECT_EQ(vals(max(x, 0)), (std::vector<real>{7, 5, 7}));   // column maxima
    EXPECT_EQ(max(x, 0, true).shape(), (Shape{1, 3}));
    EXPECT_EQ(max(x, -1, true).shape(), (Shape{2, 1}));
    EXPECT_EQ(max(Tensor::from({3}, {-3, -1, -2})).item(), -1);   // the start value is x's own, not 0
    EXPECT_EQ(vals(max(Tensor::from({2, 1}, {4, -4}), 1)), (std::vector<real>{4, -4}));   // size-1 dim
}

TEST(Reduce, ArgmaxTakesTheFirstOnTies) {
    Tensor x = Tensor::from({2, 3}, {1, 5, 3, 7, 2, 7});
    Indices r = argmax(x, 1);   // row 0: 5 at 1; row 1: 7 at 0 and at 2, the first wins
    EXPECT_EQ(r.shape(), (Shape{2}));
    EXPECT_EQ(r.to_vector(), (std::vector<int32_t>{1, 0}));
    EXPECT_EQ(argmax(x, 0).to_vector(), (std::vector<int32_t>{1, 0, 1}));   // 7 > 1, 5 > 2, 7 > 3
    EXPECT_EQ(argmax(x, -1, true).shape(), (Shape{2, 1}));
    EXPECT_EQ(argmax(Tensor::full({1, 4}, 2), 1).to_vector(), (std::vector<int32_t>{0}));
    // the middle dim of [2, 3, 2]; for each (a, c), which b holds the largest value
    Tensor y = Tensor::from({2, 3, 2}, {0, 9, 5, 1, 2, 3,     // a = 0: c=0 -> b=1 (5), c=1 -> b=0 (9)
                                        4, 4, 4, 8, 6, 4});   // a = 1: c=0 -> b=2 (6), c=1 -> b=1 (8)
    EXPECT_EQ(argmax(y, 1).to_vector(), (std::vector<int32_t>{1, 0, 2, 1}));
    EXPECT_EQ(argmax(y, 1).shape(), (Shape{2, 2}));
}

TEST(Reduce, MaxGradientGoesToTheFirstMaximum) {
    Tensor x = Tensor::from({2, 3}, {1, 5, 5, 7, 2, 7}).requires_grad_();
    max(x, 1).backward(Tensor::from({2}, {10, 20}));
    EXPECT_EQ(vals(x.grad_tensor()), (std::vector<real>{0, 10, 0, 20, 0, 0}));
    Tensor z = Tensor::from({4}, {3, 9, 9, 1}).requires_grad_();
    max(z).backward();
    EXPECT_EQ(vals(z.grad_tensor()), (std::vector<real>{0, 1, 0, 0}));
}

TEST(Reduce, MaxPropagatesNaN) {
    real nan = std::numeric_limits<real>::quiet_NaN();
    Tensor x = Tensor::from({2, 3}, {1, nan, 3, nan, 5, nan});
    std::vector<real> m = vals(max(x, 1));
    EXPECT_TRUE(std::isnan(m[0]) && std::isnan(m[1]));
    EXPECT_EQ(argmax(x, 1).to_vector(), (std::vector<int32_t>{1, 0}));   // the first NaN
    EXPECT_EQ(argmax(x, 0).to_vector(), (std::vector<int32_t>{1, 0, 1}));   // columns (1, NaN), (NaN, 5), (3, NaN)
    EXPECT_TRUE(std::isnan(max(x).item()));
}

// ---- var ----

TEST(Reduce, VarUnbiasedAndBiasedOverEverything) {
    Tensor x = Tensor::from({4}, {1, 2, 3, 4});
    // mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
    EXPECT_FLOAT_EQ(var(x).item(), real(5.0 / 3));    // divided by n - 1 = 3
    EXPECT_FLOAT_EQ(var(x, false).item(), real(1.25));   // divided by n = 4
    EXPECT_EQ(var(x).dim(), 0);
    EXPECT_FLOAT_EQ(var(Tensor::from({2, 2}, {1, 2, 3, 4})).item(), real(5.0 / 3));   // any shape
    EXPECT_EQ(var(x, 0).dim(), 0);   // an int literal means a dim, not `unbiased`
}

TEST(Reduce, VarAlongDims) {
    Tensor x = Tensor::from({2, 2}, {1, 2, 3, 5});
    // columns: (1, 3) has mean 2 and squared deviations 1 + 1 = 2; (2, 5): mean 3.5, 2.25 + 2.25 = 4.5
    EXPECT_EQ(vals(var(x, 0)), (std::vector<real>{2, 4.5}));              // / (2 - 1)
    EXPECT_EQ(vals(var(x, 0, false, false)), (std::vector<real>{1, 2.25}));   // / 2
    // rows: (1, 2) has mean 1.5 and 0.25 + 0.25 = 0.5; (3, 5): mean 4, 1 + 1 = 2
    EXPECT_EQ(vals(var(x, 1)), (std::vector<real>{0.5, 2}));
    Tensor k = var(x, -1, true, false);
    EXPECT_EQ(k.shape(), (Shape{2, 1}));
    EXPECT_EQ(vals(k), (std::vector<real>{0.25, 1}));
}

TEST(Reduce, VarIsStableForALargeMean) {
    // 10001..10004 are exact in float and have the variance of 1..4, 5/3. Computing E[x^2] - E[x]^2
    // in float would subtract two numbers near 1e8, whose float spacing is 8, and lose it entirely.
    Tensor x = Tensor::from({4}, {10001, 10002, 10003, 10004});
    EXPECT_FLOAT_EQ(var(x).item(), real(5.0 / 3));
    EXPECT_FLOAT_EQ(var(reshape(x, {1, 4}), 1).item(), real(5.0 / 3));
}

// ---- 0-d inputs and errors ----

TEST(Reduce, ZeroDInputs) {
    Tensor s = Tensor::scalar(2.5);
    EXPECT_EQ(sum(s).item(), real(2.5));
    EXPECT_EQ(mean(s).item(), real(2.5));
    EXPECT_EQ(max(s).item(), real(2.5));
    EXPECT_EQ(var(s, false).item(), 0);   // one value, no spread
    EXPECT_EQ(error_of([&] { var(s); }), "var: unbiased variance needs at least 2 values, tensor [] has 1");
    EXPECT_EQ(error_of([&] { sum(s, 0); }), "sum: dim 0 is out of range for a 0-d tensor []");
}

TEST(Reduce, DimOutOfRangeNamesOpAndShape) {
    Tensor x = Tensor::zeros({3, 4});
    EXPECT_EQ(error_of([&] { sum(x, 5); }), "sum: dim 5 is out of range for a 2-d tensor [3, 4]");
    EXPECT_EQ(error_of([&] { mean(x, -3); }), "mean: dim -3 is out of range for a 2-d tensor [3, 4]");
    EXPECT_EQ(error_of([&] { max(x, 2); }), "max: dim 2 is out of range for a 2-d tensor [3, 4]");
    EXPECT_EQ(error_of([&] { argmax(x, 2); }), "argmax: dim 2 is out of range for a 2-d tensor [3, 4]");
    EXPECT_EQ(error_of([&] { var(x, 2); }), "var: dim 2 is out of range for a 2-d tensor [3, 4]");
}

TEST(Reduce, EmptyReductionsAreErrorsExceptSum) {
    Tensor e = Tensor::zeros({3, 0});
    EXPECT_EQ(error_of([&] { mean(e, 1); }), "mean: dim 1 of tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { max(e, -1); }), "max: dim -1 of tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { argmax(e, 1); }), "argmax: dim 1 of tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { var(e, 1, false, false); }), "var: dim 1 of tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { mean(e); }), "mean: tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { max(e); }), "max: tensor [3, 0] is empty");
    EXPECT_EQ(error_of([&] { var(Tensor::zeros({3, 1}), 1); }),
              "var: unbiased variance needs at least 2 values, dim 1 of tensor [3, 1] has 1");
    EXPECT_EQ(vals(var(Tensor::ones({3, 1}), 1, false, false)), (std::vector<real>{0, 0, 0}));
    EXPECT_EQ(mean(e, 0).shape(), (Shape{0}));   // dim 0 has 3 entries; there are just no columns
}

TEST(Reduce, SumAndMeanBackwardSpreadTheGradient) {
    Tensor x = Tensor::zeros({2, 3}).requires_grad_();
    mean(x, 0).backward(Tensor::from({3}, {3, 6, 9}));   // each column's dy, halved over its 2 rows
    EXPECT_EQ(vals(x.grad_tensor()), (std::vector<real>{1.5, 3, 4.5, 1.5, 3, 4.5}));
    x.zero_grad();
    sum(x, 1, true).backward(Tensor::from({2, 1}, {2, 5}));   // each row's dy, copied along the row
    EXPECT_EQ(vals(x.grad_tensor()), (std::vector<real>{2, 2, 2, 5, 5, 5}));
}
