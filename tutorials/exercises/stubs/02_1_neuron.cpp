// Exercise 02.1: one neuron. Chapter 02, tutorials/02_mlp_from_values.md.
//
//   out = tanh(b + w[0]*x[0] + w[1]*x[1] + ...)      or, when `nonlinear` is false, the same without tanh
//
// (the last layer's neurons give raw scores). Build it from Value ops (+, *, tanh), never from the
// numbers: the tests run backward() through your result and expect gradients in w, b and x.
// Test it: make exercise EX=02.1.
#include <vector>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Value neuron(const std::vector<Value>& w, const Value& b, const std::vector<Value>& x, bool nonlinear) {
    not_done("02.1");   // replace this line with your code
}

}  // namespace gs::ex
