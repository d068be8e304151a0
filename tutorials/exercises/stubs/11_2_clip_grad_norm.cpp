// Exercise 11.2: clipping the gradient by its global norm. Chapter 11, tutorials/11_training_a_gpt.md.
//
// Treat the gradients of all of params as one long vector and compute its L2 norm (sum the squares in
// double). If the norm exceeds max_norm, multiply every gradient by max_norm / (norm + 1e-6), as PyTorch's
// clip_grad_norm_ does: the update keeps its direction, only its length is capped. Return the norm measured
// before clipping. A parameter without a grad (p.has_grad() is false) takes no part, and must not get one.
//   p.grad()    its grad buffer, p.numel() values (calling it on a parameter without one would make one)
// Test it: make exercise EX=11.2. Then compare with clip_grad_norm in nn/clip.cpp.
#include <cmath>
#include <vector>

#include "autograd/tensor.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

real clip_grad_norm(const std::vector<Tensor>& params, real max_norm) {
    not_done("11.2");   // replace this line with your code
}

}  // namespace gs::ex
