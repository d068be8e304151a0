// matmul: the matrix product of tensors, with autograd.
//   a [M, K] x b [K, N] -> [M, N]
//   a [..., M, K] x b [..., K, N] -> [..., M, N], the batch dims (all but the last two) broadcast
//   the NumPy way: [2, 1, 3, 4] x [5, 4, 2] -> [2, 5, 3, 2].
// 1-d operands are rejected rather than silently promoted: reshape a vector to [1, K] or [K, 1].
// The arithmetic is gemm.h's; this file adds shapes, broadcasting and the backward.
#pragma once
#include "autograd/tensor.h"

namespace gs {

Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace gs
