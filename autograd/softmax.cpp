// Softmax, log-softmax and cross-entropy: the kernels and the ops, forward and backward side by side.
// A softmax "row" is the D values x[o, :, i]; rows are independent, so the kernels split rows
// across threads and each thread writes only its own rows (no two threads touch the same memory).
#include "autograd/softmax.h"

#include <cmath>

#include "autograd/fast_math.h"
#include "autograd/parallel.h"
#include "autograd/shape.h"

namespace gs {

namespace {

// Offset of row r = (o, i) of an (outer, D, inner) buffer; its values step by `inner`.
int64_t row_start(int64_t r, int64_t D, int64_t inner) { return (r / inner) * D * inner + r % inner; }

// Why subtract the max: e^x overflows float past x = 88 (double past 709), so a logit of 1000 would
// give inf / inf = NaN. softmax(x) = softmax(x - c) for any c, and with c = max(x) every exponent is
// <= 0: each term lies in (0, 1] and the sum is >= 1 (the max contributes e^0), so nothing
// overflows and the log of the sum is safe.
//
// The row loops are `omp simd` loops over fast_exp (fast_math.h), so they run a vector of lanes at a
// time; the row max is lane_max. parallel.h says why both give the same bits for any thread count.

// Calls row(s) with the start s of every row of an (outer, D, inner) buffer, rows split across threads.
template <class Row>
void for_each_row(int64_t outer, int64_t D, int64_t inner, Row row) {
    const int64_t rows = outer * inner;
#pragma omp parallel for if (rows * D >= kParallelMin)
    for (int64_t r = 0; r < rows; r++) row(row_start(r, D, inner));
}

// sum_d e^(x_d - m)
real row_sum_exp(const real* x, real m, int64_t n, int64_t step) {
    real sum = 0;
#pragma omp simd reduction(+ : sum) if (simd : kFastMathVectorises)
    for (int64_t d = 0; d < n; d++) sum += fast_exp(x[d * step] - m);
    return sum;
}

// sum_d a_d b_d
real row_dot(const real* a, const real* b, int64_t n, int64_t step) {
    real dot = 0;
#pragma omp simd reduction(+ : dot)
    for (int64_t d = 0; d < n; d++) dot += a[d * step] * b[d * step];
    return dot;
}

// sum_d a_d
real row_sum(const real* a, int64_t n, int64_t step) {
    real sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t d = 0; d < n; d++) sum += a[d * step];
    return sum;
}

}  // namespace

// ---- softmax: y_d = e^(x_d - m) / sum_k e^(x_k - m), m = max_k x_k ----

void softmax_forward(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner) {
    for_each_row(outer, D, inner, [=](int64_t s) {
        const real* x = inp + s;
        real* y = out + s;
        const real m = lane_max(x, D, inner);
        real sum = 0;
#pragma omp simd reduction(+ : sum) if (simd : kFastMathVectorises)
        for (int64_t d = 0; d < D; d++) {
            y[d * inner] = fast_exp(x[d * inner] - m);
            sum += y[d * inner];
        }
        const real inv = 1 / sum;
#pragma omp simd
        for (int64_t d = 0; d < D; d++) y[d * inner] *= inv;
    });
}

// dx += y * (dy - sum_k dy_k y_k)
void softmax_backward(real* dinp, const real* out, const real* dout, int64_t outer, int64_t D, int64_t inner) {
    for_each_row(outer, D, inner, [=](int64_t s) {
        const real *y = out + s, *dy = dout + s;
        const real dot = row_dot(dy, y, D, inner);
#pragma omp simd
        for (int64_t d = 0; d < D; d++) dinp[s + d * inner] += y[d * inner] * (dy[d * inner] - dot);
    });
}

// ---- log_softmax: y_d = x_d - m - log sum_k e^(x_k - m) ----

void log_softmax_forward(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner) {
    for_each_row(outer, D, inner, [=](int64_t s) {
        const real* x = inp + s;
        const real m = lane_max(x, D, inner);
        const real shift = m + std::log(row_sum_exp(x, m, D, inner));
#pragma omp simd
        for (int64_t d = 0; d < D; d++) out[s + d * inner] = x[d * inner] - shift;
    });
}

// dx += dy - softmax(x) * sum_k dy_k,  with softmax(x) = e^y
void log_softmax_backward(real* dinp, const real* out, const real* dout, int64_t outer, int64_t D, int64_t inner) {
    for_each_row(outer, D, inner, [=](int64_t s) {
        const real total = row_sum(dout + s, D, inner);
#pragma omp simd if (simd : kFastMathVectorises)
        for (int64_t d = 0; d < D; d++)
            dinp[s + d * inner] += dout[s + d * inner] - fast_exp(out[s + d * inner]) * total;
    });
}

