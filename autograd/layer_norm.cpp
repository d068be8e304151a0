// Layer norm: the kernel pair and the op. The forward saves each row's mean and 1/std so that the
// backward does not have to recompute them. Rows are independent, so both passes over rows split
// them across threads; the weight and bias gradients, which sum over rows, split over columns instead.
#include "autograd/layer_norm.h"

#include <algorithm>
#include <cmath>

#include "autograd/parallel.h"

namespace gs {

namespace {

// Columns per block of the weight-gradient loop: each thread sums whole columns.
constexpr int64_t kColumnBlock = 64;

}  // namespace

// y = (x - mean) * rstd * w + b
void layer_norm_forward(real* out, real* mean, real* rstd, const real* inp, const real* weight, const real* bias,
                        int64_t N, int64_t C, real eps) {
    // each thread writes only its own rows of out, mean and rstd
#pragma omp parallel for if (N * C >= kParallelMin)
    for (int64_t n = 0; n < N; n++) {
        const real* x = inp + n * C;
        real* y = out + n * C;
        real m = 0;   // the row sums are vector-lane sums, the same bits for any thread count (parallel.h)
#pragma omp simd reduction(+ : m)
        for (int64_t c = 0; c < C; c++) m += x[c];
        m /= real(C);
        // two passes (mean first, then squared deviations): E[x^2] - E[x]^2 would cancel badly
        // when the mean is large next to the spread
        real v = 0;
#pragma omp simd reduction(+ : v)
        for (int64_t c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= real(C);
        real rs = 1 / std::sqrt(v + eps);
        if (bias) {
#pragma omp simd
            for (int64_t c = 0; c < C; c++) y[c] = (x[c] - m) * rs * weight[c] + bias[c];
        } else {
#pragma omp simd
            for (int64_t c = 0; c < C; c++) y[c] = (x[c] - m) * rs * weight[c];
        }
        mean[n] = m;
        rstd[n] = rs;
    }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * w,  xhat = (x - mean) * rstd
// dw += sum over rows of dy * xhat;   db += sum over rows of dy
void layer_norm_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp,
                         const real* weight, const real* mean, const real* rstd, int64_t N, int64_t C) {
    if (dinp) {
        // each thread writes only its own rows of dinp
#pragma omp parallel for if (N * C >= kParallelMin)
        for (int64_t n = 0; n < N; n++) {
            const real *x = inp + n * C, *dy = dout + n * C;
            real* dx = dinp + n * C;
            real m = mean[n], rs = rstd[n];
            real g_mean = 0, gx_mean = 0;
#pragma omp simd reduction(+ : g_mean, gx_mean)
            for (int64_t c = 0; c < C; c++) {
                real g = dy[c] * weight[c];
                g_mean += g;
                gx_mean += g * (x[c] - m) * rs;
            }
            g_mean /= real(C);
            gx_mean /= real(C);
#pragma omp simd
            for (int64_t c = 0; c < C; c++)
                dx[c] += rs * (dy[c] * weight[c] - g_mean - (x[c] - m) * rs * gx_mean);
        }
    }
    if (!dweight && !dbias) return;
    // Each thread owns whole blocks of columns and adds the rows into them in order 0..N-1, so the
    // sums are the same bits for any number of threads, with no atomics and no per-thread copies.
    int64_t blocks = (C + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for if (N * C >= kParallelMin)
    for (int64_t b = 0; b < blocks; b++) {
        int64_t c0 = b * kColumnBlock, c1 = std::min(C, c0 + kColumnBlock);
        for (int64_t n = 0; n < N; n++) {
            const real *x = inp + n * C, *dy = dout + n * C;
            real m = mean[n], rs = rstd[n];
            if (dweight) {
#pragma omp simd
                for (int64_t c = c0; c < c1; c++) dweight[c] += dy[c] * (x[c] - m) * rs;
            }
            if (dbias) {
#pragma omp simd
                for (int64_t c = c0; c < c1; c++) dbias[c] += dy[c];
            }
        }
    }
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, real eps) {
    check(x.dim() >= 1 && x.shape().back() > 0, "layer_norm", "x needs a non-empty last dim, got ", x.shape());
    int64_t C = x.shape().back(), N = x.numel() / C;
    check(weight.defined() && weight.shape() == Shape{C}, "layer_norm", "weight must be [", C, "] for x of shape ",
          x.shape(), ", got ", weight.defined() ? weight.shape() : Shape{});
    check(!bias.defined() || bias.shape() == Shape{C}, "layer_norm", "bias must be [", C,
          "] (or undefined) for x of shape ", x.shape(), ", got ", bias.defined() ? bias.shape() : Shape{});
    check(eps >= 0, "layer_norm", "eps must be >= 0, got ", eps);

    Tensor y = Tensor::empty(x.shape());
    Tensor mean = Tensor::empty({N}), rstd = Tensor::empty({N});   // plain buffers, no graph
    layer_norm_forward(y.data(), mean.data(), rstd.data(), x.data(), weight.data(),
                       bias.defined() ? bias.data() : nullptr, N, C, eps);
    y.set_backward("layer_norm", {x, weight, bias}, [x, weight, bias, mean, rstd, N, C](const Tensor& out) {
        real* dinp = x.requires_grad() ? x.grad() : nullptr;
        real* dweight = weight.requires_grad() ? weight.grad() : nullptr;
        real* dbias = bias.defined() && bias.requires_grad() ? bias.grad() : nullptr;
        layer_norm_backward(dinp, dweight, dbias, out.grad(), x.data(), weight.data(), mean.data(), rstd.data(),
                            N, C);
    });
    return y;
}

}  // namespace gs
