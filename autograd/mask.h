// Masking for attention: causal_mask(T) marks the future positions a token must not see, and
// masked_fill(scores, mask, -inf) hides them, so the softmax after it gives them weight 0.
// Not here: the softmax itself (softmax.h) and attention (nn/).
#pragma once
#include "autograd/tensor.h"

namespace gs {

// Where mask != 0 the result holds `value`, elsewhere x. mask must broadcast to x's shape
// (broadcast.h), e.g. a (T, T) mask over (B, NH, T, T) attention scores.
Tensor masked_fill(const Tensor& x, const Tensor& mask, real value);

// (T, T): 1 at (i, j) when j > i (position i must not see the later position j), 0 elsewhere
Tensor causal_mask(int64_t T);

}  // namespace gs
