// Text generation for the GPT: choosing the next token from logits (temperature, top-k, top-p) and a
// KV cache so that each new token costs one position instead of a forward over the whole context.
//
//   model.eval();                                          // dropout off
//   SampleOptions opt;  opt.temperature = 0.8;  opt.top_k = 40;
//   Rng rng(42);
//   std::vector<int32_t> ids = generate(model, tok.encode("\n"), 500, opt, rng, /*use_kv_cache=*/true,
//                                       [&](int32_t id) { std::cout << tok.decode({id}) << std::flush; });
//
// Leaves out: batches (the cache holds one sequence), beam search, repetition penalties.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "gpt/model.h"

namespace gs::gpt {

struct SampleOptions {
    real temperature = 1;   // logits are divided by it; 0 = greedy (argmax)
    int top_k = 0;          // keep only the k most likely tokens; 0 = off
    real top_p = 1;         // keep the fewest most likely tokens whose probability reaches p; 1 = off
    // itself, or throws std::invalid_argument naming the bad option and its value
    const SampleOptions& validated() const;
};

// One token id drawn from softmax(logits / temperature), restricted first to the top_k largest logits
// (ties go to the lower id) and then to the nucleus of probability top_p. Exactly one rng.uniform()
// is drawn per call, so two runs that see the same logits draw the same tokens; greedy decoding
// (temperature 0) draws none. Throws std::invalid_argument for bad options, V < 1, a NaN or +inf
// logit, or logits that are all -inf.
int32_t sample_next(const real* logits, int64_t V, const SampleOptions& opt, Rng& rng);   // logits (V,)

// Keys and values of every layer for the positions seen so far, for one sequence (batch 1).
// forward() runs only the new tokens through the model: their queries attend over the cached keys,
// so generating T tokens costs O(T) projections instead of O(T^2). The positions are absolute
// (learned wpe), so once the context slides past block_size the cache must be rebuilt: see generate().
class KVCache {
public:
    explicit KVCache(const GPTConfig& cfg);

    // Appends new_tokens at positions size().. and returns the logits (V,) of the last of them.
    // Throws std::invalid_argument (changing nothing) if new_tokens is empty, an id is outside the
    // vocabulary, size() + new_tokens.size() > block_size, the model's shape differs from the cache's,
    // or the model is training with dropout on.
    std::vector<real> forward(const GPT& model, const std::vector<int32_t>& new_tokens);

    void reset() { n_ = 0; }
    int64_t size() const { return n_; }   // number of cached positions
    int64_t capacity() const { return T_; }

private:
    int64_t L_, NH_, T_, hs_, C_;   // layers, heads, block_size, head size, channels
    std::vector<real> k_, v_;       // (L, NH, T, hs) each; positions 0..n_-1 are filled
    int64_t n_ = 0;
};

// Attention of new queries over cached keys and values, for one layer. Query t sits at absolute
// position pos0 + t and sees positions 0..pos0+t (causal), so kcache and vcache must already hold
// positions 0..pos0+Tn-1.
//   out (Tn, C) with C = NH*hs: the heads side by side, as c_proj expects them
//   qkv (Tn, 3C): c_attn's output; the queries are its first C columns
//   kcache, vcache (NH, maxT, hs)
void attention_cached(real* out, const real* qkv, const real* kcache, const real* vcache, int64_t Tn, int64_t pos0,
                      int64_t NH, int64_t hs, int64_t maxT);

// Logits (V,) of the last position of a full forward over the last min(len, block_size) tokens:
// the no-cache way of getting the next token's distribution.
std::vector<real> next_logits(const GPT& model, const std::vector<int32_t>& context);

// Samples n_tokens tokens after the prompt and returns them (the new tokens only, not the prompt),
// calling on_token with each one as soon as it is drawn. The prompt must not be empty (a program
// with nothing to say starts from "\n"); only its last block_size tokens are seen.
//   use_kv_cache = false: every token runs the full model over the last block_size tokens.
//   use_kv_cache = true:  the prompt is prefilled once, then each token costs one position. Past
//     block_size the window slides and every position shifts, so the cache is rebuilt from the last
//     block_size tokens for every further token: from then on a token costs as much as without the
//     cache. The tokens are the same either way (same logits up to float rounding, same draws).
// The model must be in eval mode (or have dropout 0). Throws std::invalid_argument before sampling
// anything for an empty prompt, an id outside the vocabulary, n_tokens < 0 or bad options.
std::vector<int32_t> generate(const GPT& model, std::vector<int32_t> prompt, int64_t n_tokens, const SampleOptions& opt,
                              Rng& rng, bool use_kv_cache, const std::function<void(int32_t)>& on_token = {});

}  // namespace gs::gpt
