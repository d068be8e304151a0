// Matrix multiply: the naive reference kernel and the fast one (see gemm.h for the contract).
// The fast kernel is the classic Goto/BLIS layering: C is cut into blocks, the pieces of A and B a
// block needs are copied ("packed") into small contiguous panels in exactly the order the micro-kernel
// reads them, and a micro-kernel keeps an MR x NR tile of C in registers while it walks K.
// Not here: runtime CPU dispatch (the float build uses AVX2+FMA if the compiler targets it, otherwise,
// and always in the double build, the portable micro-kernel) and AVX-512.
#include "autograd/gemm.h"

#include <omp.h>

#include <algorithm>
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
// KC: the depth of one pass. A B micro-panel (KC x NR = 16 KB) must stay in the 32 KB L1 while the
// micro-kernel runs down every A panel of the block, with room for the streaming A panel and C.
// MC: rows of A packed at once, MC x KC = 144 KB sits in the 1 MB L2 and is reused for every B sliver.
// NC: columns of B packed at once, KC x NC = 4 MB lives in the 32 MB L3, shared by both threads.
constexpr int64_t KC = 256;
constexpr int64_t MC = 144;
constexpr int64_t NC = 4096;
static_assert(MC % MR == 0 && NC % NR == 0, "blocks are whole tiles");

// Below this many multiply-adds (M*N*K) packing costs more than it saves: a plain loop does it.
constexpr int64_t kSmallGemm = 8 * 8 * 8;
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
// in the caller, not inside a parallel region): the packed B panel, then one packed A block per thread.
thread_local PackBuffer t_pack;

// ---- packing ----
// Both packers write their panel front to back (k outer) and read the source through two strides,
// so one loop serves either layout: element (r, k) of the panel sits at src[r * s_r + k * s_k].

