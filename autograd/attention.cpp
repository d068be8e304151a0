// causal_attention: the naive reference kernels, the fast kernels and the op, forward and backward
// side by side; then the cached forward for generation, and the reference built from the general ops.
// The fast kernels give each (batch, head) pair to one thread and run its T x T x hs products as gemm()
// calls cut into row blocks, so most of the masked upper triangle is never computed.
// Not here: the KV cache itself (gpt/model.h) and the sampler (gpt/sample.cpp).
#include "autograd/attention.h"

#include "autograd/omp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/dropout.h"
#include "autograd/elementwise.h"
#include "autograd/fast_math.h"
#include "autograd/gemm.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/parallel.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"

namespace gs {

namespace {

// The scores are scaled by 1/sqrt(hs) so their variance does not grow with hs (which would saturate
// the softmax into a one-hot).
real score_scale(int64_t hs) { return real(1.0 / std::sqrt(double(hs))); }

// Queries t in [i0, i0 + r) attend to keys 0 .. i0 + r - 1, so a row block's products stop at the
// block's last diagonal entry and skip the rest of the masked triangle. Smaller blocks skip more of it
// but make more, smaller gemm calls (bench/bench_attention.cpp times the choice). 48 rows are whole
// register tiles for every gemm micro-kernel (6 or 8 rows).
constexpr int64_t kRowBlock = 48;

// ---- the fast kernels' softmax rows ----
// `omp simd reduction` loops and lane_max: vector lanes whose bits do not depend on the thread count (parallel.h).

// Rows are short (t + 1 keys for query t), and a loop that stopped at t + 1 would spend most of its
// time in scalar code: the remainder after the last whole vector, or the whole row when it is too
// short for the compiler's vector path. So the row loops run to the end of the row's block instead,
// m >= kRowBlock, and mask the entries past t + 1 (the gemm() calls filled them with finite scores,
// which are ignored).
int64_t block_end(int64_t t, int64_t T) { return std::min(T, (t / kRowBlock + 1) * kRowBlock); }

// In place on one row of scores, computed up to m >= n: row[0..n) = softmax(scale * row[0..n)),
// row[n..T) = 0 (the masked future keys get weight 0). Subtracting the row's max makes every exponent
// <= 0, so e^x cannot overflow, and the max's own term is e^0 = 1, so the sum is >= 1 (see softmax.cpp).
void causal_softmax_row(real* row, int64_t n, int64_t m, int64_t T, real scale) {
    const real ninf = -std::numeric_limits<real>::infinity();
#pragma omp simd
    for (int64_t j = 0; j < n; j++) row[j] *= scale;
    const real max = lane_max(row, n, 1);
    std::fill(row + n, row + m, ninf);   // (a `j < n ? ... : -inf` in the loop above makes GCC split it in two scalar loops)
    real sum = 0;
#pragma omp simd reduction(+ : sum) if (simd : kFastMathVectorises)
    for (int64_t j = 0; j < m; j++) {
        row[j] = fast_exp(row[j] - max);   // e^-inf = 0 past n; fast_math.h: vectorises, std::exp is a call
        sum += row[j];
    }
    real inv = 1 / sum;
#pragma omp simd
    for (int64_t j = 0; j < m; j++) row[j] *= inv;
    std::fill(row + m, row + T, real(0));
}

// In place on one row, computed up to m >= n: dp[0..n) (the gradient of the weights a) becomes the
// gradient of the scores, scale * a_j (dp_j - sum_j' a_j' dp_j'); dp[n..T) = 0, so the masked entries
// add nothing later. (Past n, a_j is 0 and dp_j finite, so those lanes add 0 to the dot and give 0.)
void causal_softmax_row_backward(real* dp, const real* a, int64_t m, int64_t T, real scale) {
    real dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t j = 0; j < m; j++) dot += a[j] * dp[j];
#pragma omp simd
    for (int64_t j = 0; j < m; j++) dp[j] = scale * a[j] * (dp[j] - dot);
    std::fill(dp + m, dp + T, real(0));
}

// One (T, T) scratch buffer per thread for the backward, grown (never shrunk) by the calling thread
// before the team starts, so steady-state calls do not touch the heap and no allocation can fail
// inside the parallel region.
thread_local std::vector<real> t_scratch;

}  // namespace

