// The GPT, bottom-up in one file as nanoGPT's model.py is: MLP, CausalSelfAttention, Block, then the
// GPT itself. A decoder-only transformer language model:
//
//   idx (B, T) -> wte(idx) + wpe(0..T-1) -> dropout -> n_layer pre-LN Blocks -> ln_f -> logits (B, T, V)
//   Block:  x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))
//
// One forward serves training and generation, as in llama2.c: given a KVCache, the same code takes the
// next tokens at positions cache.size().., and each attention layer reads the keys and values cached by
// earlier calls and appends its own. The cache is state the forward keeps, never a second model.
//
// Parameter names follow nanoGPT and GPT-2 ("transformer.h.0.attn.c_attn.weight"), so the weights line
// up with PyTorch code written the same way. The generic layers (Linear, Embedding, LayerNorm, Dropout)
// are in nn/layers.h; the math of every op is in autograd/.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "autograd/indices.h"
#include "nn/layers.h"

namespace gs::gpt {

struct GPTConfig {
    int64_t n_layer = 4;
    int64_t n_head = 4;
    int64_t n_embd = 128;
    int64_t block_size = 64;    // longest context the position table covers
    int64_t vocab_size = 65;
    real dropout = 0;
    bool bias = false;          // biases in Linear layers and LayerNorms
    const GPTConfig& validated() const;   // itself, or throws std::invalid_argument naming the bad field
};

// Keys and values of every layer for the positions seen so far (llama2.c's key_cache and value_cache),
// for generation. Positions are absolute (learned wpe), so it holds at most block_size of them; a
// context that slides past that shifts every position, and the cache is refilled (gpt/sample.cpp).
struct KVCache {
    struct Layer {
        Tensor k, v;   // (B, NH, block_size, hs) each; positions 0 .. size()-1 are filled
    };
    std::vector<Layer> layers;   // (n_layer,)
    int64_t n = 0;               // positions filled; the next token goes at position n

    explicit KVCache(const GPTConfig& cfg, int64_t batch = 1);
    int64_t size() const { return n; }
    void reset() { n = 0; }
};

// x -> Linear(C, 4C) -> GELU -> Linear(4C, C) -> dropout
struct MLP : nn::Module {
    nn::Linear c_fc, c_proj;
    nn::Dropout dropout;
    MLP(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    Tensor forward(const Tensor& x) const;   // (B, T, C) -> (B, T, C)
};

// Multi-head causal self-attention with a fused q,k,v projection:
//   q, k, v = split(x · Wqkvᵀ);  per head: softmax(q kᵀ / sqrt(hs) + causal mask) v;  concat heads; c_proj
// With a cache layer, x holds the tokens at positions pos0..; the keys and values of positions
// 0..pos0-1 come from the cache, and the new ones are written into it. last_only (with a cache): only
// the last row's output is wanted, (B, 1, C); every row's key and value still goes into the cache.
struct CausalSelfAttention : nn::Module {
    nn::Linear c_attn;     // C -> 3C
    nn::Linear c_proj;     // C -> C
    nn::Dropout attn_dropout, resid_dropout;
    int64_t n_head;
    // the fused kernel (autograd/attention.h); false runs the composed reference instead, as nanoGPT's
    // `flash` flag does (dropout on the weights always takes the reference: it needs them as a tensor)
    bool fused = true;
    CausalSelfAttention(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    Tensor forward(const Tensor& x, KVCache::Layer* kv = nullptr, int64_t pos0 = 0,   // (B, T, C) -> (B, T, C)
                   bool last_only = false) const;
};

struct Block : nn::Module {
    nn::LayerNorm ln_1;
    CausalSelfAttention attn;
    nn::LayerNorm ln_2;
    MLP mlp;
    Block(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng);
    // (B, T, C) -> (B, T, C), or (B, 1, C) with last_only; kv, pos0, last_only as in CausalSelfAttention
    Tensor forward(const Tensor& x, KVCache::Layer* kv = nullptr, int64_t pos0 = 0, bool last_only = false) const;
};

// nanoGPT nests the trunk under `transformer`; this module exists only to carry that name.
struct Transformer : nn::Module {
    nn::Embedding wte;   // (V, C)
    nn::Embedding wpe;   // (block_size, C)
    nn::Dropout drop;
    std::vector<std::unique_ptr<Block>> h;
    nn::LayerNorm ln_f;
    Transformer(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng);
};

struct GPTOutput {
    Tensor logits;   // (B, T, V)
    Tensor loss;     // 0-d mean cross-entropy, undefined without targets
};

// The output projection (lm_head) is tied to the token embedding wte: logits = x · wteᵀ. Tying saves
// V*C parameters and makes the input and output views of a token the same vector (Press & Wolf 2017).
// It is stored once, as transformer.wte.weight.
class GPT : public nn::Module {
public:
    GPTConfig config;
    Rng dropout_rng;   // the stream every Dropout draws from; saved in training checkpoints
    Rng init_rng;      // draws the initial weights; its own stream, so dropout's does not depend on the size
    Transformer transformer;

    GPT(const GPTConfig& cfg, uint64_t seed);

    GPTOutput forward(const Indices& idx) const;                          // idx (B, T)
    GPTOutput forward(const Indices& idx, const Indices& targets) const;   // targets (B, T)
    // Generation: idx (B, T) are the next T tokens of each sequence, at positions cache.size()..; their
    // keys and values join the cache. Returns the logits of the last position only, (B, 1, V): the next
    // token's. Builds no graph. Throws std::invalid_argument (the cache unchanged) if the cache does not
    // fit the model or has no room for T more positions, or the model is training with dropout on.
    GPTOutput forward(const Indices& idx, KVCache& cache) const;

    // The trunk without the head, from the token embeddings to ln_f's output (B, T, C), with the tokens
    // at positions pos0... With a cache they go at positions cache.size().., the cache grows by T, and
    // only the last position comes out, (B, 1, C): the last block computes nothing else but the keys and
    // values of the other rows.
    Tensor hidden(const Indices& idx, int64_t pos0 = 0) const;
    Tensor hidden(const Indices& idx, KVCache& cache) const;
    Tensor head(const Tensor& h) const;   // (B, T, C) -> logits (B, T, V)

private:
    Tensor trunk(const Indices& idx, int64_t pos0, KVCache* cache) const;   // both hidden()s
};

}  // namespace gs::gpt
