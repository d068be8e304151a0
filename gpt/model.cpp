// The GPT forward pass. See model.h for the layout.
#include "gpt/model.h"

#include "autograd/elementwise.h"
#include "autograd/linear.h"
#include "autograd/softmax.h"

namespace gs {

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

static nn::BlockConfig block_config(const GPTConfig& c) {
    return {c.n_embd, c.n_head, c.n_layer, c.dropout, c.bias};
}

Transformer::Transformer(const GPTConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : wte(cfg.vocab_size, cfg.n_embd, init_rng),
      wpe(cfg.block_size, cfg.n_embd, init_rng),
      drop(cfg.dropout, dropout_rng),
      ln_f(cfg.n_embd, cfg.bias) {
    register_module("wte", wte);
    register_module("wpe", wpe);
    register_module("drop", drop);
    nn::BlockConfig bc = block_config(cfg);
    for (int64_t i = 0; i < cfg.n_layer; i++) {
        h.push_back(std::make_unique<nn::Block>(bc, init_rng, dropout_rng));
        register_module("h." + std::to_string(i), *h.back());
    }
    register_module("ln_f", ln_f);
}

GPT::GPT(const GPTConfig& cfg, uint64_t seed)
    : config(cfg.validated()), dropout_rng(seed, 2), init_rng(seed, 1), transformer(config, init_rng, dropout_rng) {
    register_module("transformer", transformer);
}

Tensor GPT::hidden(const Indices& idx, int64_t pos0) const {
    check(idx.dim() == 2, "GPT", "idx must be (B, T), got ", idx.shape);
    int64_t T = idx.shape[1];
    check(T >= 1 && pos0 >= 0 && pos0 + T <= config.block_size, "GPT", "cannot forward a sequence of length ", T,
          " at position ", pos0, ": block_size is only ", config.block_size);
    for (size_t i = 0; i < idx.data.size(); i++)
        check(idx.data[i] >= 0 && idx.data[i] < config.vocab_size, "GPT", "token id ", idx.data[i], " at position ", i,
              " is outside the vocabulary of ", config.vocab_size);
    std::vector<int32_t> positions(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; t++) positions[size_t(t)] = int32_t(pos0 + t);
    Tensor tok = transformer.wte.forward(idx);                        // (B, T, C)
    Tensor pos = transformer.wpe.forward(Indices({T}, positions));    // (T, C), broadcast over B
    Tensor x = transformer.drop.forward(tok + pos);
    for (const auto& block : transformer.h) x = block->forward(x);
    return transformer.ln_f.forward(x);
}

Tensor GPT::head(const Tensor& h) const { return linear(h, transformer.wte.weight); }   // tied lm_head

GPTOutput GPT::forward(const Indices& idx) const { return {head(hidden(idx)), Tensor()}; }

GPTOutput GPT::forward(const Indices& idx, const Indices& targets) const {
    check(targets.shape == idx.shape, "GPT", "targets ", targets.shape, " must have the shape of idx ", idx.shape);
    Tensor logits = head(hidden(idx));
    return {logits, cross_entropy(logits, targets)};
}

}  // namespace gs
