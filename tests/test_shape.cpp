// Shape ops: forward values against hand-derived ones, which ops share storage and which copy, and
// the errors for bad shapes, permutations, slices and dims. Gradients: grad/test_shape_grad.cpp.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "autograd/shape.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// 0, 1, 2, ... laid out in `shape`, so every value names its own row-major position
Tensor iota(const Shape& shape) { return reshape(Tensor::arange(0, real(shape_numel(shape))), shape); }

}  // namespace

// ---- views ----

TEST(Shape, ReshapeInfersMinusOneAndSharesStorage) {
    Tensor x = Tensor::arange(0, 12);
    Tensor y = reshape(x, {3, -1});   // 12 / 3 = 4
    EXPECT_EQ(y.shape(), (Shape{3, 4}));
    EXPECT_EQ(vals(y), vals(x));
    EXPECT_TRUE(y.shares_storage_with(x));
    y.data()[5] = 100;   // a view: the write shows through x
    EXPECT_EQ(x.data()[5], 100);
    EXPECT_EQ(reshape(x, {-1, 2, 3}).shape(), (Shape{2, 2, 3}));   // 12 / 6 = 2
    EXPECT_EQ(reshape(x, {12}).shape(), (Shape{12}));
}

TEST(Shape, ReshapeToAndFromZeroD) {
    Tensor s = reshape(Tensor::from({1, 1}, {7}), {});
    EXPECT_EQ(s.dim(), 0);
    EXPECT_EQ(s.item(), 7);
    EXPECT_EQ(reshape(s, {-1}).shape(), (Shape{1}));   // the other dims multiply to 1
    EXPECT_EQ(reshape(Tensor::zeros({0, 3}), {3, 0}).shape(), (Shape{3, 0}));
}

TEST(Shape, ViewIsAnAliasOfReshape) {
    Tensor x = Tensor::arange(0, 6);
    Tensor v = view(x, {2, 3});
    EXPECT_EQ(v.shape(), (Shape{2, 3}));
    EXPECT_TRUE(v.shares_storage_with(x));
    EXPECT_EQ(error_of([&] { view(x, {4, -1}); }), "view: cannot reshape tensor [6] (6 elements) into [4, -1]");
}

TEST(Shape, ReshapeErrorsNameTheShapes) {
    Tensor x = Tensor::zeros({3, 4});
    EXPECT_EQ(error_of([&] { reshape(x, {5, 3}); }),
              "reshape: cannot reshape tensor [3, 4] (12 elements) into [5, 3] (15 elements)");
    EXPECT_EQ(error_of([&] { reshape(x, {-1, -1}); }), "reshape: only one dim can be -1, got [-1, -1]");
    EXPECT_EQ(error_of([&] { reshape(x, {5, -1}); }),
              "reshape: cannot reshape tensor [3, 4] (12 elements) into [5, -1]");
    EXPECT_EQ(error_of([&] { reshape(x, {-2, -6}); }), "reshape: invalid size -2 in shape [-2, -6]");
    // [0, -1] leaves the -1 undetermined, even for an empty tensor
    EXPECT_THROW(reshape(Tensor::zeros({0, 3}), {0, -1}), std::invalid_argument);
}

TEST(Shape, UnsqueezeAndSqueezeAreViews) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_EQ(unsqueeze(x, 0).shape(), (Shape{1, 2, 3}));
    EXPECT_EQ(unsqueeze(x, 1).shape(), (Shape{2, 1, 3}));
    EXPECT_EQ(unsqueeze(x, 2).shape(), (Shape{2, 3, 1}));    // after the last dim
    EXPECT_EQ(unsqueeze(x, -1).shape(), (Shape{2, 3, 1}));   // -1 also means after the last dim
    EXPECT_EQ(unsqueeze(x, -3).shape(), (Shape{1, 2, 3}));
    EXPECT_TRUE(unsqueeze(x, 0).shares_storage_with(x));
    Tensor y = Tensor::zeros({2, 1, 3});
    EXPECT_EQ(squeeze(y, 1).shape(), (Shape{2, 3}));
    EXPECT_EQ(squeeze(y, -2).shape(), (Shape{2, 3}));
    EXPECT_TRUE(squeeze(y, 1).shares_storage_with(y));
    EXPECT_EQ(squeeze(Tensor::zeros({1}), 0).dim(), 0);
}

