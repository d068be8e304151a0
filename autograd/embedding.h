// Embedding: a table lookup. Row idx of a (V, C) weight becomes the vector for token idx, e.g.
// GPT's token and position embeddings. The backward adds each output row's gradient back into the
// row it came from, so a token seen twice in a batch gets both gradients.
// Not here: the Embedding module that owns the weight (nn/).
#pragma once
#include "autograd/indices.h"
#include "autograd/tensor.h"

namespace gs {

// weight (V, C), idx any shape with values in [0, V) -> (idx.shape()..., C)
Tensor embedding(const Tensor& weight, const Indices& idx);

// ---- kernels on raw contiguous buffers; idx already checked to be in [0, V) ----
// out: (n, C);  weight: (V, C);  idx: (n,)
void embedding_forward(real* out, const real* weight, const int32_t* idx, int64_t n, int64_t C);
// dweight: (V, C), row idx[k] += dout[k];  dout: (n, C);  idx: (n,)
void embedding_backward(real* dweight, const real* dout, const int32_t* idx, int64_t n, int64_t C);

}  // namespace gs
