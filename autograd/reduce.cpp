// Reductions. Every kernel sees its input as (outer, D, inner) around the reduced dim (around_dim in
// shape.h) and its output as (outer, inner), so one kernel serves every dim, and a reduction over
// everything is the case outer = inner = 1. The loops run d outside i, reading whole contiguous rows;
// when inner = 1 (the last dim, or everything) each output is one contiguous row, scanned with its
// running value in registers. Threads split the outer index: each output value is made by one thread
// in a fixed order, so results are bitwise the same for any thread count.
#include "autograd/reduce.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "autograd/parallel.h"
#include "autograd/shape.h"

namespace gs {

namespace {

// ---- kernels ----
// A contiguous row is summed with lane_sum (parallel.h): in double, eight lanes, a fixed order.

// out[o, i] = scale * sum_d inp[o, d, i], accumulated in double
void sum_forward(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner, double scale) {
    if (inner == 1) {   // the last dim, or everything: each output is the sum of one contiguous row
#pragma omp parallel for schedule(static) if (outer * D >= kParallelMin)
        for (int64_t o = 0; o < outer; o++) out[o] = real(lane_sum(inp + o * D, D, [](double v) { return v; }) * scale);
        return;
    }
    std::vector<double> acc(size_t(outer * inner), 0.0);   // (outer, inner)
#pragma omp parallel for schedule(static) if (outer * D * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
        double* a = acc.data() + o * inner;
        for (int64_t d = 0; d < D; d++) {
            const real* row = inp + (o * D + d) * inner;
            for (int64_t i = 0; i < inner; i++) a[i] += row[i];
        }
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = real(a[i] * scale);
    }
}

// dinp[o, d, i] += scale * dout[o, i]
void sum_backward(real* dinp, const real* dout, int64_t outer, int64_t D, int64_t inner, real scale) {
#pragma omp parallel for schedule(static) if (outer * D * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
        const real* g = dout + o * inner;
        for (int64_t d = 0; d < D; d++) {
            real* row = dinp + (o * D + d) * inner;
            for (int64_t i = 0; i < inner; i++) row[i] += scale * g[i];
        }
    }
}

// a beats b as the maximum if it is larger; a NaN beats any number, so it shows in the result
// instead of hiding behind larger numbers. Ties do not beat, so the first maximum stays.
bool beats(real a, real b) { return a > b || (std::isnan(a) && !std::isnan(b)); }

// out[o, i] = max_d inp[o, d, i];   arg[o, i] = the first d holding it.   D >= 1.
void max_forward(real* out, int32_t* arg, const real* inp, int64_t outer, int64_t D, int64_t inner) {
    if (inner == 1) {   // the last dim, or everything: scan each row keeping the best in registers
#pragma omp parallel for schedule(static) if (outer * D >= kParallelMin)
        for (int64_t o = 0; o < outer; o++) {
            const real* x = inp + o * D;
            int64_t best = 0;
            for (int64_t d = 1; d < D; d++)
                if (beats(x[d], x[best])) best = d;
            out[o] = x[best];
            arg[o] = int32_t(best);
        }
        return;
    }
#pragma omp parallel for schedule(static) if (outer * D * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {   // rows of inner running maxima, updated one d at a time
        real* m = out + o * inner;
        int32_t* k = arg + o * inner;
        const real* x = inp + o * D * inner;
        for (int64_t i = 0; i < inner; i++) {
            m[i] = x[i];
            k[i] = 0;
        }
        for (int64_t d = 1; d < D; d++) {
            const real* row = x + d * inner;
            for (int64_t i = 0; i < inner; i++) {
                if (beats(row[i], m[i])) {
                    m[i] = row[i];
                    k[i] = int32_t(d);
                }
            }
        }
    }
}

// dinp[o, arg[o, i], i] += dout[o, i]
void max_backward(real* dinp, const int32_t* arg, const real* dout, int64_t outer, int64_t D, int64_t inner) {
#pragma omp parallel for schedule(static) if (outer * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) dinp[(o * D + arg[o * inner + i]) * inner + i] += dout[o * inner + i];
}

