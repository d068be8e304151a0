// Gradient clipping by the global L2 norm, as torch.nn.utils.clip_grad_norm_ (norm_type 2) does it:
// one norm over every parameter's gradient together, so clipping keeps the update's direction.
//
//   loss.backward();
//   real norm = nn::clip_grad_norm(model.parameters(), 1.0);   // worth logging: spikes show instability
//   opt.step();
//
// Left out: other norms (inf, L1), per-parameter clipping, clipping by value.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"

namespace gs::nn {

// Returns the norm of all the grads taken together, measured before clipping. If it exceeds max_norm,
// multiplies every grad by max_norm / (norm + 1e-6), which brings the norm just under max_norm.
// Parameters without a grad are skipped (and get none). A non-finite norm is returned as it is, for
// the caller to skip the step. Throws std::invalid_argument if max_norm <= 0 or a tensor is undefined.
real clip_grad_norm(const std::vector<Tensor>& params, real max_norm);

// sum of x[i]^2 for x (n,), accumulated in double in a fixed order, so the result never depends on threads
double sum_squares(const real* x, int64_t n);

}  // namespace gs::nn
