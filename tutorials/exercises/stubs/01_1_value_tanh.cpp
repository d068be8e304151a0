// Exercise 01.1: tanh of a Value and its local derivative. Chapter 01, tutorials/01_derivatives.md.
//
// Return y = tanh(a) as a new Value that remembers `a` as its input, together with the local derivative
// dy/da. That number is all backward() needs from an op: it later adds local * y.grad into a.grad.
//
//   make_result(data, "tanh", a, local)   makes such a Value (tutorials/exercises/exercises.h)
//   a.data()                              a's number
//
// Write the local derivative in terms of y = tanh(a), which you will have computed already.
// Test it: make exercise EX=01.1. Then compare with tanh() in autograd/value.cpp.
#include <cmath>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Value value_tanh(const Value& a) {
    not_done("01.1");   // replace this line with your code
}

}  // namespace gs::ex
