// Text generation for the GPT: choosing the next token from logits (temperature, top-k, top-p), and
// generate(), which runs the model's own forward with a KV cache (gpt/model.h), so that each new token
// costs one position instead of a forward over the whole context.
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

// Logits (V,) of the last position of a full forward over the last min(len, block_size) tokens:
// the no-cache way of getting the next token's distribution.
std::vector<real> next_logits(const GPT& model, const std::vector<int32_t>& context);

// Samples n_tokens tokens after the prompt and returns them (the new tokens only, not the prompt),
// calling on_token with each one as soon as it is drawn. The prompt must not be empty (a program
// with nothing to say starts from "\n"); only its last block_size tokens are seen.
//   use_kv_cache = false: every token runs the full model over the last block_size tokens.
//   use_kv_cache = true:  the prompt is prefilled in one batched forward, then each token costs one
//     position. Past block_size the window slides and every position shifts, so each further token
//     runs the batched forward over the last block_size tokens again (refilling the cache): from then
//     on a token costs what it costs without the cache. The tokens are the same either way (the same
//     logits up to float rounding, the same draws).
// The model must be in eval mode (or have dropout 0). Throws std::invalid_argument before sampling
// anything for an empty prompt, an id outside the vocabulary, n_tokens < 0 or bad options.
std::vector<int32_t> generate(const GPT& model, std::vector<int32_t> prompt, int64_t n_tokens, const SampleOptions& opt,
                              Rng& rng, bool use_kv_cache, const std::function<void(int32_t)>& on_token = {});

}  // namespace gs::gpt
