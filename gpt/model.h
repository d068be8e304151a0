// GPT: a decoder-only transformer language model, laid out as nanoGPT lays it out, so that parameter
// names ("transformer.h.0.attn.c_attn.weight") line up with PyTorch code written the same way.
//
//   idx (B, T) -> wte(idx) + wpe(0..T-1) -> dropout -> n_layer pre-LN Blocks -> ln_f -> logits (B, T, V)
//
// The output projection (lm_head) is tied to the token embedding wte: logits = x · wteᵀ. Tying saves
// V*C parameters and makes the input and output views of a token the same vector (Press & Wolf 2017).
// It is stored once, as transformer.wte.weight.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "autograd/indices.h"
#include "nn/transformer.h"

namespace gs {

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

// nanoGPT nests the trunk under `transformer`; this module exists only to carry that name.
struct Transformer : nn::Module {
    nn::Embedding wte;   // (V, C)
    nn::Embedding wpe;   // (block_size, C)
    nn::Dropout drop;
    std::vector<std::unique_ptr<nn::Block>> h;
    nn::LayerNorm ln_f;
    Transformer(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng);
};

struct GPTOutput {
    Tensor logits;   // (B, T, V)
    Tensor loss;     // 0-d mean cross-entropy, undefined without targets
};

class GPT : public nn::Module {
public:
    GPTConfig config;
    Rng dropout_rng;   // the stream every Dropout draws from; saved in training checkpoints
    Rng init_rng;      // draws the initial weights; its own stream, so dropout's does not depend on the size
    Transformer transformer;

    GPT(const GPTConfig& cfg, uint64_t seed);

    GPTOutput forward(const Indices& idx) const;                          // idx (B, T)
    GPTOutput forward(const Indices& idx, const Indices& targets) const;   // targets (B, T)

    // The trunk without the head, from the token embeddings at positions pos0.. to ln_f's output.
    Tensor hidden(const Indices& idx, int64_t pos0 = 0) const;   // (B, T, C)
    Tensor head(const Tensor& h) const;                          // (B, T, C) -> logits (B, T, V)
};

}  // namespace gs
