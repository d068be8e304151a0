// The basic layers: Linear, Embedding, LayerNorm, Dropout. Each owns its parameters and calls one
// autograd op in forward(); the math (and its backward) lives with the op in autograd/.
// Initialisation follows GPT-2: weights ~ normal(0, 0.02) from the caller's Rng, biases zero,
// LayerNorm weight one and bias zero. A model may re-initialise a layer (GPT scales c_proj).
#pragma once
#include "autograd/indices.h"
#include "autograd/rng.h"
#include "nn/module.h"

namespace gs::nn {

// y = x · Wᵀ + b
struct Linear : Module {
    Tensor weight;   // (out, in)
    Tensor bias;     // (out), undefined when bias = false
    Linear(int64_t in, int64_t out, bool bias, Rng& rng, real std = real(0.02));
    Tensor forward(const Tensor& x) const;   // (..., in) -> (..., out)
};

// y[..., :] = weight[idx[...], :]
struct Embedding : Module {
    Tensor weight;   // (num, dim)
    Embedding(int64_t num, int64_t dim, Rng& rng, real std = real(0.02));
    Tensor forward(const Indices& idx) const;   // idx (...) -> (..., dim)
};

// y = (x - mean) / sqrt(var + eps) * weight + bias, over the last dim
struct LayerNorm : Module {
    Tensor weight;   // (dim)
    Tensor bias;     // (dim), undefined when bias = false
    real eps;
    LayerNorm(int64_t dim, bool bias, real eps = real(1e-5));
    Tensor forward(const Tensor& x) const;
};

// Zeroes each element with probability p in training mode (scaling the rest by 1/(1-p)); identity in
// eval mode. The random stream is the model's, passed in at construction, so a run is reproducible
// and its state can be checkpointed.
struct Dropout : Module {
    real p;
    Rng* rng;
    Dropout(real p, Rng& rng);
    Tensor forward(const Tensor& x) const;
};

}  // namespace gs::nn
