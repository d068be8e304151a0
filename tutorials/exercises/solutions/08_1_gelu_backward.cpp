// Exercise 08.1: the backward of GELU. Chapter 08, tutorials/08_initialisation.md.
//
// GPT-2's MLP (chapter 10) uses the tanh approximation of GELU, elementwise:
//   GELU(x) = 0.5 x (1 + tanh(k (x + c x^3))),    k = sqrt(2 / pi) = 0.7978845608028654,  c = 0.044715
// Given inp = x (n) and dout = dL/dGELU(x) (n), add dL/dx into dinp (n). The product rule first, then the
// chain rule through tanh (d tanh(u)/du = 1 - tanh(u)^2) and through u = k (x + c x^3).
// Test it: make exercise EX=08.1. Then compare with struct Gelu in autograd/elementwise.cpp.
#include <cmath>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void gelu_backward(real* dinp, const real* inp, const real* dout, int64_t n) {
    const real k = real(0.7978845608028654), c = real(0.044715);
    for (int64_t i = 0; i < n; i++) {
        const real x = inp[i];
        const real t = std::tanh(k * (x + c * x * x * x));
        const real dt = (1 - t * t) * k * (1 + 3 * c * x * x);             // dt/dx = (1 - t^2) du/dx
        dinp[i] += dout[i] * (real(0.5) * (1 + t) + real(0.5) * x * dt);   // d/dx of 0.5 x (1 + t), product rule
    }
}

}  // namespace gs::ex