TEST(Shape, SqueezeAndUnsqueezeErrors) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_EQ(error_of([&] { squeeze(x, 1); }), "squeeze: dim 1 of tensor [2, 3] has size 3, not 1");
    EXPECT_EQ(error_of([&] { squeeze(x, 2); }), "squeeze: dim 2 is out of range for a 2-d tensor [2, 3]");
    EXPECT_EQ(error_of([&] { unsqueeze(x, 3); }),
              "unsqueeze: dim 3 is out of range for a 2-d tensor [2, 3] (a new dim goes at -3..2)");
    EXPECT_THROW(unsqueeze(x, -4), std::invalid_argument);
}

// ---- transpose and permute ----

TEST(Shape, TransposeMatrix) {
    Tensor x = Tensor::from({2, 3}, {0, 1, 2, 3, 4, 5});
    // y[j][i] = x[i][j]: the columns of x become rows
    std::vector<real> expected = {0, 3, 1, 4, 2, 5};
    Tensor y = transpose(x, 0, 1);
    EXPECT_EQ(y.shape(), (Shape{3, 2}));
    EXPECT_EQ(vals(y), expected);
    EXPECT_EQ(vals(transpose(x, -1, -2)), expected);
    EXPECT_FALSE(y.shares_storage_with(x));   // a copy
    EXPECT_EQ(vals(transpose(x, 1, 1)), vals(x));
}

TEST(Shape, TransposeOuterDimsOf3d) {
    Tensor x = iota({2, 3, 4});   // x[a][b][c] = 12a + 4b + c
    Tensor y = transpose(x, 0, 2);
    EXPECT_EQ(y.shape(), (Shape{4, 3, 2}));
    // y[c][b][a] = x[a][b][c]; y is laid out as (c, b, a) so its flat index is 6c + 2b + a
    for (int c = 0; c < 4; c++)
        for (int b = 0; b < 3; b++)
            for (int a = 0; a < 2; a++) EXPECT_EQ(y.data()[6 * c + 2 * b + a], 12 * a + 4 * b + c);
}

TEST(Shape, PermuteReordersDims) {
    Tensor x = iota({2, 3, 4});   // x[a][b][c] = 12a + 4b + c
    Tensor y = permute(x, {1, 2, 0});
    EXPECT_EQ(y.shape(), (Shape{3, 4, 2}));
    // y[b][c][a] = x[a][b][c], flat index 8b + 2c + a
    for (int b = 0; b < 3; b++)
        for (int c = 0; c < 4; c++)
            for (int a = 0; a < 2; a++) EXPECT_EQ(y.data()[8 * b + 2 * c + a], 12 * a + 4 * b + c);
    EXPECT_EQ(vals(permute(x, {-2, -1, -3})), vals(y));   // negative dims name the same permutation
    EXPECT_EQ(vals(permute(x, {0, 1, 2})), vals(x));
    EXPECT_EQ(permute(Tensor::scalar(3), {}).item(), 3);
    EXPECT_EQ(permute(Tensor::zeros({2, 0, 3}), {2, 0, 1}).shape(), (Shape{3, 2, 0}));
}

TEST(Shape, PermuteLargeRoundTripsThroughTheParallelPath) {
    Shape s = {4, 8, 16, 64};   // 32768 elements: large enough for the threaded loop
    Tensor x = iota(s);         // x[a][b][c][d] = 8192a + 1024b + 64c + d
    Tensor y = permute(x, {0, 2, 1, 3});   // like (B, T, nh, hs) -> (B, nh, T, hs)
    EXPECT_EQ(y.shape(), (Shape{4, 16, 8, 64}));
    // y[a][c][b][d] = x[a][b][c][d], flat index 8192a + 512c + 64b + d
    bool all = true;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 8; b++)
            for (int c = 0; c < 16; c++)
                for (int d = 0; d < 64; d++)
                    all = all && y.data()[8192 * a + 512 * c + 64 * b + d] == real(8192 * a + 1024 * b + 64 * c + d);
    EXPECT_TRUE(all);
    EXPECT_EQ(vals(permute(y, {0, 2, 1, 3})), vals(x));   // this permutation is its own inverse
}

