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
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) {
            real sum = 0;   // one dot product per element: row i of A with column j of B
            for (int64_t k = 0; k < K; k++) sum += A[i * K + k] * B[k * N + j];
            C[i * N + j] = sum;
        }
    }
}

}  // namespace gs::ex
