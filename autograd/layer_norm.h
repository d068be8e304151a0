// Layer normalisation over the last dim, as in GPT-2: each row of C values is shifted to mean 0,
// scaled to variance 1, then multiplied by a learned weight and shifted by a learned bias:
//   y = (x - mean) * rstd * weight + bias,   rstd = 1 / sqrt(var + eps)   (var is the biased variance)
// Not here: the LayerNorm module that owns weight and bias (nn/), batch norm, RMS norm.
#pragma once
#include "autograd/tensor.h"

namespace gs {

// x (..., C), weight (C), bias (C) or an undefined Tensor() for no bias
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, real eps = real(1e-5));

// ---- kernels on raw contiguous buffers (the op above calls them; so can benchmarks) ----
// out, inp: (N, C);  mean, rstd: (N,), written here and read again by the backward
// weight: (C,);  bias: (C,) or nullptr
void layer_norm_forward(real* out, real* mean, real* rstd, const real* inp, const real* weight, const real* bias,
                        int64_t N, int64_t C, real eps);
// dinp: (N, C) or nullptr;  dweight, dbias: (C,) or nullptr (each is skipped when null);  dout, inp: (N, C)
void layer_norm_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp,
                         const real* weight, const real* mean, const real* rstd, int64_t N, int64_t C);

}  // namespace gs