// ---- the two ops: x viewed as (outer, D, inner) around dim, y = forward(x), dx through backward ----

namespace {

using RowForward = void (*)(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner);
using RowBackward = void (*)(real* dinp, const real* out, const real* dout, int64_t outer, int64_t D, int64_t inner);

Tensor along_dim(const char* op, const Tensor& x, int64_t dim, RowForward forward, RowBackward backward) {
    AroundDim a = around_dim(x.shape(), wrap_dim(dim, x.shape(), op));
    Tensor y = Tensor::empty(x.shape());
    forward(y.data(), x.data(), a.outer, a.size, a.inner);
    y.set_backward(op, {x}, [x, a, backward](const Tensor& out) {
        backward(x.grad(), out.data(), out.grad(), a.outer, a.size, a.inner);
    });
    return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return along_dim("softmax", x, dim, softmax_forward, softmax_backward); }

Tensor log_softmax(const Tensor& x, int64_t dim) {
    return along_dim("log_softmax", x, dim, log_softmax_forward, log_softmax_backward);
}

// ---- cross entropy, fused: loss_n = log sum_c e^(x_nc) - x_n,t  (the log-softmax is never stored) ----

void cross_entropy_forward(real* losses, const real* logits, const int32_t* targets, int64_t N, int64_t C,
                           int32_t ignore_index) {
#pragma omp parallel for if (N * C >= kParallelMin)
    for (int64_t n = 0; n < N; n++) {
        if (targets[n] == ignore_index) { losses[n] = 0; continue; }
        const real* x = logits + n * C;
        real m = lane_max(x, C, 1);
        losses[n] = m + std::log(row_sum_exp(x, m, C, 1)) - x[targets[n]];
    }
}

// dx_nc += (softmax(x_n)_c - [c == t_n]) * scale;  ignored rows get nothing
// The softmax is recomputed from the logits rather than saved: one more exp per logit instead of
// keeping an (N, C) buffer alive from forward to backward.
void cross_entropy_backward(real* dlogits, const real* logits, const int32_t* targets, real scale, int64_t N,
                            int64_t C, int32_t ignore_index) {
#pragma omp parallel for if (N * C >= kParallelMin)
    for (int64_t n = 0; n < N; n++) {
        if (targets[n] == ignore_index) continue;
        const real* x = logits + n * C;
        real* dx = dlogits + n * C;
        real m = lane_max(x, C, 1);
        real k = scale / row_sum_exp(x, m, C, 1);
#pragma omp simd if (simd : kFastMathVectorises)
        for (int64_t c = 0; c < C; c++) dx[c] += fast_exp(x[c] - m) * k;
        dx[targets[n]] -= scale;
    }
}

Tensor cross_entropy(const Tensor& logits, const Indices& targets, int32_t ignore_index) {
    const Shape& ls = logits.shape();
    check(logits.dim() >= 1 && targets.shape() == Shape(ls.begin(), ls.end() - 1), "cross_entropy",
          "targets must have the logits' shape without the last dim: logits are ", ls, ", targets are ",
          targets.shape());
    int64_t C = ls.back(), N = targets.numel();
    const int32_t* t = targets.data();
    int64_t count = 0;
    for (int64_t n = 0; n < N; n++) {
        if (t[n] == ignore_index) continue;
        check(t[n] >= 0 && t[n] < C, "cross_entropy", "target ", t[n], " at position ", position_of(n, targets.shape()),
              " is outside [0, ", C, ") for logits of shape ", ls);
        count++;
    }
    check(count > 0, "cross_entropy", "every target is ignore_index (", ignore_index, "), so the mean is over ",
          "no targets; targets are ", targets.shape());

    Tensor losses = Tensor::empty({N});
    cross_entropy_forward(losses.data(), logits.data(), t, N, C, ignore_index);
    double total = 0;   // serial, in row order: the same bits for any thread count
    for (int64_t n = 0; n < N; n++) total += double(losses.data()[n]);
    Tensor loss = Tensor::scalar(real(total / double(count)));

    // loss = (1/count) sum_n loss_n;   dlogits_n += (softmax(x_n) - onehot(t_n)) * dloss / count
    loss.set_backward("cross_entropy", {logits}, [logits, targets, ignore_index, count](const Tensor& out) {
        real scale = out.grad()[0] / real(count);
        cross_entropy_backward(logits.grad(), logits.data(), targets.data(), scale, targets.numel(),
                               logits.shape().back(), ignore_index);
    });
    return loss;
}

}  // namespace gs
