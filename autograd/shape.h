// Shape ops: change how a tensor's elements are arranged without changing their values.
//   reshape / view / squeeze / unsqueeze   share storage with their input (every tensor is contiguous,
//                                          so a new shape over the same buffer is always valid)
//   transpose / permute / slice / cat / split   copy into a fresh contiguous tensor
// Every op's gradient moves dy back to where each element came from. Not here: broadcasting
// (broadcast.h), reductions (reduce.h), strided views that avoid the copy.
#pragma once
#include <vector>

#include "autograd/tensor.h"

namespace gs {

// reshape(x, {2, -1}): same elements in row-major order, new shape; one dim may be -1 and is inferred.
// The result shares x's storage: writing into one changes the other.
Tensor reshape(const Tensor& x, const Shape& shape);

// An alias of reshape. In PyTorch a view must fit the input's strides; here every tensor is
// contiguous, so any shape with the same number of elements fits.
Tensor view(const Tensor& x, const Shape& shape);

Tensor unsqueeze(const Tensor& x, int64_t dim);   // insert a dim of size 1 at `dim` (-1 = at the end)
Tensor squeeze(const Tensor& x, int64_t dim);     // remove `dim`, which must have size 1

// out dim k is x's dim dims[k]: permute(x, {0, 2, 1, 3}) turns (B, T, nh, hs) into (B, nh, T, hs).
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);   // swap two dims

// x's entries start..end-1 along `dim` (0 <= start <= end <= size)
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);

// Joins tensors along `dim`; every other dim must match.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim);

// Chunks of split_size along `dim`; the last one holds what is left and may be smaller.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim);

// A tensor seen as [outer, size, inner] around one dim, so that one kernel handles every dim:
//   around_dim({2, 3, 4}, 1) == {2, 3, 4};   around_dim({2, 3, 4}, 2) == {6, 4, 1}
// Used by the shape ops and the reductions. `dim` must already be wrapped (wrap_dim in check.h).
struct AroundDim {
    int64_t outer;   // product of the dims before `dim`
    int64_t size;    // shape[dim]
    int64_t inner;   // product of the dims after `dim`
};
AroundDim around_dim(const Shape& shape, int64_t dim);

}  // namespace gs
