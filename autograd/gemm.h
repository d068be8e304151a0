// Matrix multiply kernels on raw row-major buffers: the naive reference and the fast blocked one.
//   C[M,N] = op(A)[M,K] · op(B)[K,N]      (or += with accumulate)
// op(A) = A, stored [M,K], or with trans_a = Aᵀ where A is stored [K,M]; likewise B is stored [K,N],
// or [N,K] with trans_b. lda/ldb/ldc are the row lengths as stored (>= the used width), so a kernel
// can work on a block of a larger matrix. No transpose is ever materialised: packing reads either layout.
// Not here: tensors, shapes and autograd (matmul.h).
//
// Reading order, from the contract down to the threads:
//   1. this file                  what gemm computes, and its one promise: the same bits on any thread count
//   2. gemm.cpp, top              gemm_naive: three loops, the reference every fast path is tested against
//   3. gemm_blocked.h             the cache-block sizes (KC, MC, NC) and how the pieces below fit together
//   4. gemm.cpp, the rest         the Goto/BLIS layers on one thread: packing A and B into panels, the
//                                 macro-kernel over one block, gemm_serial's three loops around it
//   5. gemm_kernels.h             the micro-kernels that hold an MR x NR tile of C in registers
//                                 (AVX2 + FMA, NEON, portable), where the time goes
//   6. gemm_threads.cpp           sharing a product between threads (by row blocks, by columns, few-row
//                                 products without packing, batches) and gemm() itself, which picks the path
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/real.h"

namespace gs {

// Three loops, one dot product per C element, accumulated left to right in k. The reference the
// fast kernel is tested against; slow (strided reads), never used by the ops.
void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                const real* A, int64_t lda,    // (M, K), or (K, M) if trans_a
                const real* B, int64_t ldb,    // (K, N), or (N, K) if trans_b
                real* C, int64_t ldc,          // (M, N)
                bool accumulate);

// Same contract, cache-blocked and packed, with the micro-kernel the compiler's target allows (AVX2 + FMA
// or NEON in the float build, portable loops otherwise), split across OpenMP threads by blocks of C
// (never over K). Each C element is summed by one thread in an order that depends only on K, so the
// result is bitwise identical for any thread count. Defined in gemm_threads.cpp.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
          const real* A, int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate);

// Where one product of a batch starts inside A, B and C (in elements).
struct GemmOffsets {
    int64_t a, b, c;
};

// A batch of same-sized products: C+c (=/+=) op(A+a) · op(B+b) for every entry of `items`.
// Entries may share a C (a gradient summed over broadcast batch dims): those are added up by one
// thread in list order, the first one honouring `accumulate`, the rest adding. Entries with
// different C offsets must not overlap.
void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                  const real* A, int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc,
                  bool accumulate, const std::vector<GemmOffsets>& items);

}  // namespace gs
