// NumPy broadcasting for binary ops: shapes are aligned at the right; a dim of size 1 (or a missing
// leading dim) stretches to match the other. broadcast_shape() computes the result's shape;
// for_each_row() walks the result one innermost row at a time, handing each operand's offset and
// its innermost stride (1, or 0 where that operand is broadcast along the last dim).
//
// The backward of a broadcast op walks the same rows and *adds* into the smaller operand's grad,
// which is the sum over the broadcast dims: an input used n times receives n gradient terms.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/check.h"

namespace gs {

// broadcast_shape({4, 1, 3}, {2, 1}) == {4, 2, 3}; throws naming the op and both shapes if they clash
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op);

// Strides (in elements) that read `in` as if it had shape `out`: 0 along every broadcast dim.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// fn(out_offset, a_offset, b_offset, n, a_step, b_step) for every innermost row of `out`.
template <typename Fn>
void for_each_row(const Shape& out, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, Fn fn) {
    int64_t nd = int64_t(out.size());
    if (nd == 0) { fn(0, 0, 0, 1, 0, 0); return; }
    int64_t n = out[size_t(nd - 1)];
    int64_t rows = n == 0 ? 0 : shape_numel(out) / n;
    std::vector<int64_t> idx(size_t(nd), 0);   // index of the current row, last entry unused
    int64_t oa = 0, ob = 0;
    for (int64_t r = 0; r < rows; r++) {
        fn(r * n, oa, ob, n, sa[size_t(nd - 1)], sb[size_t(nd - 1)]);
        for (int64_t d = nd - 2; d >= 0; d--) {   // odometer step over the outer dims
            size_t k = size_t(d);
            idx[k]++;
            oa += sa[k];
            ob += sb[k];
            if (idx[k] < out[k]) break;
            oa -= sa[k] * out[k];
            ob -= sb[k] * out[k];
            idx[k] = 0;
        }
    }
}

}  // namespace gs