TEST(Shape, BadPermutationsAreRejected) {
    Tensor x = Tensor::zeros({2, 3, 4});
    EXPECT_EQ(error_of([&] { permute(x, {0, 0, 1}); }),
              "permute: dims [0, 0, 1] are not a permutation of the 3 dims of tensor [2, 3, 4] (each of 0..2 exactly once)");
    EXPECT_EQ(error_of([&] { permute(x, {0, 1}); }),
              "permute: dims [0, 1] are not a permutation of the 3 dims of tensor [2, 3, 4] (each of 0..2 exactly once)");
    EXPECT_THROW(permute(x, {0, 1, 3}), std::invalid_argument);
    EXPECT_THROW(permute(x, {0, 2, -1}), std::invalid_argument);   // -1 is dim 2 again
    EXPECT_EQ(error_of([&] { transpose(x, 0, 3); }), "transpose: dim 3 is out of range for a 3-d tensor [2, 3, 4]");
}

// ---- slice, cat, split ----

TEST(Shape, SliceAlongEachDim) {
    Tensor x = iota({3, 4});   // rows [0 1 2 3], [4 5 6 7], [8 9 10 11]
    Tensor cols = slice(x, 1, 1, 3);   // columns 1 and 2 of every row
    EXPECT_EQ(cols.shape(), (Shape{3, 2}));
    EXPECT_EQ(vals(cols), (std::vector<real>{1, 2, 5, 6, 9, 10}));
    EXPECT_EQ(vals(slice(x, -2, 2, 3)), (std::vector<real>{8, 9, 10, 11}));   // dim -2 is dim 0: the last row
    EXPECT_EQ(vals(slice(x, 0, 0, 3)), vals(x));
    EXPECT_EQ(slice(x, 1, 2, 2).shape(), (Shape{3, 0}));   // start == end: empty
    EXPECT_FALSE(cols.shares_storage_with(x));
    // the middle dim of a 3-d tensor: x3[a][b][c] = 6a + 2b + c; keep b = 1..2
    EXPECT_EQ(vals(slice(iota({2, 3, 2}), 1, 1, 3)), (std::vector<real>{2, 3, 4, 5, 8, 9, 10, 11}));
}

TEST(Shape, SliceOutOfRangeNamesTheValues) {
    Tensor x = Tensor::zeros({3, 4});
    EXPECT_EQ(error_of([&] { slice(x, 1, 3, 2); }),
              "slice: start 3 and end 2 do not fit dim 1 of tensor [3, 4] (need 0 <= start <= end <= 4)");
    EXPECT_EQ(error_of([&] { slice(x, -1, 0, 5); }),
              "slice: start 0 and end 5 do not fit dim -1 of tensor [3, 4] (need 0 <= start <= end <= 4)");
    EXPECT_THROW(slice(x, 0, -1, 2), std::invalid_argument);
    EXPECT_EQ(error_of([&] { slice(x, 2, 0, 1); }), "slice: dim 2 is out of range for a 2-d tensor [3, 4]");
}

TEST(Shape, CatAlongEachDim) {
    Tensor a = Tensor::from({2, 2}, {1, 2, 3, 4});
    Tensor b = Tensor::from({1, 2}, {5, 6});
    Tensor c = Tensor::from({2, 1}, {7, 8});
    Tensor rows = cat({a, b}, 0);   // b's row goes under a's two
    EXPECT_EQ(rows.shape(), (Shape{3, 2}));
    EXPECT_EQ(vals(rows), (std::vector<real>{1, 2, 3, 4, 5, 6}));
    Tensor cols = cat({a, c}, -1);   // c's column goes right of a's two
    EXPECT_EQ(cols.shape(), (Shape{2, 3}));
    EXPECT_EQ(vals(cols), (std::vector<real>{1, 2, 7, 3, 4, 8}));
    EXPECT_EQ(vals(cat({a}, 1)), vals(a));
    EXPECT_EQ(cat({a, Tensor::zeros({2, 0}), c}, 1).shape(), (Shape{2, 3}));   // an empty piece adds nothing
    // the middle dim of 3-d pieces: for each outer index, p's one row, then q's two
    Tensor p = iota({2, 1, 2});   // [[[0 1]], [[2 3]]]
    Tensor q = Tensor::full({2, 2, 2}, -1);
    EXPECT_EQ(vals(cat({p, q}, 1)), (std::vector<real>{0, 1, -1, -1, -1, -1, 2, 3, -1, -1, -1, -1}));
}