// ---- forward: s_tj = q_t · k_j / sqrt(hs) (j <= t);  a_t = softmax_j(s_t);  y_t = sum_j a_tj v_j ----

void attention_forward_naive(real* out, real* att, const real* qkv, int64_t B, int64_t T, int64_t C, int64_t NH) {
    int64_t hs = C / NH;
    real scale = score_scale(hs);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < NH; h++) {
            for (int64_t t = 0; t < T; t++) {
                const real* q = qkv + (b * T + t) * 3 * C + h * hs;   // (hs,) query t of head h
                real* a = att + ((b * NH + h) * T + t) * T;           // (T,) its weights
                real max = -std::numeric_limits<real>::infinity();
                for (int64_t t2 = 0; t2 <= t; t2++) {
                    const real* k = qkv + (b * T + t2) * 3 * C + C + h * hs;   // (hs,) key t2
                    real s = 0;
                    for (int64_t d = 0; d < hs; d++) s += q[d] * k[d];
                    a[t2] = s * scale;
                    max = std::max(max, a[t2]);
                }
                real sum = 0;
                for (int64_t t2 = 0; t2 <= t; t2++) {
                    a[t2] = std::exp(a[t2] - max);
                    sum += a[t2];
                }
                for (int64_t t2 = 0; t2 < T; t2++) a[t2] = t2 <= t ? a[t2] / sum : 0;
                real* y = out + (b * T + t) * C + h * hs;   // (hs,)
                for (int64_t d = 0; d < hs; d++) {
                    real acc = 0;
                    for (int64_t t2 = 0; t2 <= t; t2++) acc += a[t2] * qkv[(b * T + t2) * 3 * C + 2 * C + h * hs + d];
                    y[d] = acc;
                }
            }
        }
    }
}

void attention_forward(real* out, real* att, const real* qkv, int64_t B, int64_t T, int64_t C, int64_t NH) {
    int64_t hs = C / NH, C3 = 3 * C;
    real scale = score_scale(hs);
    // Iteration (b, h) reads and writes only head h's columns of batch b's rows (of qkv and of out)
    // and its own (T, T) block of att, so no two threads ever write the same memory. gemm() gives the
    // same bits on any thread, so the result does not depend on the thread count. (Called inside the
    // team, gemm() runs on its own thread alone: OpenMP does not nest teams unless asked to.)
#pragma omp parallel for schedule(static) if (B * NH * T * T * hs >= kParallelMin)   // multiply-adds
    for (int64_t bh = 0; bh < B * NH; bh++) {
        int64_t b = bh / NH, h = bh % NH;
        const real* q = qkv + b * T * C3 + h * hs;   // (T, hs), rows 3C apart
        const real* k = q + C;                       // (T, hs), rows 3C apart
        const real* v = q + 2 * C;                   // (T, hs), rows 3C apart
        real* a = att + bh * T * T;                  // (T, T)
        real* y = out + b * T * C + h * hs;          // (T, hs), rows C apart
        for (int64_t i0 = 0; i0 < T; i0 += kRowBlock) {   // a = q kᵀ, up to each block's diagonal
            int64_t r = std::min(kRowBlock, T - i0), n = i0 + r;
            gemm(false, true, r, n, hs, q + i0 * C3, C3, k, C3, a + i0 * T, T, false);
        }
        for (int64_t t = 0; t < T; t++) causal_softmax_row(a + t * T, t + 1, block_end(t, T), T, scale);
        for (int64_t i0 = 0; i0 < T; i0 += kRowBlock) {   // y = a v; a is 0 past the diagonal
            int64_t r = std::min(kRowBlock, T - i0), n = i0 + r;
            gemm(false, false, r, hs, n, a + i0 * T, T, v, C3, y + i0 * C, C, false);
        }
    }
}

