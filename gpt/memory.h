// What a GPT config costs, worked out before anything is built: the names and shapes of its parameters
// (as GPT::named_parameters() lists them) and an estimate of the bytes that training, evaluating and
// sampling need. Loading a checkpoint checks the file's tensors against the shapes before allocating a
// model; the gpt program refuses a run the machine cannot hold, with the figure, instead of dying of
// std::bad_alloc halfway. The estimates count the big buffers (parameters, gradients, AdamW's moments,
// the activations the graph keeps for the backward, logits, token ids), not allocator overhead; they are
// in double because a hostile config's byte count overflows int64.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "gpt/model.h"

namespace gs::gpt {

using NamedShape = std::pair<std::string, Shape>;

// One block's parameters, named as they are under "transformer.h.<i>." ("ln_1.weight", ...).
std::vector<NamedShape> block_parameter_shapes(const GPTConfig& cfg);
// Every parameter, in named_parameters() order. Lists n_layer blocks, so check num_parameter_tensors()
// against something finite (a file's tensor count) before calling it with an untrusted config.
std::vector<NamedShape> parameter_shapes(const GPTConfig& cfg);
double num_parameter_tensors(const GPTConfig& cfg);
double num_parameters(const GPTConfig& cfg);   // scalars

// Bytes, split into the parts a message names.
struct MemoryEstimate {
    double weights = 0;       // parameters, and in training their gradients and AdamW's two moments
    double activations = 0;   // what one forward keeps for its backward (training) or holds at its peak
    double data = 0;          // the text, its token ids, the batches, the generated tokens
    double total() const { return weights + activations + data; }
    // "about 3.1 GiB (weights 1.2 GiB, activations 1.9 GiB, data 1.1 MiB)"
    std::string str() const;
};

// A training run: B sequences per micro-batch, eval_iters fixed batches per split, a corpus of
// text_bytes (every character a token, in the worst case).
MemoryEstimate training_memory(const GPTConfig& cfg, int64_t B, int64_t eval_iters, int64_t text_bytes);
// `gpt eval`: batches of B windows over n_tokens tokens, no graph kept.
MemoryEstimate eval_memory(const GPTConfig& cfg, int64_t B, int64_t n_tokens);
// `gpt sample`: a prompt of n_prompt tokens and n_new more, with the KV cache.
MemoryEstimate sample_memory(const GPTConfig& cfg, int64_t n_prompt, int64_t n_new);

// The machine's physical memory in bytes (sysconf), or 0 if it cannot tell.
double physical_memory_bytes();
// "1.5 GiB", "300 MiB", "12 KiB", "7 bytes"
std::string format_bytes(double bytes);

// Throws std::invalid_argument "<who>: <what> needs about ... of memory, more than the ... this machine
// has; <advice>" when the estimate exceeds physical memory (or 1 TiB if that is unknown).
void check_fits_in_memory(const MemoryEstimate& m, const std::string& who, const std::string& what,
                          const std::string& advice);

}  // namespace gs::gpt
