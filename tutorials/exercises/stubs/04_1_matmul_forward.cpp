// Exercise 04.1: the matrix product. Chapter 04, tutorials/04_backprop_through_ops.md.
//
//   C (M, N) = A (M, K) · B (K, N):      C[i, j] = sum over k of A[i, k] * B[k, j]
// All three are row-major: A[i, k] sits at A[i * K + k], B[k, j] at B[k * N + j], C[i, j] at C[i * N + j].
// Overwrite C: whatever it held before does not count. Three loops are enough; chapter 16 makes it fast.
// Test it: make exercise EX=04.1. Then compare with gemm_naive in autograd/gemm.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void matmul_forward(real* C, const real* A, const real* B, int64_t M, int64_t K, int64_t N) {
    not_done("04.1");   // replace this line with your code
}

}  // namespace gs::ex
