// Helpers for the tests that build GPTs and modules: a small config and parameters scrambled so that
// no gradient is too small to check. Apart from tests/helpers.h because they need gpt/model.h.
#pragma once
#include <cstdint>

#include "gpt/model.h"

namespace gs::test {

// A GPT small enough to train in a test: 2 layers of 2 heads, the other sizes as given.
inline gpt::GPTConfig small_config(int64_t n_embd, int64_t block_size, int64_t vocab_size, bool bias) {
    gpt::GPTConfig c;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = n_embd;
    c.block_size = block_size;
    c.vocab_size = vocab_size;
    c.bias = bias;
    return c;
}

// Sets every parameter of m to normal(0, std) draws. With std far above GPT-2's 0.02, no gradient is small
// enough for a wrong one to hide under a tolerance, no softmax is nearly uniform, and LayerNorm's ones
// and zeros cannot hide a gain or shift used in the wrong place.
inline void scramble(const nn::Module& m, Rng& rng, real std) {
    for (const Tensor& p : m.parameters())
        for (int64_t i = 0; i < p.numel(); i++) p.data()[i] = rng.normal() * std;
}

}  // namespace gs::test