// ---- backward, the forward's steps in reverse ----
//   y_t = sum_j a_tj v_j:         da_tj = dy_t · v_j;                   dv_j += a_tj dy_t
//   a_t = softmax(s_t):           ds_tj = a_tj (da_tj - sum_j' a_tj' da_tj')
//   s_tj = q_t · k_j * scale:     dq_t += scale ds_tj k_j;              dk_j += scale ds_tj q_t

void attention_backward_naive(real* dqkv, const real* dout, const real* qkv, const real* att, int64_t B, int64_t T,
                              int64_t C, int64_t NH) {
    int64_t hs = C / NH;
    real scale = score_scale(hs);
    std::vector<real> da(size_t(T), 0);   // (T,) the gradient of one row of weights
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < NH; h++) {
            for (int64_t t = 0; t < T; t++) {
                const real* a = att + ((b * NH + h) * T + t) * T;     // (T,)
                const real* dy = dout + (b * T + t) * C + h * hs;     // (hs,)
                const real* q = qkv + (b * T + t) * 3 * C + h * hs;   // (hs,)
                real* dq = dqkv + (b * T + t) * 3 * C + h * hs;       // (hs,)
                real dot = 0;
                for (int64_t t2 = 0; t2 <= t; t2++) {
                    const real* v = qkv + (b * T + t2) * 3 * C + 2 * C + h * hs;   // (hs,)
                    real* dv = dqkv + (b * T + t2) * 3 * C + 2 * C + h * hs;       // (hs,)
                    real s = 0;
                    for (int64_t d = 0; d < hs; d++) s += dy[d] * v[d];
                    da[size_t(t2)] = s;
                    dot += a[t2] * s;
                    for (int64_t d = 0; d < hs; d++) dv[d] += a[t2] * dy[d];
                }
                for (int64_t t2 = 0; t2 <= t; t2++) {
                    const real* k = qkv + (b * T + t2) * 3 * C + C + h * hs;   // (hs,)
                    real* dk = dqkv + (b * T + t2) * 3 * C + C + h * hs;       // (hs,)
                    real ds = a[t2] * (da[size_t(t2)] - dot);
                    for (int64_t d = 0; d < hs; d++) {
                        dq[d] += scale * ds * k[d];
                        dk[d] += scale * ds * q[d];
                    }
                }
            }
        }
    }
}

