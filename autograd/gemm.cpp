// Matrix multiply: the naive reference kernel and the fast one (see gemm.h for the contract).
// The fast kernel is the classic Goto/BLIS layering: C is cut into blocks, the pieces of A and B a
// block needs are copied ("packed") into small contiguous panels in exactly the order the micro-kernel
// reads them, and a micro-kernel keeps an MR x NR tile of C in registers while it walks K.
// Not here: runtime CPU dispatch (the float build uses AVX2+FMA if the compiler targets it, otherwise,
// and always in the double build, the portable micro-kernel) and AVX-512.
#include "autograd/gemm.h"

#include "autograd/omp.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__AVX2__) && defined(__FMA__) && !defined(GRADSCHOOL_DOUBLE)
#define GS_GEMM_AVX2 1
#include <immintrin.h>
#endif

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

namespace {

// ---- blocking ----
// Register tile MR x NR: 6 rows x 16 floats is 12 ymm accumulators + 2 for the B row + 1 for the
// broadcast A value = 15 of the 16 ymm registers. Per k it does 12 FMAs for 8 loads; 12 independent
// FMA chains cover the 4-cycle FMA latency on 2 FMA pipes (8 in flight are needed).
// In the double build NR = 8 keeps the tile the same number of bytes.
constexpr int64_t MR = 6;
constexpr int64_t NR = 64 / sizeof(real);
// Cache blocks for this machine (Zen: 32 KB L1d and 1 MB L2 per core, 32 MB L3 shared):
// KC: the depth of one pass. A B sliver (KC x NR = 16 KB) must stay in L1 while the micro-kernel
//     runs down every A panel of the block, with room left for the streaming A panel and C.
// MC: rows of A packed at once; MC x KC = 144 KB sits in L2 and is reused for every B sliver.
// NC: columns of B packed at once; KC x NC = 4 MB at most, in L3 (GPT-sized B are far smaller).
// Measured around these (KC 128-512, MC 72-288): all within a few percent; these were among the best.
constexpr int64_t KC = 256;
constexpr int64_t MC = 144;
constexpr int64_t NC = 4096;
static_assert(MC % MR == 0 && NC % NR == 0, "blocks are whole tiles");

// Up to this many multiply-adds (M*N*K) packing costs more than it saves and a plain loop does it
// (measured: the loop wins at 4x4x4, packing already wins at 8x8x8).
constexpr int64_t kSmallGemm = 6 * 6 * 6;
// Below this many multiply-adds waking a second thread costs more than it saves.
constexpr int64_t kParallelGemm = 64 * 64 * 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits n into ceil(n / max_block) near-equal blocks, rounded up to a multiple of `unit`:
// 768 rows in blocks of at most 144 -> 6 blocks of 128 rather than 5 of 144 and one of 48.
int64_t even_block(int64_t n, int64_t max_block, int64_t unit) {
    int64_t blocks = ceil_div(n, max_block);
    return ceil_div(ceil_div(n, blocks), unit) * unit;
}

// A 64-byte-aligned scratch buffer that only ever grows, so steady-state calls never touch the heap.
struct PackBuffer {
    real* p = nullptr;
    int64_t cap = 0;
    real* get(int64_t n) {
        if (n > cap) {
            std::free(p);
            size_t bytes = (size_t(n) * sizeof(real) + 63) / 64 * 64;
            p = static_cast<real*>(std::aligned_alloc(64, bytes));
            if (!p) throw std::bad_alloc();
            cap = n;
        }
        return p;
    }
    ~PackBuffer() { std::free(p); }
};
// Owned by the thread that calls gemm and taken before any team starts (so a failed allocation throws
// in the caller, not inside a parallel region): a packed B panel and a packed A block per thread.
thread_local PackBuffer t_pack;

// ---- packing ----
// Both packers write their panel front to back (k outer) and read the source through two strides,
// so one loop serves either layout: element (r, k) of the panel sits at src[r * s_r + k * s_k].

#ifdef GS_GEMM_AVX2
// Transposing 8 k-values of up to 8 rows at a time is what packing A (stored (M, K)) and Bᵀ (stored
// (N, K)) comes down to. One element at a time it took up to 15% of a small product; in registers it
// is 8 row loads, 24 shuffles and 8 column stores. On return r[j] holds column j: r_in[0][j] .. r_in[7][j].
inline void transpose8(__m256 r[8]) {
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
#endif

// op(A)[i0:i0+mc, k0:k0+kc] as MR-row panels stored k-major, Ap[panel][k][i], so the micro-kernel
// reads the MR values it broadcasts from consecutive addresses. Rows past M are zeros.
void pack_a(real* Ap, const real* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc, int64_t k0, int64_t kc) {
    int64_t s_i = trans_a ? 1 : lda, s_k = trans_a ? lda : 1;   // A stored (K, M) or (M, K)
    for (int64_t p = 0; p < mc; p += MR, Ap += MR * kc) {
        const real* src = A + (i0 + p) * s_i + k0 * s_k;
        int64_t rows = std::min(MR, mc - p);
        int64_t k = 0;
#ifdef GS_GEMM_AVX2
        if (rows == MR && !trans_a) {   // six rows, eight k at a time, through transpose8
            static_assert(MR == 6, "the panel stores below are written for 6 rows");
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

// ---- micro-kernels: c[MR x NR] (=, or += if add) a-panel[kc x MR]ᵀ · b-sliver[kc x NR] ----
// Both sum each element from zero over k in order and only then add it to c, so an edge tile (run
// into a scratch tile and copied) gets exactly the bits a full tile would.

#ifdef GS_GEMM_AVX2
// The 12 accumulators are separate variables, not an array: GCC does not always keep an array of
// vectors in registers, and one spill per FMA halves the speed.
// `narrow` computes only columns 0-7 of the tile (the rest of c is left alone): for the last sliver of
// a product whose N leaves 8 or fewer columns there (lm_head's 65 = 4 x 16 + 1), half the FMAs.
static_assert(MR == 6 && NR == 16, "the AVX2 kernel is written out for a 6 x 16 tile");
template <bool narrow>
void micro_kernel_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0;   // row i, cols 0-7
    __m256 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0;                  // row i, cols 8-15
    // Start fetching the C tile now: its rows are ldc apart, so it is rarely in L1, and the loads at
    // the end would otherwise stall. By then the kc-long loop has hidden the latency.
    for (int i = 0; i < MR; i++) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
        __m256 b_lo = _mm256_load_ps(b), ai;   // row k of the B sliver
        if constexpr (narrow) {
            ai = _mm256_broadcast_ss(a + 0); lo0 = _mm256_fmadd_ps(ai, b_lo, lo0);
            ai = _mm256_broadcast_ss(a + 1); lo1 = _mm256_fmadd_ps(ai, b_lo, lo1);
            ai = _mm256_broadcast_ss(a + 2); lo2 = _mm256_fmadd_ps(ai, b_lo, lo2);
            ai = _mm256_broadcast_ss(a + 3); lo3 = _mm256_fmadd_ps(ai, b_lo, lo3);
            ai = _mm256_broadcast_ss(a + 4); lo4 = _mm256_fmadd_ps(ai, b_lo, lo4);
            ai = _mm256_broadcast_ss(a + 5); lo5 = _mm256_fmadd_ps(ai, b_lo, lo5);
        } else {
            __m256 b_hi = _mm256_load_ps(b + 8);
            ai = _mm256_broadcast_ss(a + 0); lo0 = _mm256_fmadd_ps(ai, b_lo, lo0); hi0 = _mm256_fmadd_ps(ai, b_hi, hi0);
            ai = _mm256_broadcast_ss(a + 1); lo1 = _mm256_fmadd_ps(ai, b_lo, lo1); hi1 = _mm256_fmadd_ps(ai, b_hi, hi1);
            ai = _mm256_broadcast_ss(a + 2); lo2 = _mm256_fmadd_ps(ai, b_lo, lo2); hi2 = _mm256_fmadd_ps(ai, b_hi, hi2);
            ai = _mm256_broadcast_ss(a + 3); lo3 = _mm256_fmadd_ps(ai, b_lo, lo3); hi3 = _mm256_fmadd_ps(ai, b_hi, hi3);
            ai = _mm256_broadcast_ss(a + 4); lo4 = _mm256_fmadd_ps(ai, b_lo, lo4); hi4 = _mm256_fmadd_ps(ai, b_hi, hi4);
            ai = _mm256_broadcast_ss(a + 5); lo5 = _mm256_fmadd_ps(ai, b_lo, lo5); hi5 = _mm256_fmadd_ps(ai, b_hi, hi5);
        }
    }
    auto put = [&](float* row, __m256 lo, __m256 hi) {
        if (add) lo = _mm256_add_ps(_mm256_loadu_ps(row), lo);
        _mm256_storeu_ps(row, lo);
        if constexpr (!narrow) {
            if (add) hi = _mm256_add_ps(_mm256_loadu_ps(row + 8), hi);
            _mm256_storeu_ps(row + 8, hi);
        }
    };
    put(c, lo0, hi0);
    put(c + ldc, lo1, hi1);
    put(c + 2 * ldc, lo2, hi2);
    put(c + 3 * ldc, lo3, hi3);
    put(c + 4 * ldc, lo4, hi4);
    put(c + 5 * ldc, lo5, hi5);
}
void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_avx2<false>(kc, a, b, c, ldc, add);
}
void micro_kernel_narrow(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_avx2<true>(kc, a, b, c, ldc, add);
}
#else
// Portable: the compiler vectorises the j loop; the tile is small enough to live in registers.
void micro_kernel(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add) {
    real acc[MR][NR] = {};
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR)
        for (int64_t i = 0; i < MR; i++)
            for (int64_t j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    for (int64_t i = 0; i < MR; i++, c += ldc)
        for (int64_t j = 0; j < NR; j++) c[j] = add ? c[j] + acc[i][j] : acc[i][j];
}
void micro_kernel_narrow(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add) {
    micro_kernel(kc, a, b, c, ldc, add);
}
#endif

// C[0:mc, 0:nc] (=, or += if add) of the current block: packed A block (mc, kc) times packed B panel
// (kc, nc). Slivers outer: one B sliver stays in L1 while the A panels stream past it from L2.
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
            if (cols <= NR / 2)
                micro_kernel_narrow(kc, Ap + i * kc, Bp + j * kc, tile, NR, false);
            else
                micro_kernel(kc, Ap + i * kc, Bp + j * kc, tile, NR, false);
            for (int64_t r = 0; r < rows; r++)
                for (int64_t q = 0; q < cols; q++)
                    c[r * ldc + q] = add ? c[r * ldc + q] + tile[r * NR + q] : tile[r * NR + q];
        }
    }
}

