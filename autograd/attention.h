// causal_attention: multi-head causal self-attention as one op, from the fused q,k,v projection to the
// heads' outputs side by side. Per head h, with hs = C / NH:
//   y_h = softmax(q_h k_hᵀ / sqrt(hs) + causal mask) v_h
// It does what nanoGPT's split / view / transpose / matmul / masked_fill / softmax / matmul chain does
// (gpt/model.cpp keeps that chain for dropout), in one pass that skips the masked half.
// Not here: dropout on the attention weights, the q,k,v and output projections (nn::Linear).
#pragma once
#include "autograd/tensor.h"

namespace gs {

// qkv (B, T, 3C) = [q | k | v] along the last dim, each C wide and split into n_head heads of hs
// consecutive columns (head h of q is columns h*hs .. h*hs+hs-1) -> y (B, T, C), head h in the same
// columns. Saves the (B, NH, T, T) softmax for the backward.
Tensor causal_attention(const Tensor& qkv, int64_t n_head);

// ---- kernels on raw contiguous buffers (the op calls the fast pair; tests and benchmarks call all) ----
// att[b, h, t, t2] = softmax over t2 <= t of q_t · k_t2 / sqrt(hs), and 0 for t2 > t (the mask).

void attention_forward(real* out,         // (B, T, C)
                       real* att,         // (B, NH, T, T) the saved softmax, written in full
                       const real* qkv,   // (B, T, 3C)
                       int64_t B, int64_t T, int64_t C, int64_t NH);
// dqkv += the gradient of sum(out * dout) with respect to qkv
void attention_backward(real* dqkv,         // (B, T, 3C), added to
                        const real* dout,   // (B, T, C)
                        const real* qkv,    // (B, T, 3C)
                        const real* att,    // (B, NH, T, T) from attention_forward
                        int64_t B, int64_t T, int64_t C, int64_t NH);

// The references: one loop per index (b, h, t, t2, d), each formula written out. Slow, single-threaded.
void attention_forward_naive(real* out, real* att, const real* qkv, int64_t B, int64_t T, int64_t C, int64_t NH);
void attention_backward_naive(real* dqkv, const real* dout, const real* qkv, const real* att, int64_t B, int64_t T,
                              int64_t C, int64_t NH);

}  // namespace gs
