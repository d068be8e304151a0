// Exercise 03.2: strides that read a tensor as if it had a bigger, broadcast shape. Chapter 03,
// tutorials/03_tensors.md.
//
// `in` (row-major, contiguous) broadcasts to `out`, which has at least as many dims. Return one stride per
// dim of `out`, in elements: how far to move in in's buffer when that dim's index grows by one. Along a dim
// that `in` lacks, or has with size 1, the stride is 0: every index there reads the same element.
//   broadcast_strides({3, 1}, {2, 3, 4}) == {0, 1, 0}
// Test it: make exercise EX=03.2.
#include <vector>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    not_done("03.2");   // replace this line with your code
}

}  // namespace gs::ex