// mean[o, i] = sum_d inp[o, d, i] / D;   out[o, i] = sum_d (inp[o, d, i] - mean[o, i])^2 / divisor
// Two passes, mean first, rather than E[x^2] - E[x]^2, which cancels badly when the mean is large
// next to the spread.
void var_forward(real* out, real* mean, const real* inp, int64_t outer, int64_t D, int64_t inner, double divisor) {
    sum_forward(mean, inp, outer, D, inner, 1.0 / double(D));
    if (inner == 1) {
#pragma omp parallel for schedule(static) if (outer * D >= kParallelMin)
        for (int64_t o = 0; o < outer; o++) {
            double m = double(mean[o]);
            out[o] = real(lane_sum(inp + o * D, D, [m](double v) { return (v - m) * (v - m); }) / divisor);
        }
        return;
    }
    std::vector<double> acc(size_t(outer * inner), 0.0);   // (outer, inner)
#pragma omp parallel for schedule(static) if (outer * D * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
        double* a = acc.data() + o * inner;
        const real* m = mean + o * inner;
        for (int64_t d = 0; d < D; d++) {
            const real* row = inp + (o * D + d) * inner;
            for (int64_t i = 0; i < inner; i++) {
                double dev = double(row[i]) - double(m[i]);
                a[i] += dev * dev;
            }
        }
        for (int64_t i = 0; i < inner; i++) out[o * inner + i] = real(a[i] / divisor);
    }
}

// dinp[o, d, i] += dout[o, i] * 2 (inp[o, d, i] - mean[o, i]) / divisor
// The mean depends on inp too, but its term is a multiple of sum_d (inp - mean) = 0, so it drops out.
void var_backward(real* dinp, const real* inp, const real* mean, const real* dout, int64_t outer, int64_t D,
                  int64_t inner, real divisor) {
#pragma omp parallel for schedule(static) if (outer * D * inner >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
        const real* g = dout + o * inner;
        const real* m = mean + o * inner;
        for (int64_t d = 0; d < D; d++) {
            const real* x = inp + (o * D + d) * inner;
            real* dx = dinp + (o * D + d) * inner;
            for (int64_t i = 0; i < inner; i++) dx[i] += g[i] * 2 * (x[i] - m[i]) / divisor;
        }
    }
}

// ---- shapes and checks ----

// x's shape without dim d, or with it set to 1 when keepdim
Shape reduced_shape(const Shape& s, int64_t d, bool keepdim) {
    Shape out = s;
    if (keepdim) out[size_t(d)] = 1;
    else out.erase(out.begin() + d);
    return out;
}

// Wraps dim; mean, max and var have no value over nothing, so for them an empty dim is an error.
int64_t reduce_dim(const char* op, const Tensor& x, int64_t dim, bool allow_empty) {
    int64_t d = wrap_dim(dim, x.shape(), op);
    check(allow_empty || x.shape()[size_t(d)] > 0, op, "dim ", dim, " of tensor ", x.shape(), " is empty");
    return d;
}

AroundDim everything(const Tensor& x) { return {1, x.numel(), 1}; }

// ---- ops, each over the middle dim of x seen as a = (outer, D, inner) ----

Tensor scaled_sum(const char* op, const Tensor& x, AroundDim a, const Shape& out_shape, double scale) {
    Tensor y = Tensor::empty(out_shape);
    sum_forward(y.data(), x.data(), a.outer, a.size, a.inner, scale);
    // y = scale * sum_d x_d;   dx_d += scale * dy
    y.set_backward(op, {x}, [x, a, scale](const Tensor& out) {
        sum_backward(x.grad(), out.grad(), a.outer, a.size, a.inner, real(scale));
    });
    return y;
}

