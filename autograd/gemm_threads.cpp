// Matrix multiply on several threads: how gemm() and gemm_batched() share a product between OpenMP
// threads, built from gemm.cpp's serial layers. Every path cuts C (never K) between threads, and each
// C element is summed by one thread in an order that depends only on K, so the result is bitwise the
// same for any thread count. The paths, as gemm_any() picks them:
//   few rows (M < MR)      gemm_rows: no packing, threads split C's columns
//   N <= M, 2+ threads     gemm_team: threads share C's row blocks, each packs all of op(B)
//   otherwise              gemm_columns: each thread runs the serial algorithm on its own columns of C
//   batches                one thread per output matrix, or one product at a time across the team
#include "autograd/gemm.h"

#include "autograd/omp.h"

#include <algorithm>
#include <atomic>

#include "autograd/gemm_blocked.h"

namespace gs {

namespace gemm_detail {

// A few rows of C from row-major A (the sampler's one-token products, x·Wᵀ): packing would copy all of
// B to use each value fewer than MR times, so the rows are computed straight from B, as dot products
// along K when B is stored (N, K) and as row updates along N when it is stored (K, N). Threads take
// blocks of columns: each writes only its own columns of C, and each element's sum is in a fixed order
// on one thread, so the bits do not depend on the thread count.
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
                    // a vector-lane sum: its order is fixed when compiling (parallel.h)
#pragma omp simd reduction(+ : sum)
                    for (int64_t k = 0; k < K; k++) sum = kernel_madd(sum, a[k], b[k]);
                    c[j] = accumulate ? c[j] + sum : sum;
                }
            } else {
                if (!accumulate) std::fill(c + j0, c + j1, real(0));
                for (int64_t k = 0; k < K; k++) {
                    const real ak = a[k], *b = B + k * ldb;
#pragma omp simd
                    for (int64_t j = j0; j < j1; j++) c[j] = kernel_madd(c[j], ak, b[j]);
                }
            }
        }
    }
}

// The blocked product on several threads. C's rows are cut into blocks, about four per thread. Each
// thread starts on its own contiguous share of the blocks, the rows the producer of A most likely left
// in its cache (elementwise ops split rows the same way); a thread that finishes its share then takes
// blocks not yet started from the others' shares, so a core that runs slower than the other (on a
// shared machine they often do) does not hold the faster one up at the end. Every thread packs the
// whole (K, nc) panel of op(B) it may need, as many kc-deep blocks as fit kPanelBudget, before taking
// blocks. A C element gets the same sums in the same order whichever thread computes it.
constexpr int64_t kPanelBudget = 1 << 20;   // values of packed B per thread (4 MB of floats, within L3)
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
    real* buf = pack_scratch(threads * (b_size + a_size));
    const int shares = std::min(threads, kMaxShares);
    std::atomic<int64_t> next[kMaxShares];   // the next block not yet taken in each share
    auto share_begin = [&](int v) { return row_blocks * v / shares; };
    for (int v = 0; v < shares; v++) next[v] = share_begin(v);   // for the first panel (usually the only one)

    // Each thread packs into its own part of buf, and a row block, once taken (an atomic fetch_add
    // hands it to exactly one thread), is written by that thread alone: no two threads write the same memory.
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
    real* buf = pack_scratch(threads * (b_size + a_size));
    if (threads == 1)   // no team at all: even an inactive parallel region costs a few hundred ns
        return gemm_serial(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, buf, buf + b_size);
    // thread t writes only columns [t * n_step, (t + 1) * n_step) of C and packs into its own part of buf
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; t++) {
        const int64_t n0 = t * n_step;
        if (n0 >= N) continue;
        real* Bp = buf + t * (b_size + a_size);
        gemm_serial(trans_a, trans_b, M, std::min(n_step, N - n0), K, A, lda, trans_b ? B + n0 * ldb : B + n0, ldb,
                    C + n0, ldc, accumulate, Bp, Bp + b_size);
    }
}

namespace {

// Every product lands here; `may_thread` is false inside a batch that is already split across threads.
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

// Runs group g's products in list order, the first one honouring `accumulate`, the rest adding.
void run_group(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
               const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
               const std::vector<GemmOffsets>& items, const BatchGroups& groups, size_t g, bool may_thread) {
    for (size_t i = groups.starts[g]; i < groups.starts[g + 1]; i++) {
        const GemmOffsets& o = items[groups.order[i]];
        const bool add = accumulate || i > groups.starts[g];
        gemm_any(trans_a, trans_b, M, N, K, A + o.a, lda, B + o.b, ldb, C + o.c, ldc, add, may_thread);
    }
}

}  // namespace

// ---- batches ----

BatchGroups group_by_output(const std::vector<GemmOffsets>& items) {
    BatchGroups g;
    g.order.resize(items.size());
    for (size_t i = 0; i < g.order.size(); i++) g.order[i] = i;
    // stable: list order is kept inside a group, so a group's sum is always added in the same order
    std::stable_sort(g.order.begin(), g.order.end(), [&](size_t x, size_t y) { return items[x].c < items[y].c; });
    for (size_t i = 0; i < g.order.size(); i++)
        if (i == 0 || items[g.order[i]].c != items[g.order[i - 1]].c) g.starts.push_back(i);
    g.starts.push_back(g.order.size());
    return g;
}

void gemm_batched_per_thread(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A,
                             int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                             const std::vector<GemmOffsets>& items, const BatchGroups& groups) {
    const int64_t n_groups = int64_t(groups.starts.size()) - 1;
    // groups write disjoint C matrices, and each group runs on one thread: no two threads write the same memory
#pragma omp parallel for schedule(static) if (n_groups * M * N * K >= kParallelGemm)
    for (int64_t g = 0; g < n_groups; g++)
        run_group(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, items, groups, size_t(g), false);
}

void gemm_batched_in_turn(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A,
                          int64_t lda, const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                          const std::vector<GemmOffsets>& items, const BatchGroups& groups) {
    for (size_t g = 0; g + 1 < groups.starts.size(); g++)
        run_group(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, items, groups, g, true);
}

}  // namespace gemm_detail

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
          const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate) {
    gemm_detail::gemm_any(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, true);
}

void gemm_batched(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const real* A, int64_t lda,
                  const real* B, int64_t ldb, real* C, int64_t ldc, bool accumulate,
                  const std::vector<GemmOffsets>& items) {
    using namespace gemm_detail;
    if (items.size() == 1) {   // the common case (a plain 2-d matmul): no grouping to do
        const GemmOffsets& o = items[0];
        return gemm_any(trans_a, trans_b, M, N, K, A + o.a, lda, B + o.b, ldb, C + o.c, ldc, accumulate, true);
    }
    BatchGroups groups = group_by_output(items);
    // Many small products: one thread per output. Few or large ones: one at a time, each split across
    // the team. Both give the same bits, because a gemm's result does not depend on its thread count.
    if (groups.starts.size() > 2 && M * N * K < 128 * 128 * 128)
        gemm_batched_per_thread(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, items, groups);
    else
        gemm_batched_in_turn(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate, items, groups);
}

}  // namespace gs
