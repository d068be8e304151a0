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
    not_done("08.1");   // replace this line with your code
}

}  // namespace gs::ex
