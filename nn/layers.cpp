// Constructors and forwards of the basic layers. See layers.h.
#include "nn/layers.h"

#include "autograd/dropout.h"
#include "autograd/embedding.h"
#include "autograd/layer_norm.h"
#include "autograd/linear.h"

namespace gs::nn {

Linear::Linear(int64_t in, int64_t out, bool has_bias, Rng& rng, real std) {
    check(in > 0 && out > 0, "Linear", "sizes must be positive, got in ", in, ", out ", out);
    weight = Tensor::randn({out, in}, rng, 0, std);
    register_parameter("weight", weight);
    if (has_bias) {
        bias = Tensor::zeros({out});
        register_parameter("bias", bias);
    }
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

Embedding::Embedding(int64_t num, int64_t dim, Rng& rng, real std) {
    check(num > 0 && dim > 0, "Embedding", "sizes must be positive, got num ", num, ", dim ", dim);
    weight = Tensor::randn({num, dim}, rng, 0, std);
    register_parameter("weight", weight);
}

Tensor Embedding::forward(const Indices& idx) const { return embedding(weight, idx); }

LayerNorm::LayerNorm(int64_t dim, bool has_bias, real eps_) : eps(eps_) {
    check(dim > 0, "LayerNorm", "dim must be positive, got ", dim);
    weight = Tensor::ones({dim});
    register_parameter("weight", weight);
    if (has_bias) {
        bias = Tensor::zeros({dim});
        register_parameter("bias", bias);
    }
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }

Dropout::Dropout(real p_, Rng& rng_) : p(p_), rng(&rng_) {
    check(p >= 0 && p < 1, "Dropout", "p must be in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) const { return dropout(x, p, training(), *rng); }

}  // namespace gs::nn