void attention_backward(real* dqkv, const real* dout, const real* qkv, const real* att, int64_t B, int64_t T,
                        int64_t C, int64_t NH) {
    int64_t hs = C / NH, C3 = 3 * C;
    real scale = score_scale(hs);
    int64_t threads = omp_get_max_threads();
    if (int64_t(t_scratch.size()) < threads * T * T) t_scratch.resize(size_t(threads * T * T));
    real* scratch = t_scratch.data();
    // As in the forward, iteration (b, h) writes only head h's q, k and v columns of dqkv in batch b's
    // rows, plus its thread's own scratch block: threads never write the same memory.
#pragma omp parallel for schedule(static) if (B * NH * T * T * hs >= kParallelMin)
    for (int64_t bh = 0; bh < B * NH; bh++) {
        int64_t b = bh / NH, h = bh % NH;
        const real* q = qkv + b * T * C3 + h * hs;    // (T, hs), rows 3C apart
        const real *k = q + C, *v = q + 2 * C;        // (T, hs), rows 3C apart
        real* dq = dqkv + b * T * C3 + h * hs;        // (T, hs), rows 3C apart
        real *dk = dq + C, *dv = dq + 2 * C;          // (T, hs), rows 3C apart
        const real* a = att + bh * T * T;             // (T, T)
        const real* dy = dout + b * T * C + h * hs;   // (T, hs), rows C apart
        real* ds = scratch + omp_get_thread_num() * T * T;   // (T, T): da, then ds in place
        for (int64_t i0 = 0; i0 < T; i0 += kRowBlock) {   // da = dy vᵀ, up to each block's diagonal
            int64_t r = std::min(kRowBlock, T - i0), n = i0 + r;
            gemm(false, true, r, n, hs, dy + i0 * C, C, v, C3, ds + i0 * T, T, false);
        }
        // dv += aᵀ dy and dk += dsᵀ q: keys j in [j0, j0 + r) are seen only by queries t >= j0
        for (int64_t j0 = 0; j0 < T; j0 += kRowBlock) {
            int64_t r = std::min(kRowBlock, T - j0);
            gemm(true, false, r, hs, T - j0, a + j0 * T + j0, T, dy + j0 * C, C, dv + j0 * C3, C3, true);
        }
        for (int64_t t = 0; t < T; t++) causal_softmax_row_backward(ds + t * T, a + t * T, block_end(t, T), T, scale);
        for (int64_t i0 = 0; i0 < T; i0 += kRowBlock) {   // dq += ds k
            int64_t r = std::min(kRowBlock, T - i0), n = i0 + r;
            gemm(false, false, r, hs, n, ds + i0 * T, T, k, C3, dq + i0 * C3, C3, true);
        }
        for (int64_t j0 = 0; j0 < T; j0 += kRowBlock) {   // dk += dsᵀ q
            int64_t r = std::min(kRowBlock, T - j0);
            gemm(true, false, r, hs, T - j0, ds + j0 * T + j0, T, q + j0 * C3, C3, dk + j0 * C3, C3, true);
        }
    }
}

// ---- the cached forward (generation): new queries at positions pos0.. over the cached keys ----
//   k_j, v_j for j in [pos0, pos0 + Tn) are written into the cache first, then for the last Tq queries t:
//   s_tj = q_t · k_j / sqrt(hs) (j <= pos0 + t);  a_t = softmax_j(s_t);  y_t = sum_j a_tj v_j

void attention_cached_forward_naive(real* out, real* kcache, real* vcache, const real* qkv, int64_t B, int64_t Tn,
                                    int64_t Tq, int64_t pos0, int64_t maxT, int64_t C, int64_t NH) {
    int64_t hs = C / NH;
    real scale = score_scale(hs);
    std::vector<real> a(size_t(pos0 + Tn), 0);   // (pos0+Tn,) one query's weights
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < NH; h++) {
            real* K = kcache + (b * NH + h) * maxT * hs;   // (maxT, hs)
            real* V = vcache + (b * NH + h) * maxT * hs;   // (maxT, hs)
            for (int64_t t = 0; t < Tn; t++)
                for (int64_t d = 0; d < hs; d++) {
                    K[(pos0 + t) * hs + d] = qkv[(b * Tn + t) * 3 * C + C + h * hs + d];
                    V[(pos0 + t) * hs + d] = qkv[(b * Tn + t) * 3 * C + 2 * C + h * hs + d];
                }
            for (int64_t t = Tn - Tq; t < Tn; t++) {
                const real* q = qkv + (b * Tn + t) * 3 * C + h * hs;   // (hs,)
                int64_t n = pos0 + t + 1;                              // keys 0 .. pos0+t
                real max = -std::numeric_limits<real>::infinity();
                for (int64_t j = 0; j < n; j++) {
                    real s = 0;
                    for (int64_t d = 0; d < hs; d++) s += q[d] * K[j * hs + d];
                    a[size_t(j)] = s * scale;
                    max = std::max(max, a[size_t(j)]);
                }
                real sum = 0;
                for (int64_t j = 0; j < n; j++) {
                    a[size_t(j)] = std::exp(a[size_t(j)] - max);
                    sum += a[size_t(j)];
                }
                real* y = out + (b * Tq + t - (Tn - Tq)) * C + h * hs;   // (hs,)
                for (int64_t d = 0; d < hs; d++) {
                    real acc = 0;
                    for (int64_t j = 0; j < n; j++) acc += a[size_t(j)] / sum * V[j * hs + d];
                    y[d] = acc;
                }
            }
        }
    }
}

