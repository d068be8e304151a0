// Exercise 16.2: packing rows of A into a panel for the micro-kernel. Chapter 16, tutorials/16_making_it_fast.md.
//
// A is row-major with its rows lda values apart (a block of a bigger matrix). Copy its first `rows` rows
// (rows <= 4) and first kc columns into the panel Ap (kc, 4), k-major: Ap[k*4 + i] = A[i*lda + k]. The
// micro-kernel (exercise 16.1) then finds its four A values for each k side by side. The rows past `rows`
// are zeros: a tile at the bottom edge of C can then run the same kernel, and the zero rows add nothing.
// Test it: make exercise EX=16.2. Then compare with pack_a in autograd/gemm.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void pack_a_panel(real* Ap, const real* A, int64_t lda, int64_t rows, int64_t kc) {
    not_done("16.2");   // replace this line with your code
}

}  // namespace gs::ex
