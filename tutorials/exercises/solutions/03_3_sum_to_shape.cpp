// Exercise 03.3: summing a broadcast gradient back to its operand's shape. Chapter 03, tutorials/03_tensors.md.
//
// In y = a + b with b broadcast (b [3] added to every row of a [4, 3]), each element of b is used by
// several elements of y, so its gradient is the sum of theirs. Here src holds dy, with the result's shape
// src_shape, and dst is the operand's gradient, with the operand's shape dst_shape (which broadcasts to
// src_shape). Add into dst:
//   dst[j] += the sum of src over every position of src that read element j
// Which positions read j is what the strides of exercise 03.2 say: you may use the library's
// gs::broadcast_strides (autograd/broadcast.h) or your own.
// Test it: make exercise EX=03.3.
#include <vector>

#include "autograd/broadcast.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void sum_to_shape(real* dst, const Shape& dst_shape, const real* src, const Shape& src_shape) {
    const std::vector<int64_t> strides = gs::broadcast_strides(dst_shape, src_shape);   // 0 along broadcast dims
    const int64_t nd = int64_t(src_shape.size()), n = shape_numel(src_shape);
    std::vector<int64_t> idx(size_t(nd), 0);   // the index of src element k, one entry per dim
    int64_t at = 0;                            // the dst element it read: sum of idx[d] * strides[d]
    for (int64_t k = 0; k < n; k++) {
        dst[at] += src[k];   // +=: every position that read dst[at] adds its term
        for (int64_t d = nd - 1; d >= 0; d--) {   // step idx to element k + 1 like an odometer, moving `at` along
            idx[d]++;
            at += strides[d];
            if (idx[d] < src_shape[d]) break;
            at -= strides[d] * src_shape[d];
            idx[d] = 0;
        }
    }
}

}  // namespace gs::ex