TEST(Shape, CatRejectsMismatchedShapes) {
    Tensor a = Tensor::zeros({2, 2});
    EXPECT_EQ(error_of([&] { cat({a, Tensor::zeros({2, 3})}, 0); }),
              "cat: tensor 1 has shape [2, 3] but tensor 0 has shape [2, 2]; they may differ only in dim 0");
    EXPECT_EQ(error_of([&] { cat({a, Tensor::zeros({2, 2, 1})}, 1); }),
              "cat: tensor 1 has shape [2, 2, 1] but tensor 0 has shape [2, 2]; they may differ only in dim 1");
    EXPECT_EQ(error_of([&] { cat({}, 0); }), "cat: needs at least one tensor");
    EXPECT_EQ(error_of([&] { cat({a, a}, 2); }), "cat: dim 2 is out of range for a 2-d tensor [2, 2]");
}

TEST(Shape, SplitLastChunkMayBeSmaller) {
    std::vector<Tensor> parts = split(Tensor::arange(0, 5), 2, 0);   // [0 1] [2 3] [4]
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(vals(parts[0]), (std::vector<real>{0, 1}));
    EXPECT_EQ(vals(parts[1]), (std::vector<real>{2, 3}));
    EXPECT_EQ(vals(parts[2]), (std::vector<real>{4}));
    // along the last dim of a matrix: columns {0, 1, 2} and {3}
    std::vector<Tensor> cols = split(iota({2, 4}), 3, -1);
    ASSERT_EQ(cols.size(), 2u);
    EXPECT_EQ(vals(cols[0]), (std::vector<real>{0, 1, 2, 4, 5, 6}));
    EXPECT_EQ(vals(cols[1]), (std::vector<real>{3, 7}));
    EXPECT_EQ(split(iota({2, 4}), 10, 1).size(), 1u);   // bigger than the dim: one chunk
    EXPECT_EQ(split(Tensor::zeros({0, 3}), 2, 0).size(), 1u);   // an empty dim: one empty chunk
    Tensor x = iota({3, 7, 2});
    EXPECT_EQ(vals(cat(split(x, 3, 1), 1)), vals(x));   // chunks of 3, 3, 1 join back into x
}

TEST(Shape, SplitErrors) {
    Tensor x = Tensor::zeros({2, 4});
    EXPECT_EQ(error_of([&] { split(x, 0, 1); }), "split: split_size must be positive, got 0 for tensor [2, 4]");
    EXPECT_THROW(split(x, -2, 1), std::invalid_argument);
    EXPECT_EQ(error_of([&] { split(x, 2, -3); }), "split: dim -3 is out of range for a 2-d tensor [2, 4]");
}

// ---- graph recording ----

TEST(Shape, OpsRecordAGraphOnlyWhenNeeded) {
    Tensor x = Tensor::zeros({2, 3}).requires_grad_();
    EXPECT_TRUE(reshape(x, {6}).requires_grad());
    EXPECT_TRUE(transpose(x, 0, 1).requires_grad());
    EXPECT_TRUE(cat({Tensor::zeros({1, 3}), x}, 0).requires_grad());
    EXPECT_FALSE(slice(Tensor::zeros({2, 3}), 0, 0, 1).requires_grad());
    NoGradGuard no_grad;
    EXPECT_FALSE(reshape(x, {6}).requires_grad());
    EXPECT_FALSE(permute(x, {1, 0}).requires_grad());
}

TEST(Shape, ReshapeBackwardAddsFlat) {
    Tensor x = Tensor::zeros({2, 3}).requires_grad_();
    Tensor y = reshape(x, {3, 2});
    y.backward(Tensor::from({3, 2}, {1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(vals(x.grad_tensor()), (std::vector<real>{1, 2, 3, 4, 5, 6}));   // same row-major order
}