// op(A)[i0:i0+mc, k0:k0+kc] as MR-row panels stored k-major, Ap[panel][k][i], so the micro-kernel
// reads the MR values it broadcasts from consecutive addresses. Rows past M are zeros.
void pack_a(real* Ap, const real* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc, int64_t k0, int64_t kc) {
    int64_t s_i = trans_a ? 1 : lda, s_k = trans_a ? lda : 1;   // A stored (K, M) or (M, K)
    for (int64_t p = 0; p < mc; p += MR, Ap += MR * kc) {
        const real* src = A + (i0 + p) * s_i + k0 * s_k;
        int64_t rows = std::min(MR, mc - p);
        if (rows == MR) {   // the common case, with a fixed trip count the compiler unrolls
            for (int64_t k = 0; k < kc; k++)
                for (int64_t i = 0; i < MR; i++) Ap[k * MR + i] = src[i * s_i + k * s_k];
        } else {
            for (int64_t k = 0; k < kc; k++)
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
    for (int64_t k = 0; k < kc; k++)
        for (int64_t j = 0; j < NR; j++) Bp[k * NR + j] = j < cols ? src[j * s_j + k * s_k] : real(0);
}

// ---- micro-kernels: c[MR x NR] (=, or += if add) a-panel[kc x MR]ᵀ · b-sliver[kc x NR] ----
// Both sum each element from zero over k in order and only then add it to c, so an edge tile (run
// into a scratch tile and copied) gets exactly the bits a full tile would.

#ifdef GS_GEMM_AVX2
void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    __m256 acc[MR][2];   // (MR, NR) in 12 registers
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    // Start fetching the C tile now: its rows are ldc apart, so it is rarely in L1, and the loads at
    // the end would otherwise stall. By then the kc-long loop has hidden the latency.
    for (int i = 0; i < MR; i++) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        for (int i = 0; i < MR; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < MR; i++, c += ldc) {
        if (add) {
            acc[i][0] = _mm256_add_ps(_mm256_loadu_ps(c), acc[i][0]);
            acc[i][1] = _mm256_add_ps(_mm256_loadu_ps(c + 8), acc[i][1]);
        }
        _mm256_storeu_ps(c, acc[i][0]);
        _mm256_storeu_ps(c + 8, acc[i][1]);
    }
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
#endif

// C[i0:i0+mc, cols of slivers s0..s1) of the current (jc, pc) block, A block packed in Ap.
void macro_kernel(const real* Ap, const real* Bp, int64_t mc, int64_t nc, int64_t kc, int64_t s0, int64_t s1,
                  real* C, int64_t ldc, bool add) {
    alignas(64) real tile[MR * NR];
    for (int64_t s = s0; s < s1; s++) {
        int64_t j = s * NR, cols = std::min(NR, nc - j);
        for (int64_t i = 0; i < mc; i += MR) {
            int64_t rows = std::min(MR, mc - i);
            real* c = C + i * ldc + j;
            if (rows == MR && cols == NR) {
                micro_kernel(kc, Ap + i * kc, Bp + j * kc, c, ldc, add);
                continue;
            }
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

// The blocked product. `threads` > 1 runs it on an OpenMP team.
void gemm_blocked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                  const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate, int threads) {
    // Balanced block sizes. kc depends only on K, which fixes where the partial sums of each C
    // element are added: that is what makes the bits independent of the thread count.
    int64_t kc_max = even_block(K, KC, 1), mc_max = even_block(M, MC, MR);
    int64_t m_blocks = ceil_div(M, mc_max);
    int64_t b_size = kc_max * std::min(NC, ceil_div(N, NR) * NR);   // (kc, nc) packed B
    int64_t a_size = ceil_div(mc_max * kc_max, 16) * 16;               // (mc, kc) packed A, 64-byte multiple
    real* Bp = t_pack.get(b_size + threads * a_size);

#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        real* Ap = Bp + b_size + omp_get_thread_num() * a_size;
        int nt = omp_get_num_threads();
        for (int64_t jc = 0; jc < N; jc += NC) {
            int64_t nc = std::min(NC, N - jc), slivers = ceil_div(nc, NR);
            // Tasks are (block of rows) x (run of slivers); about 4 per thread evens out ragged edges.
            int64_t n_runs = nt == 1 ? 1 : std::min(slivers, ceil_div(4 * nt, m_blocks));
            int64_t run = ceil_div(slivers, n_runs);
            n_runs = ceil_div(slivers, run);
            for (int64_t pc = 0; pc < K; pc += kc_max) {
                int64_t kc = std::min(kc_max, K - pc);
                bool add = accumulate || pc > 0;
                // Threads pack disjoint slivers of the shared B panel.
#pragma omp for schedule(static)
                for (int64_t s = 0; s < slivers; s++)
                    pack_b_sliver(Bp + s * NR * kc, B, ldb, trans_b, pc, kc, jc + s * NR, std::min(NR, nc - s * NR));
                // (implicit barrier: B is packed before anyone reads it)
                // Each task writes its own rectangle of C, so threads never write the same memory.
                int64_t packed = -1;   // the row block this thread has in Ap
#pragma omp for schedule(static)
                for (int64_t t = 0; t < m_blocks * n_runs; t++) {
                    int64_t ib = t / n_runs, s0 = (t % n_runs) * run;
                    int64_t i0 = ib * mc_max, mc = std::min(mc_max, M - i0);
                    if (ib != packed) pack_a(Ap, A, lda, trans_a, i0, mc, pc, kc);
                    packed = ib;
                    macro_kernel(Ap, Bp, mc, nc, kc, s0, std::min(slivers, s0 + run), C + i0 * ldc + jc, ldc, add);
                }
                // (implicit barrier: nobody repacks B while another thread still reads it)
            }
        }
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
    int threads = may_thread && work >= kParallelGemm ? omp_get_max_threads() : 1;
    gemm_blocked(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, threads);
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
    bool by_group = groups > 1 && M * N * K < (1 << 21);
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
