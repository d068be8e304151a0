// Softmax, log-softmax and the fused cross-entropy loss.
//   softmax(x, dim), log_softmax(x, dim): along any dim; x is viewed as (outer, D, inner), D = x.size(dim)
//   cross_entropy(logits, targets): mean over the targets of -log softmax(logits)[target]
// Every one subtracts the row's max before exponentiating (softmax.cpp says why).
// Not here: masking before a softmax (mask.h).
#pragma once
#include "autograd/indices.h"
#include "autograd/tensor.h"

namespace gs {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// logits (..., C), targets (...) = the logits' shape without its last dim. A row whose target is
// ignore_index has no loss and no gradient and is left out of the mean. Returns a 0-d tensor.
Tensor cross_entropy(const Tensor& logits, const Indices& targets, int32_t ignore_index = -1);

// ---- kernels on raw contiguous buffers (the ops above call them; so can benchmarks) ----
// inp, out, dout, dinp: (outer, D, inner); element (o, d, i) sits at (o * D + d) * inner + i.
void softmax_forward(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner);
void softmax_backward(real* dinp, const real* out, const real* dout, int64_t outer, int64_t D, int64_t inner);
void log_softmax_forward(real* out, const real* inp, int64_t outer, int64_t D, int64_t inner);
void log_softmax_backward(real* dinp, const real* out, const real* dout, int64_t outer, int64_t D, int64_t inner);

// losses: (N,) each row's -log softmax(logits)[target], 0 for an ignored row
// logits: (N, C);  targets: (N,), already checked to be in [0, C) or ignore_index
void cross_entropy_forward(real* losses, const real* logits, const int32_t* targets, int64_t N, int64_t C,
                           int32_t ignore_index);
// dlogits: (N, C), += (softmax(logits) - onehot(target)) * scale, where scale = dloss / count
void cross_entropy_backward(real* dlogits, const real* logits, const int32_t* targets, real scale, int64_t N,
                            int64_t C, int32_t ignore_index);

}  // namespace gs
