// causal_attention: multi-head causal self-attention as one op, from the fused q,k,v projection to the
// heads' outputs side by side. Per head h, with hs = C / NH:
//   y_h = softmax(q_h k_hᵀ / sqrt(hs) + causal mask) v_h
// It does what nanoGPT's split / view / transpose / matmul / masked_fill / softmax / matmul chain does
// (causal_attention_reference below, the one place that chain is written), in one pass that skips the
// masked half. causal_attention_cached is the same attention for generation: new queries over the keys
// and values of earlier calls, kept in a KV cache.
// Not here: the q,k,v and output projections (nn::Linear), the cache's owner (gpt/model.h).
#pragma once
#include "autograd/rng.h"
#include "autograd/tensor.h"

namespace gs {

// qkv (B, T, 3C) = [q | k | v] along the last dim, each C wide and split into n_head heads of hs
// consecutive columns (head h of q is columns h*hs .. h*hs+hs-1) -> y (B, T, C), head h in the same
// columns. Saves the (B, NH, T, T) softmax for the backward.
Tensor causal_attention(const Tensor& qkv, int64_t n_head);

// The reference: the same attention as nanoGPT writes it, from the general ops (split, heads as
// (B, NH, T, hs), q kᵀ scaled, causal mask, softmax, weights · v, heads side by side). The tests and
// benchmarks hold the fused op to it, and CausalSelfAttention runs it for dropout on the weights, which
// needs them as a (B, NH, T, T) tensor of their own: with dropout_p > 0 they go through
// dropout(att, dropout_p, true, *dropout_rng) (autograd/dropout.h) before the product with v.
Tensor causal_attention_reference(const Tensor& qkv, int64_t n_head, real dropout_p = 0, Rng* dropout_rng = nullptr);

// Generation with a KV cache. qkv (B, Tn, 3C) holds Tn new tokens of each sequence, at positions
// pos0 .. pos0+Tn-1; k_cache and v_cache (B, NH, maxT, hs) already hold the keys and values of positions
// 0 .. pos0-1. The new keys and values are written into the caches at pos0.., then query t attends over
// positions 0 .. pos0+t. Returns y (B, Tn, C) as causal_attention would over all pos0+Tn positions, or
// with last_only only its last row, (B, 1, C), when nothing else is wanted (the last layer when
// generating: every new key and value is still written).
// No backward (it is for sampling): throws std::invalid_argument if qkv requires grad while grad mode is
// on; run it under NoGradGuard.
Tensor causal_attention_cached(const Tensor& qkv, int64_t n_head, Tensor& k_cache, Tensor& v_cache, int64_t pos0,
                               bool last_only = false);

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

// The cached forward: writes the Tn new keys and values into the caches at positions pos0.., then for
// the last Tq new tokens (Tq <= Tn; Tq = Tn for all of them)
// out[b, t] = softmax over j <= pos0+t of q_t · k_j / sqrt(hs), times v_j, summed over j.
void attention_cached_forward(real* out,         // (B, Tq, C)
                              real* kcache,      // (B, NH, maxT, hs): rows pos0.. written, 0 .. pos0+Tn-1 read
                              real* vcache,      // (B, NH, maxT, hs): likewise
                              const real* qkv,   // (B, Tn, 3C): the new tokens' q, k, v
                              int64_t B, int64_t Tn, int64_t Tq, int64_t pos0, int64_t maxT, int64_t C, int64_t NH);
void attention_cached_forward_naive(real* out, real* kcache, real* vcache, const real* qkv, int64_t B, int64_t Tn,
                                    int64_t Tq, int64_t pos0, int64_t maxT, int64_t C, int64_t NH);

}  // namespace gs
