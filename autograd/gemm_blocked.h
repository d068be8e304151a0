// The blocked GEMM's inside, shared by its two source files (gemm.h is the interface; this is not):
// the cache-block sizes, the serial layers that gemm.cpp defines (packing, the macro-kernel, the loops
// on one thread) and the threaded paths that gemm_threads.cpp builds from them. The paths are declared
// here too so that bench/bench_gemm.cpp can time each one alone against the path that would run instead.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/gemm_kernels.h"   // the register tile MR x NR and the micro-kernels

namespace gs::gemm_detail {

// ---- cache blocks, for a core with 32-48 KB of L1d and 0.5-2 MB of L2 ----
// KC: the depth of one pass. A B sliver (KC x NR floats = 12-16 KB) stays in L1 while the micro-kernel
//     runs down every A panel of the block, with room left for the streaming A panel and C.
// MC: rows of A packed at once; MC x KC = 144 KB sits in L2 and is reused for every B sliver.
// NC: columns of B packed at once; KC x NC = 4 MB at most, in L3 (a GPT's B is usually far smaller).
constexpr int64_t KC = 256;
constexpr int64_t MC = 144;
constexpr int64_t NC = 4096 / NR * NR;
static_assert(MC % MR == 0 && NC % NR == 0, "blocks are whole tiles");

// Up to this many multiply-adds (M*N*K) packing costs more than it saves, and a plain loop does it.
constexpr int64_t kSmallGemm = 6 * 6 * 6;
// Below this many multiply-adds, waking a second thread costs more than it saves.
constexpr int64_t kParallelGemm = 64 * 64 * 64;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits n into ceil(n / max_block) near-equal blocks, rounded up to a multiple of `unit`:
// 768 rows in blocks of at most 144 -> 6 blocks of 128 rather than 5 of 144 and one of 48.
inline int64_t even_block(int64_t n, int64_t max_block, int64_t unit) {
    int64_t blocks = ceil_div(n, max_block);
    return ceil_div(ceil_div(n, blocks), unit) * unit;
}

// ---- gemm.cpp: the layers on one thread ----

// The calling thread's 64-byte-aligned packing buffer, at least n values. It only ever grows, so
// steady-state calls never touch the heap. Take it before any team starts: a failed allocation then
// throws in the caller, not inside a parallel region.
real* pack_scratch(int64_t n);

// op(A)[i0:i0+mc, k0:k0+kc] as MR-row panels, each stored k-major (kc, MR); rows past M are zeros.
void pack_a(real* Ap, const real* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc, int64_t k0, int64_t kc);
// Columns j0 .. j0+cols (cols <= NR) of op(B)[k0:k0+kc, :] as one sliver (kc, NR); columns past N are zeros.
void pack_b_sliver(real* Bp, const real* B, int64_t ldb, bool trans_b, int64_t k0, int64_t kc, int64_t j0,
                   int64_t cols);
// C[0:mc, 0:nc] (=, or += if add) packed A block (mc, kc) times packed B panel (kc, nc).
void macro_kernel(const real* Ap, const real* Bp, int64_t mc, int64_t nc, int64_t kc, real* C, int64_t ldc,
                  bool add);

// Products of at most kSmallGemm multiply-adds: a plain i-k-j loop, no packing.
void gemm_small(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate);
// The whole blocked algorithm on one thread, packing into Bp (kc, min(N, NC)) and Ap (min(M, MC), kc).
void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                 const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, real* Bp, real* Ap);

// ---- gemm_threads.cpp: sharing one product, or a batch, between threads ----

// Fewer than MR rows from row-major A: no packing; threads (if may_thread) split C's columns.
void gemm_rows(bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda, const real* B,
               int64_t ldb, real* C, int64_t ldc, bool accumulate, bool may_thread);
// `threads` threads share C's row blocks; each packs all of op(B). For N <= M.
void gemm_team(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
               const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, int threads);
// `threads` threads each take a block of C's columns and run gemm_serial on it. For N > M, and for 1 thread.
void gemm_columns(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                  const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, int threads);

// The two ways to run a batch (gemm_batched picks one): one thread per output matrix, each product on
// that thread alone; or the products one after another, each split across the team as gemm() splits it.
// `items` holds the batch's entries grouped by output: group g is order[starts[g] .. starts[g+1]).
struct BatchGroups {
    std::vector<size_t> order, starts;
};
BatchGroups group_by_output(const std::vector<GemmOffsets>& items);
void gemm_batched_per_thread(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A,
                             int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                             const std::vector<GemmOffsets>& items, const BatchGroups& groups);
void gemm_batched_in_turn(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A,
                          int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                          const std::vector<GemmOffsets>& items, const BatchGroups& groups);

}  // namespace gs::gemm_detail
