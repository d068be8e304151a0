// Exercise 01.2: exp of a Value and its local derivative. Chapter 01, tutorials/01_derivatives.md.
//
// Return y = e^a as a new Value that remembers `a` as its input, with the local derivative dy/da
// (make_result(data, "exp", a, local), as in exercise 01.1).
//
// Test it: make exercise EX=01.2. Then compare with exp() in autograd/value.cpp.
#include <cmath>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Value value_exp(const Value& a) {
    double y = std::exp(a.data());
    return make_result(y, "exp", a, y);   // e^a is its own derivative, so the local derivative is y itself
}

}  // namespace gs::ex
