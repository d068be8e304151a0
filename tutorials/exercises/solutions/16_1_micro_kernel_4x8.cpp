// Exercise 16.1: a 4 x 8 register-tiled micro-kernel. Chapter 16, tutorials/16_making_it_fast.md.
//
// The innermost piece of a fast matrix product: one 4 x 8 tile of C = A·B from packed operands.
//   a: (kc, 4), the A panel, k-major: a[k*4 + i] = A[i, k]   (exercise 16.2 packs it)
//   b: (kc, 8), the B sliver: b[k*8 + j] = B[k, j]
//   c: the 4 x 8 tile, row i starting at c + i*ldc (ldc >= 8: the tile sits inside a wider C, whose other
//      columns are not yours to touch)
// c[i, j] = sum over k of a[k*4 + i] * b[k*8 + j], written over c, or added to it when `add` is true.
// The speed comes from keeping the 32 sums in local variables (registers) for the whole k loop, so that C is
// read and written once per tile instead of once per k, and from a j loop over 8 contiguous values that the
// compiler can vectorise. The tests check the numbers; time it against matmul_forward (exercise 04.1)
// yourself, the way tutorials/16_making_it_fast.cpp times its kernels.
// Test it: make exercise EX=16.1. Then compare with micro_kernel in autograd/gemm.cpp (6 x 16, or 6 x 8).
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void micro_kernel_4x8(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add) {
    real acc[4][8] = {};   // the tile: 32 running sums that stay in registers for the whole k loop
    for (int64_t k = 0; k < kc; k++, a += 4, b += 8) {   // per k: four values of a, one row of b
        for (int64_t i = 0; i < 4; i++)
            for (int64_t j = 0; j < 8; j++) acc[i][j] += a[i] * b[j];   // b[0..8) is contiguous: one vector op
    }
    for (int64_t i = 0; i < 4; i++, c += ldc)   // C is touched once, at the end
        for (int64_t j = 0; j < 8; j++) c[j] = add ? c[j] + acc[i][j] : acc[i][j];
}

}  // namespace gs::ex