namespace {
// Scores of one row block of queries, (kRowBlock, pos0 + Tn) per thread, grown (never shrunk) by the
// calling thread before the team starts: no heap allocation in steady state, none inside the team.
thread_local std::vector<real> t_cached_scores;
}  // namespace

void attention_cached_forward(real* out, real* kcache, real* vcache, const real* qkv, int64_t B, int64_t Tn,
                              int64_t Tq, int64_t pos0, int64_t maxT, int64_t C, int64_t NH) {
    int64_t hs = C / NH, C3 = 3 * C, n_all = pos0 + Tn, t0 = Tn - Tq;   // queries t0 .. Tn-1
    real scale = score_scale(hs);
    bool parallel = B * NH * Tq * n_all * hs >= kParallelMin;   // one new token's attention is far below it
    int64_t threads = parallel ? omp_get_max_threads() : 1;
    int64_t block = std::min(kRowBlock, Tq) * n_all;   // one thread's scores
    if (int64_t(t_cached_scores.size()) < threads * block) t_cached_scores.resize(size_t(threads * block));
    real* scratch = t_cached_scores.data();
    // Iteration (b, h) writes only its own (maxT, hs) slices of the two caches, head h's columns of
    // batch b's rows of out, and its thread's block of scratch: threads never write the same memory.
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t bh = 0; bh < B * NH; bh++) {
        int64_t b = bh / NH, h = bh % NH;
        const real* q = qkv + b * Tn * C3 + h * hs;   // (Tn, hs), rows 3C apart; k and v follow at +C, +2C
        real* K = kcache + bh * maxT * hs;            // (maxT, hs)
        real* V = vcache + bh * maxT * hs;            // (maxT, hs)
        real* y = out + b * Tq * C + h * hs;          // (Tq, hs), rows C apart
        real* s = scratch + omp_get_thread_num() * block;
        for (int64_t t = 0; t < Tn; t++) {   // append first: query t also sees the keys t' <= t of this call
            std::copy(q + t * C3 + C, q + t * C3 + C + hs, K + (pos0 + t) * hs);
            std::copy(q + t * C3 + 2 * C, q + t * C3 + 2 * C + hs, V + (pos0 + t) * hs);
        }
        // As in attention_forward: row blocks of queries, each block's products stopping at its last
        // query's key. With one new token that is one row: gemm() takes it without packing.
        for (int64_t i0 = t0; i0 < Tn; i0 += kRowBlock) {
            int64_t r = std::min(kRowBlock, Tn - i0), n = pos0 + i0 + r;   // (r, n) scores
            gemm(false, true, r, n, hs, q + i0 * C3, C3, K, hs, s, n, false);
            for (int64_t t = 0; t < r; t++) causal_softmax_row(s + t * n, pos0 + i0 + t + 1, n, n, scale);
            gemm(false, false, r, hs, n, s, n, V, hs, y + (i0 - t0) * C, C, false);
        }
    }
}

// ---- the reference, from the general ops ----

