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
    const size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (size_t i = 0; i < n; i++) {   // i counts dims from the right
        int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;   // a dim a shape lacks acts as size 1
        int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        check(da == db || da == 1 || db == 1, "broadcast_shape", "shapes ", a, " and ", b, " cannot be broadcast together");
        out[n - 1 - i] = da == 1 ? db : da;   // the size-1 side stretches to the other
    }
    return out;
}

}  // namespace gs::ex
