// The GPT, bottom-up: MLP, CausalSelfAttention, Block, the GPT. See model.h for the layout.
#include "gpt/model.h"

#include <cmath>

#include "autograd/attention.h"
#include "autograd/elementwise.h"
#include "autograd/linear.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"

namespace gs::gpt {

const GPTConfig& GPTConfig::validated() const {
    check(n_layer >= 1, "GPTConfig", "n_layer must be >= 1, got ", n_layer);
    check(n_head >= 1, "GPTConfig", "n_head must be >= 1, got ", n_head);
    check(n_embd >= 1 && n_embd % n_head == 0, "GPTConfig", "n_embd (", n_embd, ") must be a positive multiple of n_head (",
          n_head, ")");
    check(block_size >= 1, "GPTConfig", "block_size must be >= 1, got ", block_size);
    check(vocab_size >= 1, "GPTConfig", "vocab_size must be >= 1, got ", vocab_size);
    check(dropout >= 0 && dropout < 1, "GPTConfig", "dropout must be in [0, 1), got ", dropout);
    return *this;
}

// Residual output projections (the c_proj layers) start with std 0.02 / sqrt(2 * n_layer): each block
// adds two residual branches, and this keeps the residual stream's variance from growing with depth
// (GPT-2 paper, section 2.3).
namespace {
real residual_std(const GPTConfig& cfg) { return real(0.02 / std::sqrt(2.0 * double(cfg.n_layer))); }
}  // namespace

MLP::MLP(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : c_fc(cfg.n_embd, 4 * cfg.n_embd, cfg.bias, init_rng),
      c_proj(4 * cfg.n_embd, cfg.n_embd, cfg.bias, init_rng, residual_std(cfg)),
      dropout(cfg.dropout, dropout_rng) {
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
    register_module("dropout", dropout);
}

Tensor MLP::forward(const Tensor& x) const { return dropout.forward(c_proj.forward(gelu(c_fc.forward(x)))); }

CausalSelfAttention::CausalSelfAttention(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : c_attn(cfg.n_embd, 3 * cfg.n_embd, cfg.bias, init_rng),
      c_proj(cfg.n_embd, cfg.n_embd, cfg.bias, init_rng, residual_std(cfg)),
      attn_dropout(cfg.dropout, dropout_rng),
      resid_dropout(cfg.dropout, dropout_rng),
      n_head(cfg.n_head) {
    check(cfg.n_head > 0 && cfg.n_embd % cfg.n_head == 0, "CausalSelfAttention", "n_embd ", cfg.n_embd,
          " is not divisible by n_head ", cfg.n_head);
    register_module("c_attn", c_attn);
    register_module("c_proj", c_proj);
    register_module("attn_dropout", attn_dropout);
    register_module("resid_dropout", resid_dropout);
}

Tensor CausalSelfAttention::forward(const Tensor& x, KVCache::Layer* kv, int64_t pos0, bool last_only) const {
    check(x.dim() == 3, "CausalSelfAttention", "expects (B, T, C), got ", x.shape());
    check(kv || !last_only, "CausalSelfAttention", "last_only needs a KV cache");
    Tensor qkv = c_attn.forward(x);   // (B, T, 3C)
    Tensor y;                         // (B, T, C), the heads side by side
    // Dropout on the weights needs them as a (B, NH, T, T) tensor of their own: only the reference makes
    // one. Without it (p == 0, or eval mode, where dropout is the identity and draws nothing) the fused
    // op computes the same formula in one pass that skips the masked half of the scores.
    bool weights_dropout = attn_dropout.p > 0 && attn_dropout.training();
    if (kv)
        y = causal_attention_cached(qkv, n_head, kv->k, kv->v, pos0, last_only);   // generation: no dropout, no graph
    else if (fused && !weights_dropout)
        y = causal_attention(qkv, n_head);
    else
        y = causal_attention_reference(qkv, n_head, weights_dropout ? attn_dropout.p : 0, attn_dropout.rng);
    return resid_dropout.forward(c_proj.forward(y));
}

Block::Block(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : ln_1(cfg.n_embd, cfg.bias), attn(cfg, init_rng, dropout_rng), ln_2(cfg.n_embd, cfg.bias),
      mlp(cfg, init_rng, dropout_rng) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("mlp", mlp);
}

Tensor Block::forward(const Tensor& x, KVCache::Layer* kv, int64_t pos0, bool last_only) const {
    int64_t T = x.size(1);
    Tensor h = (last_only ? slice(x, 1, T - 1, T) : x) + attn.forward(ln_1.forward(x), kv, pos0, last_only);
    return h + mlp.forward(ln_2.forward(h));
}

Transformer::Transformer(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : wte(cfg.vocab_size, cfg.n_embd, init_rng),
      wpe(cfg.block_size, cfg.n_embd, init_rng),
      drop(cfg.dropout, dropout_rng),
      ln_f(cfg.n_embd, cfg.bias) {
    register_module("wte", wte);
    register_module("wpe", wpe);
    register_module("drop", drop);
    for (int64_t i = 0; i < cfg.n_layer; i++) {
        h.push_back(std::make_unique<Block>(cfg, init_rng, dropout_rng));
        register_module("h." + std::to_string(i), *h.back());
    }
    register_module("ln_f", ln_f);
}

GPT::GPT(const GPTConfig& cfg, uint64_t seed)
    : config(cfg.validated()), dropout_rng(seed, 2), init_rng(seed, 1), transformer(config, init_rng, dropout_rng) {
    register_module("transformer", transformer);
}

namespace {

// Before a cached forward changes anything: the cache fits the model and the batch and has room for T
// more positions, and dropout is off (it would make generation random and draw from the model's stream).
void check_cache(const GPT& m, const KVCache& cache, int64_t B, int64_t T) {
    const GPTConfig& c = m.config;
    Shape want{B, c.n_head, c.block_size, c.n_embd / c.n_head};
    check(int64_t(cache.layers.size()) == c.n_layer, "GPT", "the KV cache has ", cache.layers.size(),
          " layers, the model ", c.n_layer);
    for (const KVCache::Layer& l : cache.layers)
        check(l.k.shape() == want && l.v.shape() == want, "GPT", "the KV cache's layers are ", l.k.shape(),
              ", the model and batch need (B, NH, block_size, hs) = ", want);
    check(T >= 1 && cache.size() + T <= c.block_size, "GPT", "cannot add ", T, " tokens to the ", cache.size(),
          " positions in the KV cache: block_size is only ", c.block_size);
    check(!m.training() || c.dropout == 0, "GPT", "the model is in training mode with dropout ", c.dropout,
          ": call model.eval() before generating");
}

}  // namespace

KVCache::KVCache(const GPTConfig& cfg, int64_t batch) {
    cfg.validated();
    check(batch >= 1, "KVCache", "batch must be >= 1, got ", batch);
    for (int64_t l = 0; l < cfg.n_layer; l++)
        layers.push_back({Tensor::zeros({batch, cfg.n_head, cfg.block_size, cfg.n_embd / cfg.n_head}),
                          Tensor::zeros({batch, cfg.n_head, cfg.block_size, cfg.n_embd / cfg.n_head})});
}

Tensor GPT::hidden(const Indices& idx, int64_t pos0) const { return trunk(idx, pos0, nullptr); }
Tensor GPT::hidden(const Indices& idx, KVCache& cache) const {
    NoGradGuard no_grad;   // the cached attention has no backward
    return trunk(idx, cache.size(), &cache);
}

Tensor GPT::trunk(const Indices& idx, int64_t pos0, KVCache* cache) const {
    check(idx.dim() == 2, "GPT", "idx must be (B, T), got ", idx.shape());
    int64_t B = idx.shape()[0], T = idx.shape()[1];
    if (cache) check_cache(*this, *cache, B, T);
    check(T >= 1 && pos0 >= 0 && pos0 + T <= config.block_size, "GPT", "cannot forward a sequence of length ", T,
          " at position ", pos0, ": block_size is only ", config.block_size);
    for (int64_t i = 0; i < idx.numel(); i++)
        check(idx.data()[i] >= 0 && idx.data()[i] < config.vocab_size, "GPT", "token id ", idx.data()[i], " at position ", i,
              " is outside the vocabulary of ", config.vocab_size);
    std::vector<int32_t> positions(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; t++) positions[size_t(t)] = int32_t(pos0 + t);
    Tensor tok = transformer.wte.forward(idx);                        // (B, T, C)
    Tensor pos = transformer.wpe.forward(Indices({T}, positions));    // (T, C), broadcast over B
    Tensor x = transformer.drop.forward(tok + pos);
    // With a cache only the last position's logits are wanted: the last block works out that row alone.
    for (size_t l = 0; l < transformer.h.size(); l++)
        x = transformer.h[l]->forward(x, cache ? &cache->layers[l] : nullptr, pos0,
                                      cache && l + 1 == transformer.h.size());
    if (cache) cache->n += T;
    return transformer.ln_f.forward(x);
}

Tensor GPT::head(const Tensor& h) const { return linear(h, transformer.wte.weight); }   // tied lm_head

GPTOutput GPT::forward(const Indices& idx) const { return {head(hidden(idx)), Tensor()}; }

GPTOutput GPT::forward(const Indices& idx, KVCache& cache) const {
    NoGradGuard no_grad;
    return {head(hidden(idx, cache)), Tensor()};   // (B, 1, V)
}

GPTOutput GPT::forward(const Indices& idx, const Indices& targets) const {
    check(targets.shape() == idx.shape(), "GPT", "targets ", targets.shape(), " must have the shape of idx ", idx.shape());
    Tensor logits = head(hidden(idx));
    return {logits, cross_entropy(logits, targets)};
}

}  // namespace gs::gpt
