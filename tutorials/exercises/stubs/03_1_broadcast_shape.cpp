// Exercise 03.1: the shape of a broadcast. Chapter 03, tutorials/03_tensors.md.
//
// NumPy's rule: align the two shapes at the right. Going leftwards, two sizes agree when they are equal
// or when one of them is 1 (a dim that one shape lacks counts as 1); the result takes the larger.
//   broadcast_shape({4, 1, 3}, {2, 1}) == {4, 2, 3}      broadcast_shape({}, {2, 3}) == {2, 3}
// Shapes that clash ({2, 3} and {3, 2}) throw std::invalid_argument, naming both shapes: check() from
// autograd/check.h does that in one line.
// Test it: make exercise EX=03.1. Then compare with autograd/broadcast.cpp.
#include <algorithm>

#include "autograd/check.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

Shape broadcast_shape(const Shape& a, const Shape& b) {
    not_done("03.1");   // replace this line with your code
}

}  // namespace gs::ex