Tensor max_over(const char* op, const Tensor& x, AroundDim a, const Shape& out_shape) {
    check(a.size <= std::numeric_limits<int32_t>::max(), op, "the reduced dim of tensor ", x.shape(),
          " has more entries than an int32 index can hold");
    Tensor y = Tensor::empty(out_shape);
    std::vector<int32_t> arg(size_t(y.numel()));   // (outer, inner)
    max_forward(y.data(), arg.data(), x.data(), a.outer, a.size, a.inner);
    // y = x_d at the first maximal d;   dx_d += dy there and nowhere else
    y.set_backward(op, {x}, [x, a, arg = std::move(arg)](const Tensor& out) {
        max_backward(x.grad(), arg.data(), out.grad(), a.outer, a.size, a.inner);
    });
    return y;
}

Tensor var_over(const Tensor& x, AroundDim a, const Shape& out_shape, bool unbiased) {
    Tensor y = Tensor::empty(out_shape);
    Tensor m = Tensor::empty(out_shape);   // the mean, kept for the backward
    double divisor = double(unbiased ? a.size - 1 : a.size);
    var_forward(y.data(), m.data(), x.data(), a.outer, a.size, a.inner, divisor);
    // y = sum_d (x_d - m)^2 / divisor;   dx_d += dy * 2 (x_d - m) / divisor
    y.set_backward("var", {x}, [x, m, a, divisor](const Tensor& out) {
        var_backward(x.grad(), x.data(), m.data(), out.grad(), a.outer, a.size, a.inner, real(divisor));
    });
    return y;
}

}  // namespace

Tensor sum(const Tensor& x) { return scaled_sum("sum", x, everything(x), {}, 1.0); }

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
    int64_t d = reduce_dim("sum", x, dim, true);
    return scaled_sum("sum", x, around_dim(x.shape(), d), reduced_shape(x.shape(), d, keepdim), 1.0);
}

Tensor mean(const Tensor& x) {
    check(x.numel() > 0, "mean", "tensor ", x.shape(), " is empty");
    return scaled_sum("mean", x, everything(x), {}, 1.0 / double(x.numel()));
}

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
    int64_t d = reduce_dim("mean", x, dim, false);
    return scaled_sum("mean", x, around_dim(x.shape(), d), reduced_shape(x.shape(), d, keepdim),
                      1.0 / double(x.shape()[size_t(d)]));
}

Tensor max(const Tensor& x) {
    check(x.numel() > 0, "max", "tensor ", x.shape(), " is empty");
    return max_over("max", x, everything(x), {});
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
    int64_t d = reduce_dim("max", x, dim, false);
    return max_over("max", x, around_dim(x.shape(), d), reduced_shape(x.shape(), d, keepdim));
}

Indices argmax(const Tensor& x, int64_t dim, bool keepdim) {
    int64_t d = reduce_dim("argmax", x, dim, false);
    AroundDim a = around_dim(x.shape(), d);
    check(a.size <= std::numeric_limits<int32_t>::max(), "argmax", "dim ", dim, " of tensor ", x.shape(),
          " has more entries than an int32 index can hold");
    Indices arg = Indices::zeros(reduced_shape(x.shape(), d, keepdim));
    std::vector<real> values(size_t(arg.numel()));   // (outer, inner), not returned
    max_forward(values.data(), arg.data(), x.data(), a.outer, a.size, a.inner);
    return arg;
}

Tensor var(const Tensor& x, bool unbiased) {
    int64_t need = unbiased ? 2 : 1;
    check(x.numel() >= need, "var", unbiased ? "unbiased " : "", "variance needs at least ", need,
          " values, tensor ", x.shape(), " has ", x.numel());
    return var_over(x, everything(x), {}, unbiased);
}

Tensor var(const Tensor& x, int64_t dim, bool keepdim, bool unbiased) {
    int64_t d = reduce_dim("var", x, dim, false);
    int64_t n = x.shape()[size_t(d)];
    check(!unbiased || n >= 2, "var", "unbiased variance needs at least 2 values, dim ", dim, " of tensor ",
          x.shape(), " has ", n);
    return var_over(x, around_dim(x.shape(), d), reduced_shape(x.shape(), d, keepdim), unbiased);
}

}  // namespace gs
