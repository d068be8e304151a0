// Dropout (inverted): while training, each value is zeroed with probability p and the survivors are
// scaled by 1/(1-p), so the expected value of every output equals its input and evaluation needs no
// rescaling. The mask comes from the caller's Rng, so a fixed seed gives a fixed mask.
// Not here: the Dropout module that remembers p and the training flag (nn/).
#pragma once
#include "autograd/tensor.h"

namespace gs {

// p in [0, 1). Returns x itself (no copy, no graph node) when !training or p == 0.
// Otherwise draws one rng.uniform() per element, in order, and keeps the element when it is >= p.
Tensor dropout(const Tensor& x, real p, bool training, Rng& rng);

}  // namespace gs