// For small products: one row of C at a time, i-k-j order so the inner loop runs along a row.
void gemm_small(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate) {
    for (int64_t i = 0; i < M; i++) {
        real* c = C + i * ldc;
        if (!accumulate) std::fill(c, c + N, real(0));
        for (int64_t k = 0; k < K; k++) {
            real a = trans_a ? A[k * lda + i] : A[i * lda + k];
            if (trans_b) {
                for (int64_t j = 0; j < N; j++) c[j] += a * B[j * ldb + k];
            } else {
                const real* b = B + k * ldb;
                for (int64_t j = 0; j < N; j++) c[j] += a * b[j];
            }
        }
    }
}

// A few rows of C from row-major A (the sampler's one-token products, x·Wᵀ): packing would copy all of
// B to use each value fewer than MR times, so the rows are computed straight from B, as dot products
// along K when B is stored (N, K) and as row updates along N when it is stored (K, N). Each element's
// sum is in a fixed order on one thread, so the bits do not depend on the thread count.
void gemm_rows(bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda, const real* B,
               int64_t ldb, real* C, int64_t ldc, bool accumulate, [[maybe_unused]] bool may_thread) {
    constexpr int64_t kColumns = 64;   // columns per task (may_thread is read only by OpenMP's `if`)
    const int64_t tasks = ceil_div(N, kColumns);
#pragma omp parallel for schedule(static) if (may_thread && M * N * K >= kParallelGemm)
    for (int64_t t = 0; t < tasks; t++) {
        const int64_t j0 = t * kColumns, j1 = std::min(N, j0 + kColumns);
        for (int64_t i = 0; i < M; i++) {
            const real* a = A + i * lda;
            real* c = C + i * ldc;
            if (trans_b) {
                for (int64_t j = j0; j < j1; j++) {
                    const real* b = B + j * ldb;
                    real sum = 0;
#pragma omp simd reduction(+ : sum)
                    for (int64_t k = 0; k < K; k++) sum += a[k] * b[k];
                    c[j] = accumulate ? c[j] + sum : sum;
                }
            } else {
                if (!accumulate) std::fill(c + j0, c + j1, real(0));
                for (int64_t k = 0; k < K; k++) {
                    const real ak = a[k], *b = B + k * ldb;
#pragma omp simd
                    for (int64_t j = j0; j < j1; j++) c[j] += ak * b[j];
                }
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

// The blocked product on several threads. C's rows are cut into blocks, about four per thread. Each
// thread starts on its own contiguous share of the blocks, the rows the producer of A most likely
// left in its cache (elementwise ops split rows the same way); a thread that finishes its share then
// takes blocks not yet started from the others' shares. The two cores of a shared machine rarely
// run at the same speed (measured here: one 10% behind the other for minutes at a time), and with
// fixed shares the faster one would wait. Every thread packs the whole (K, nc) panel of op(B) it may
// need, as many kc-deep blocks as fit kPanelBudget, before taking blocks. A C element gets the same
// sums in the same order whichever thread computes it: the result is the same bits for any thread count.
constexpr int64_t kPanelBudget = 1 << 20;   // floats of packed B per thread (4 MB, within L3)
constexpr int kMaxShares = 64;              // beyond this many threads, shares are shared

void gemm_team(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
               const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, int threads) {
    const int64_t kc_max = even_block(K, KC, 1);
    // columns per panel, then how many kc blocks of that panel fit the budget together
    const int64_t nc_max = std::min(ceil_div(N, NR) * NR, std::max(NR, kPanelBudget / kc_max / NR * NR));
    const int64_t k_span = std::max(kc_max, kPanelBudget / nc_max / kc_max * kc_max);
    // about four row blocks per thread, whole tiles, at most MC
    const int64_t mc = std::min(MC, std::max(MR, ceil_div(ceil_div(M, 4 * int64_t(threads)), MR) * MR));
    const int64_t row_blocks = ceil_div(M, mc);
    const int64_t b_size = std::min(k_span, K) * nc_max;
    const int64_t a_size = ceil_div(mc * kc_max, 16) * 16;
    real* buf = t_pack.get(threads * (b_size + a_size));   // taken here: a failed allocation throws here
    const int shares = std::min(threads, kMaxShares);
    std::atomic<int64_t> next[kMaxShares];   // the next block not yet taken in each share
    auto share_begin = [&](int v) { return row_blocks * v / shares; };
    for (int v = 0; v < shares; v++) next[v] = share_begin(v);   // for the first panel (usually the only one)

#pragma omp parallel num_threads(threads)
    {
        const int me = omp_get_thread_num() % shares;
        real* Bp = buf + omp_get_thread_num() * (b_size + a_size);
        real* Ap = Bp + b_size;
        for (int64_t jc = 0; jc < N; jc += nc_max) {
            const int64_t nc = std::min(nc_max, N - jc);
            for (int64_t ks = 0; ks < K; ks += k_span) {   // one panel: depths ks .. ks + k_span
                const int64_t k_end = std::min(K, ks + k_span);
                for (int64_t pc = ks; pc < k_end; pc += kc_max) {
                    const int64_t kc = std::min(kc_max, K - pc);
                    real* panel = Bp + (pc - ks) * nc_max;
                    for (int64_t j = 0; j < nc; j += NR)
                        pack_b_sliver(panel + j * kc, B, ldb, trans_b, pc, kc, jc + j, std::min(NR, nc - j));
                }
                if (jc > 0 || ks > 0) {   // a later panel: wait for every block of the last one, reset
#pragma omp barrier
#pragma omp single
                    for (int v = 0; v < shares; v++) next[v] = share_begin(v);   // (single ends in a barrier)
                }
                for (int step = 0; step < shares; step++) {   // my share first, then the others'
                    const int v = (me + step) % shares;
                    const int64_t share_end = share_begin(v + 1);
                    for (int64_t rb; (rb = next[v].fetch_add(1)) < share_end;) {
                        const int64_t ic = rb * mc, m = std::min(mc, M - ic);
                        for (int64_t pc = ks; pc < k_end; pc += kc_max) {
                            const int64_t kc = std::min(kc_max, K - pc);
                            pack_a(Ap, A, lda, trans_a, ic, m, pc, kc);
                            macro_kernel(Ap, Bp + (pc - ks) * nc_max, m, nc, kc, C + ic * ldc + jc, ldc,
                                         accumulate || pc > 0);
                        }
                    }
                }
            }
        }
    }
}

// gemm_team packs all of op(B) on every thread, which is cheap while B is the smaller operand. When it
// is the bigger one (N > M: a weight gradient dW = dyᵀ·x with few output rows and a wide x), C is cut
// by columns instead, one block of whole slivers per thread, and each thread runs the serial algorithm
// on its block: it packs only its own columns of B, and all of the smaller A. With one thread this is
// gemm_serial on all of C.
void gemm_columns(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                  const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, int threads) {
    const int64_t n_step = ceil_div(ceil_div(N, threads), NR) * NR;
    const int64_t kc_max = even_block(K, KC, 1);
    const int64_t b_size = kc_max * std::min(NC, n_step);                               // (kc, nc) packed B
    const int64_t a_size = ceil_div(std::min(MC, ceil_div(M, MR) * MR) * kc_max, 16) * 16;   // (mc, kc)
    real* buf = t_pack.get(threads * (b_size + a_size));
    if (threads == 1)   // no team at all: even an inactive parallel region costs a few hundred ns
        return gemm_serial(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, buf, buf + b_size);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; t++) {
        const int64_t n0 = t * n_step;
        if (n0 >= N) continue;
        real* Bp = buf + t * (b_size + a_size);
        gemm_serial(trans_a, trans_b, M, std::min(n_step, N - n0), K, A, lda, trans_b ? B + n0 * ldb : B + n0, ldb,
                    C + n0, ldc, accumulate, Bp, Bp + b_size);
    }
}

// Every path lands here; `may_thread` is false inside a batch that is already split across threads.
void gemm_any(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
              const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, bool may_thread) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {   // an empty sum
        if (!accumulate)
            for (int64_t i = 0; i < M; i++) std::fill(C + i * ldc, C + i * ldc + N, real(0));
        return;
    }
    int64_t work = M * N * K;
    if (work <= kSmallGemm) return gemm_small(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
    if (M < MR && !trans_a) return gemm_rows(trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, may_thread);
    int threads = may_thread && work >= kParallelGemm ? omp_get_max_threads() : 1;
    if (threads > 1 && N <= M) return gemm_team(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, threads);
    gemm_columns(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, threads);
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
          const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate) {
    gemm_any(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, true);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                  const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                  const std::vector<GemmOffsets>& items) {
    if (items.size() == 1) {   // the common case (a plain 2-d matmul): no grouping to do
        const GemmOffsets& o = items[0];
        return gemm_any(trans_a, trans_b, M, N, K, A + o.a, lda, B + o.b, ldb, C + o.c, ldc, accumulate, true);
    }
    // Group the items by the C they write, keeping list order inside a group.
    std::vector<size_t> order(items.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return items[x].c < items[y].c; });
    std::vector<size_t> starts;   // where each group begins in `order`
    for (size_t i = 0; i < order.size(); i++)
        if (i == 0 || items[order[i]].c != items[order[i - 1]].c) starts.push_back(i);
    starts.push_back(order.size());
    int64_t groups = int64_t(starts.size()) - 1;

    // Many small products: one thread per group (groups write disjoint C, and a group's sum stays on
    // one thread in list order). Few or large ones: one at a time, each split across the team.
    // Both give the same bits, because a gemm's result does not depend on its thread count.
    bool by_group = groups > 1 && M * N * K < 128 * 128 * 128;
    auto run_group = [&](int64_t g, bool may_thread) {
        for (size_t i = starts[size_t(g)]; i < starts[size_t(g) + 1]; i++) {
            const GemmOffsets& o = items[order[i]];
            gemm_any(trans_a, trans_b, M, N, K, A + o.a, lda, B + o.b, ldb, C + o.c, ldc,
                     accumulate || i > starts[size_t(g)], may_thread);
        }
    };
    if (by_group) {
#pragma omp parallel for schedule(static) if (groups * M * N * K >= kParallelGemm)
        for (int64_t g = 0; g < groups; g++) run_group(g, false);
    } else {
        for (int64_t g = 0; g < groups; g++) run_group(g, true);
    }
}

}  // namespace gs