Tensor causal_attention_reference(const Tensor& qkv, int64_t n_head, real dropout_p, Rng* dropout_rng) {
    check(qkv.dim() == 3 && qkv.size(2) % 3 == 0, "causal_attention_reference", "qkv must be (B, T, 3C), got ",
          qkv.shape());
    int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3, NH = n_head;
    check(NH > 0 && C % NH == 0, "causal_attention_reference", "C = ", C, " does not split into n_head = ", NH,
          " heads");
    check(dropout_p == 0 || dropout_rng, "causal_attention_reference", "dropout ", dropout_p, " needs an Rng");
    int64_t hs = C / NH;
    std::vector<Tensor> parts = split(qkv, C, 2);   // 3 x (B, T, C)
    auto heads = [&](const Tensor& t) { return transpose(reshape(t, {B, T, NH, hs}), 1, 2); };
    Tensor q = heads(parts[0]), k = heads(parts[1]), v = heads(parts[2]);               // (B, NH, T, hs)
    Tensor att = matmul(q, transpose(k, 2, 3)) * score_scale(hs);                       // (B, NH, T, T)
    att = masked_fill(att, causal_mask(T), -std::numeric_limits<real>::infinity());    // no peeking ahead
    att = softmax(att, 3);
    if (dropout_p > 0) att = dropout(att, dropout_p, true, *dropout_rng);
    Tensor y = matmul(att, v);                                                          // (B, NH, T, hs)
    return reshape(transpose(y, 1, 2), {B, T, C});                                      // heads side by side
}

// ---- the op ----

Tensor causal_attention(const Tensor& qkv, int64_t n_head) {
    check(qkv.dim() == 3, "causal_attention", "qkv must be (B, T, 3C), got ", qkv.shape());
    check(qkv.size(2) % 3 == 0, "causal_attention", "qkv's last dim must be 3C (q, k, v side by side), got ",
          qkv.size(2), " in ", qkv.shape());
    int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3;
    check(n_head > 0 && C > 0 && C % n_head == 0, "causal_attention", "C = ", C, " (qkv is ", qkv.shape(),
          ") does not split into n_head = ", n_head, " heads of equal, non-zero size");
    Tensor y = Tensor::empty({B, T, C});
    Tensor att = Tensor::empty({B, n_head, T, T});   // the softmax, kept for the backward
    attention_forward(y.data(), att.data(), qkv.data(), B, T, C, n_head);
    // the closure keeps qkv and the saved softmax alive, never y itself
    y.set_backward("causal_attention", {qkv}, [qkv, att, n_head](const Tensor& out) {
        const Shape& s = qkv.shape();
        attention_backward(qkv.grad(), out.grad(), qkv.data(), att.data(), s[0], s[1], s[2] / 3, n_head);
    });
    return y;
}

Tensor causal_attention_cached(const Tensor& qkv, int64_t n_head, Tensor& k_cache, Tensor& v_cache, int64_t pos0,
                               bool last_only) {
    const char* op = "causal_attention_cached";
    check(qkv.dim() == 3 && qkv.size(2) % 3 == 0, op, "qkv must be (B, Tn, 3C), got ", qkv.shape());
    int64_t B = qkv.size(0), Tn = qkv.size(1), C = qkv.size(2) / 3;
    check(n_head > 0 && C > 0 && C % n_head == 0, op, "C = ", C, " (qkv is ", qkv.shape(),
          ") does not split into n_head = ", n_head, " heads of equal, non-zero size");
    Shape want{B, n_head, k_cache.dim() == 4 ? k_cache.size(2) : 0, C / n_head};
    check(k_cache.dim() == 4 && k_cache.shape() == want && v_cache.shape() == want, op,
          "the caches must be (B, NH, maxT, hs) = ", want, " for qkv ", qkv.shape(), " and n_head ", n_head,
          ", got k ", k_cache.shape(), " and v ", v_cache.shape());
    int64_t maxT = k_cache.size(2);
    check(pos0 >= 0 && pos0 + Tn <= maxT, op, "cannot add ", Tn, " positions after ", pos0,
          ": the cache holds only ", maxT);
    check(!(qkv.requires_grad() && grad_enabled()), op, "has no backward (it is for generation): run it under NoGradGuard");
    int64_t Tq = last_only ? std::min<int64_t>(Tn, 1) : Tn;   // the queries wanted: the last Tq
    Tensor y = Tensor::empty({B, Tq, C});
    attention_cached_forward(y.data(), k_cache.data(), v_cache.data(), qkv.data(), B, Tn, Tq, pos0, maxT, C, n_head);
    return y;
}

}  // namespace gs
