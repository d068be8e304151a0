// linear: y = x · Wᵀ + b, the op behind nn::Linear, as one fused GEMM + bias add.
// W is stored [out, in] as in PyTorch, and used transposed by the GEMM's packing, never copied.
#pragma once
#include "autograd/tensor.h"

namespace gs {

// x (..., in), weight (out, in), bias (out) or undefined -> (..., out)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// out[r, j] += bias[j]                        out (rows, cols), bias (cols)
void bias_add_forward(real* out, const real* bias, int64_t rows, int64_t cols);
// dbias[j] += sum_r dout[r, j]                dbias (cols), dout (rows, cols)
void bias_add_backward(real* dbias, const real* dout, int64_t rows, int64_t cols);

}  // namespace gs
