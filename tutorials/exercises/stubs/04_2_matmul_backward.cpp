// Exercise 04.2: the backward of the matrix product. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// C (M, N) = A (M, K) · B (K, N) as in exercise 04.1 (row-major), and dC = dL/dC (M, N). Add dL/dA into
// dA (M, K) and dL/dB into dB (K, N). Add, do not overwrite: A or B may be used elsewhere too, and those
// uses have their own terms in the same buffers.
// How to find it: write C[i, j] as its sum, see which terms contain A[i, k] (and B[k, j]), and apply the
// chain rule over every C[i, j] they appear in. Each result is again a matrix product, with one operand
// transposed.
// Test it: make exercise EX=04.2. Then compare with matmul's backward in autograd/matmul.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void matmul_backward(real* dA, real* dB, const real* dC, const real* A, const real* B, int64_t M, int64_t K,
                     int64_t N) {
    not_done("04.2");   // replace this line with your code
}

}  // namespace gs::ex
