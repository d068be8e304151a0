// embedding: row lookup, output shapes, the scatter-add backward with repeated indices, thread-count
// independence of that backward, and bad indices. Finite differences: grad/test_embedding_grad.cpp.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include "autograd/embedding.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// weight [4, 2]: row v is [10 v, 10 v + 1]
Tensor table() { return Tensor::from({4, 2}, {0, 1, 10, 11, 20, 21, 30, 31}); }

}  // namespace

TEST(Embedding, LooksUpRows) {
    Tensor y = embedding(table(), Indices({3}, {2, 0, 2}));
    EXPECT_EQ(y.shape(), (Shape{3, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{20, 21, 0, 1, 20, 21}));
}

TEST(Embedding, OutputShapeIsIndexShapePlusC) {
    Tensor y = embedding(table(), Indices({2, 3}, {0, 1, 2, 3, 3, 1}));   // (B, T) -> (B, T, C)
    EXPECT_EQ(y.shape(), (Shape{2, 3, 2}));
    EXPECT_EQ(y.to_vector(), (std::vector<real>{0, 1, 10, 11, 20, 21, 30, 31, 30, 31, 10, 11}));
    Tensor s = embedding(table(), Indices({}, {3}));   // a 0-d index gives one row of shape [C]
    EXPECT_EQ(s.shape(), (Shape{2}));
    EXPECT_EQ(s.to_vector(), (std::vector<real>{30, 31}));
}

TEST(Embedding, BackwardScatterAddsRepeatedRows) {
    // idx [1, 3, 1] with dout rows [1, 2], [3, 4], [5, 6]: row 1 gets [1+5, 2+6], row 3 gets [3, 4],
    // rows 0 and 2 were never used and get 0
    Tensor w = table().requires_grad_();
    embedding(w, Indices({3}, {1, 3, 1})).backward(Tensor::from({3, 2}, {1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(w.grad_tensor().to_vector(), (std::vector<real>{0, 0, 6, 8, 0, 0, 3, 4}));
}

TEST(Embedding, BackwardSameBitsForAnyThreadCount) {
    // 5000 lookups into 10 rows of 130 columns (three column blocks): every row is hit ~500 times.
    // The sums must match bit for bit with 1 thread or 2, and agree with a double reference.
    Rng rng(6);
    int64_t n = 5000, V = 10, C = 130;
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& v : ids) v = int32_t(rng.below(uint32_t(V)));
    Indices idx({n}, ids);
    Tensor dy = Tensor::randn({n, C}, rng);
    auto grad = [&](int threads) {
        int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        Tensor w = Tensor::zeros({V, C}).requires_grad_();
        embedding(w, idx).backward(dy);
        omp_set_num_threads(saved);
        return w.grad_tensor().to_vector();
    };
    std::vector<real> one = grad(1);
    std::vector<double> want(size_t(V * C), 0);
    for (int64_t k = 0; k < n; k++)
        for (int64_t c = 0; c < C; c++) want[size_t(ids[size_t(k)] * C + c)] += dy.data()[k * C + c];
    for (size_t i = 0; i < want.size(); i += 17) EXPECT_NEAR(one[i], want[i], 1e-3);

    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    EXPECT_EQ(one, grad(2));
}

TEST(Embedding, BadIndexNamesValuePositionAndV) {
    EXPECT_EQ(error_of([] { embedding(table(), Indices({2, 2}, {0, 1, 4, 0})); }),
              "embedding: index 4 at position [1, 0] is outside [0, 4) for a weight of shape [4, 2]");
    EXPECT_EQ(error_of([] { embedding(table(), Indices({3}, {0, -1, 2})); }),
              "embedding: index -1 at position [1] is outside [0, 4) for a weight of shape [4, 2]");
}

TEST(Embedding, WeightMustBe2d) {
    EXPECT_EQ(error_of([] { embedding(Tensor::zeros({8}), Indices({1}, {0})); }),
              "embedding: weight must be 2-d (V, C), got [8]");
    EXPECT_EQ(error_of([] { embedding(Tensor::zeros({2, 3, 4}), Indices({1}, {0})); }),
              "embedding: weight must be 2-d (V, C), got [2, 3, 4]");
}
