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
    double total = 0;   // one sum over every gradient: the norm of them all together
    for (const Tensor& p : params) {
        if (!p.has_grad()) continue;
        const real* g = p.grad();
        for (int64_t i = 0; i < p.numel(); i++) total += double(g[i]) * double(g[i]);
    }
    const double norm = std::sqrt(total);
    if (norm > max_norm) {
        const real scale = real(double(max_norm) / (norm + 1e-6));   // the 1e-6 keeps a tiny max_norm safe
        for (const Tensor& p : params) {
            if (!p.has_grad()) continue;
            real* g = p.grad();
            for (int64_t i = 0; i < p.numel(); i++) g[i] *= scale;   // every grad by the same factor: same direction
        }
    }
    return real(norm);
}

}  // namespace gs::ex
