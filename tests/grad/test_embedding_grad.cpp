// Finite-difference check (double build) for embedding: repeated indices must add their gradients.
#include <gtest/gtest.h>

#include "autograd/embedding.h"
#include "autograd/gradcheck.h"

using namespace gs;

TEST(EmbeddingGrad, RepeatedIndicesAndUnusedRows) {
    // (B, T) = (2, 3) indices into 5 rows: row 1 is used three times, row 4 never
    Rng rng(51);
    Tensor w = Tensor::randn({5, 3}, rng).requires_grad_();
    Indices idx({2, 3}, {1, 0, 1, 3, 1, 2});
    GradcheckResult r = gradcheck([&idx](const std::vector<Tensor>& in) { return embedding(in[0], idx); }, {w});
    EXPECT_TRUE(r.ok) << r.report;
}
