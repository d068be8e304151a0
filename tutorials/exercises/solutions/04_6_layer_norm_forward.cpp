// Exercise 04.6: layer norm forward. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// For each of the N rows of C values x (row-major (N, C)):
//   mean = (1/C) sum_c x_c        var = (1/C) sum_c (x_c - mean)^2   (biased: divide by C, not C - 1)
//   rstd = 1 / sqrt(var + eps)     out_c = (x_c - mean) * rstd * weight_c + bias_c
// bias may be nullptr: then there is no bias term. Also store each row's mean and rstd in mean (N) and
// rstd (N): the backward (exercise 04.7) reads them instead of recomputing them.
// Test it: make exercise EX=04.6. Then compare with layer_norm_forward in autograd/layer_norm.cpp.
#include <cmath>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void layer_norm_forward(real* out, real* mean, real* rstd, const real* inp, const real* weight, const real* bias,
                        int64_t N, int64_t C, real eps) {
    for (int64_t n = 0; n < N; n++) {
        const real* x = inp + n * C;
        real* y = out + n * C;
        real m = 0;
        for (int64_t c = 0; c < C; c++) m += x[c];
        m /= real(C);
        // the variance from the deviations (a second pass): E[x^2] - E[x]^2 cancels badly for a large mean
        real v = 0;
        for (int64_t c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
        v /= real(C);
        const real rs = 1 / std::sqrt(v + eps);   // eps inside the root keeps a constant row finite
        for (int64_t c = 0; c < C; c++) y[c] = (x[c] - m) * rs * weight[c] + (bias ? bias[c] : 0);
        mean[n] = m;
        rstd[n] = rs;
    }
}

}  // namespace gs::ex
