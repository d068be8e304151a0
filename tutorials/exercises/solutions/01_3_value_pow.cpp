// Exercise 01.3: a Value to a constant power. Chapter 01, tutorials/01_derivatives.md.
//
// Return y = a^k for a constant k (a plain double, not a Value: it gets no gradient), with the local
// derivative dy/da (make_result(data, "pow", a, local), as in exercise 01.1). It must hold for any k:
// 2, 3, -1, 0.5 (the tests keep a > 0 where a^k needs it).
//
// Test it: make exercise EX=01.3. Then compare with pow() in autograd/value.cpp.
#include <cmath>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Value value_pow(const Value& a, double k) {
    // d a^k / da = k a^(k-1): the power drops by one and the old power comes in front
    return make_result(std::pow(a.data(), k), "pow", a, k * std::pow(a.data(), k - 1));
}

}  // namespace gs::ex
