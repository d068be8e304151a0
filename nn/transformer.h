// The pieces of a GPT-2 transformer block: MLP, CausalSelfAttention and the pre-LN Block.
//   Block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
// Parameter names follow nanoGPT (c_fc, c_proj, c_attn, ln_1, ln_2), so a block's weights line up
// with PyTorch code written the same way. Residual output projections (the c_proj layers) are
// initialised with std 0.02 / sqrt(2 * n_layer): each block adds two residual branches, and this keeps
// the residual stream's variance from growing with depth (GPT-2 paper, section 2.3).
#pragma once
#include "nn/layers.h"

namespace gs::nn {

struct BlockConfig {
    int64_t n_embd;    // C
    int64_t n_head;    // NH; head size hs = C / NH
    int64_t n_layer;   // only for the scaled init of c_proj
    real dropout;
    bool bias;
};

// x -> Linear(C, 4C) -> GELU -> Linear(4C, C) -> dropout
struct MLP : Module {
    Linear c_fc, c_proj;
    Dropout dropout;
    MLP(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    Tensor forward(const Tensor& x) const;   // (B, T, C) -> (B, T, C)
};

// Multi-head causal self-attention with a fused q,k,v projection:
//   q, k, v = split(x · Wqkvᵀ);  per head: softmax(q kᵀ / sqrt(hs) + causal mask) v;  concat heads; c_proj
struct CausalSelfAttention : Module {
    Linear c_attn;     // C -> 3C
    Linear c_proj;     // C -> C
    Dropout attn_dropout, resid_dropout;
    int64_t n_head;
    CausalSelfAttention(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    Tensor forward(const Tensor& x) const;   // (B, T, C) -> (B, T, C)
};

struct Block : Module {
    LayerNorm ln_1;
    CausalSelfAttention attn;
    LayerNorm ln_2;
    MLP mlp;
    Block(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    Tensor forward(const Tensor& x) const;   // (B, T, C) -> (B, T, C)
};

}  // namespace gs::nn
