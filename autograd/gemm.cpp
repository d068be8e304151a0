// Matrix multiply on one thread: the naive reference, then the fast kernel's layers (gemm.h gives the
// contract and the reading order). The fast kernel is the Goto/BLIS layering: C is cut into blocks,
// the pieces of A and B a block needs are copied ("packed") into small contiguous panels in exactly
// the order the micro-kernel (gemm_kernels.h) reads them, and the micro-kernel keeps an MR x NR tile of
// C in registers while it walks K. Sharing the work between threads is gemm_threads.cpp's job.
#include "autograd/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "autograd/gemm_blocked.h"

namespace gs {

// ---- the reference ----

void gemm_naive(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate) {
    for (int64_t i = 0; i < M; i++) {
        for (int64_t j = 0; j < N; j++) {
            real sum = 0;
            for (int64_t k = 0; k < K; k++) {
                real a = trans_a ? A[k * lda + i] : A[i * lda + k];
                real b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
                sum += a * b;
            }
            C[i * ldc + j] = accumulate ? C[i * ldc + j] + sum : sum;
        }
    }
}

namespace gemm_detail {

// ---- the packing buffer ----

namespace {

// A 64-byte-aligned scratch buffer that only ever grows.
struct PackBuffer {
    real* p = nullptr;
    int64_t cap = 0;
    real* get(int64_t n) {
        if (n > cap) {
            std::free(p);
            p = nullptr;
            cap = 0;
            size_t bytes = (size_t(n) * sizeof(real) + 63) / 64 * 64;
            p = static_cast<real*>(std::aligned_alloc(64, bytes));
            if (!p) throw std::bad_alloc();
            cap = n;
        }
        return p;
    }
    ~PackBuffer() { std::free(p); }
};
thread_local PackBuffer t_pack;   // one per calling thread: a packed B panel and a packed A block per team thread

}  // namespace

real* pack_scratch(int64_t n) { return t_pack.get(n); }

// ---- packing ----
// Both packers write their panel front to back (k outer) and read the source through two strides,
// so one loop serves either layout: element (r, k) of the panel sits at src[r * s_r + k * s_k].

#ifdef GS_GEMM_AVX2
// Transposing 8 k-values of up to 8 rows at a time is what packing A (stored (M, K)) and Bᵀ (stored
// (N, K)) comes down to. One element at a time, it is a strided gather that costs a visible share of a
// small product; in registers it is 8 row loads, 24 shuffles and 8 column stores.
// On return r[j] holds column j: r_in[0][j] .. r_in[7][j].
namespace {
void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {   // interleave row pairs: (0,1), (2,3), (4,5), (6,7)
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {   // gather 4-row columns inside each 128-bit half
        u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int j = 0; j < 4; j++) {   // join the halves: rows 0-3 with rows 4-7
        r[j] = _mm256_permute2f128_ps(u[j], u[j + 4], 0x20);
        r[j + 4] = _mm256_permute2f128_ps(u[j], u[j + 4], 0x31);
    }
}
}  // namespace
#endif

// op(A)[i0:i0+mc, k0:k0+kc] as MR-row panels stored k-major, Ap[panel][k][i], so the micro-kernel
// reads the MR values of one k from consecutive addresses. Rows past M are zeros.
void pack_a(real* Ap, const real* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc, int64_t k0, int64_t kc) {
    int64_t s_i = trans_a ? 1 : lda, s_k = trans_a ? lda : 1;   // A stored (K, M) or (M, K)
    for (int64_t p = 0; p < mc; p += MR, Ap += MR * kc) {
        const real* src = A + (i0 + p) * s_i + k0 * s_k;
        int64_t rows = std::min(MR, mc - p);
        int64_t k = 0;
#ifdef GS_GEMM_AVX2
        if (rows == MR && !trans_a) {   // six rows, eight k at a time, through transpose8
            static_assert(MR == 6, "the AVX2 panel stores below are written for 6 rows");
            for (; k + 8 <= kc; k += 8) {
                __m256 r[8];
                for (int i = 0; i < MR; i++) r[i] = _mm256_loadu_ps(src + i * lda + k);
                r[6] = r[7] = _mm256_setzero_ps();
                transpose8(r);
                real* dst = Ap + k * MR;
                // column j is 6 values, but a store writes 8: each store's last two land on the next
                // column's first two, which the next store then overwrites; the last one writes 4 + 2
                for (int j = 0; j < 7; j++) _mm256_storeu_ps(dst + j * MR, r[j]);
                _mm_storeu_ps(dst + 7 * MR, _mm256_castps256_ps128(r[7]));
                _mm_storel_pi(reinterpret_cast<__m64*>(dst + 7 * MR + 4), _mm256_extractf128_ps(r[7], 1));
            }
        }
#endif
        if (rows == MR && trans_a) {   // A stored (K, M): each k is MR consecutive values, a short copy
            for (; k < kc; k++) std::memcpy(Ap + k * MR, src + k * lda, MR * sizeof(real));
        } else if (rows == MR) {   // the common case, with a fixed trip count the compiler unrolls
            for (; k < kc; k++)
                for (int64_t i = 0; i < MR; i++) Ap[k * MR + i] = src[i * s_i + k * s_k];
        } else {
            for (; k < kc; k++)
                for (int64_t i = 0; i < MR; i++) Ap[k * MR + i] = i < rows ? src[i * s_i + k * s_k] : real(0);
        }
    }
}

// Columns j0 .. j0+cols (cols <= NR) of op(B)[k0:k0+kc, :] as one sliver stored Bp[k][j]; columns
// past N are zeros.
void pack_b_sliver(real* Bp, const real* B, int64_t ldb, bool trans_b, int64_t k0, int64_t kc, int64_t j0, int64_t cols) {
    if (cols == NR && !trans_b) {   // B stored (K, N): each k is NR consecutive values, a vector copy
        for (int64_t k = 0; k < kc; k++) std::memcpy(Bp + k * NR, B + (k0 + k) * ldb + j0, NR * sizeof(real));
        return;
    }
    int64_t s_j = trans_b ? ldb : 1, s_k = trans_b ? 1 : ldb;   // B stored (N, K) or (K, N)
    const real* src = B + j0 * s_j + k0 * s_k;
    int64_t k = 0;
#ifdef GS_GEMM_AVX2
    if (cols == NR && trans_b) {   // B stored (N, K): sixteen rows of B, eight k at a time
        static_assert(NR == 16, "two 8 x 8 transposes per sliver");
        for (; k + 8 <= kc; k += 8) {
            for (int half = 0; half < 2; half++) {
                __m256 r[8];
                for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(src + (8 * half + j) * ldb + k);
                transpose8(r);
                for (int kk = 0; kk < 8; kk++) _mm256_storeu_ps(Bp + (k + kk) * NR + 8 * half, r[kk]);
            }
        }
    }
#endif
    for (; k < kc; k++)
        for (int64_t j = 0; j < NR; j++) Bp[k * NR + j] = j < cols ? src[j * s_j + k * s_k] : real(0);
}

// ---- the macro-kernel ----

void macro_kernel(const real* Ap, const real* Bp, int64_t mc, int64_t nc, int64_t kc, real* C, int64_t ldc, bool add) {
    alignas(64) real tile[MR * NR];
    for (int64_t j = 0; j < nc; j += NR) {
        int64_t cols = std::min(NR, nc - j);
        for (int64_t i = 0; i < mc; i += MR) {
            int64_t rows = std::min(MR, mc - i);
            real* c = C + i * ldc + j;
            if (rows == MR && cols == NR) {
                micro_kernel(kc, Ap + i * kc, Bp + j * kc, c, ldc, add);
                continue;
            }
            if (cols <= NR_NARROW)
                micro_kernel_narrow(kc, Ap + i * kc, Bp + j * kc, tile, NR, false);
            else
                micro_kernel(kc, Ap + i * kc, Bp + j * kc, tile, NR, false);
            for (int64_t r = 0; r < rows; r++)
                for (int64_t q = 0; q < cols; q++)
                    c[r * ldc + q] = add ? c[r * ldc + q] + tile[r * NR + q] : tile[r * NR + q];
        }
    }
}

// ---- the loops on one thread ----

// For small products: one row of C at a time, i-k-j order so the inner loop runs along a row.
void gemm_small(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate) {
    for (int64_t i = 0; i < M; i++) {
        real* c = C + i * ldc;
        if (!accumulate) std::fill(c, c + N, real(0));
        for (int64_t k = 0; k < K; k++) {
            real a = trans_a ? A[k * lda + i] : A[i * lda + k];
            if (trans_b) {
                for (int64_t j = 0; j < N; j++) c[j] = kernel_madd(c[j], a, B[j * ldb + k]);
            } else {
                const real* b = B + k * ldb;
                for (int64_t j = 0; j < N; j++) c[j] = kernel_madd(c[j], a, b[j]);
            }
        }
    }
}

// The Goto loops on one thread: columns of B by NC, depth by kc, rows of A by MC. Bp holds (kc, NC)
// of packed B, Ap (MC, kc) of packed A. kc depends on K alone, so the partial sums of a C element are
// added in the same places however C was cut up between threads.
void gemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                 const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, real* Bp, real* Ap) {
    int64_t kc_max = even_block(K, KC, 1), mc_max = even_block(M, MC, MR);
    for (int64_t jc = 0; jc < N; jc += NC) {
        int64_t nc = std::min(NC, N - jc);
        for (int64_t pc = 0; pc < K; pc += kc_max) {
            int64_t kc = std::min(kc_max, K - pc);
            for (int64_t j = 0; j < nc; j += NR)
                pack_b_sliver(Bp + j * kc, B, ldb, trans_b, pc, kc, jc + j, std::min(NR, nc - j));
            for (int64_t ic = 0; ic < M; ic += mc_max) {
                int64_t mc = std::min(mc_max, M - ic);
                pack_a(Ap, A, lda, trans_a, ic, mc, pc, kc);
                macro_kernel(Ap, Bp, mc, nc, kc, C + ic * ldc + jc, ldc, accumulate || pc > 0);
            }
        }
    }
}

}  // namespace gemm_detail

}  // namespace gs
