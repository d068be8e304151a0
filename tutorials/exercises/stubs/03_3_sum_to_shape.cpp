// Exercise 03.3: summing a broadcast gradient back to its operand's shape. Chapter 03, tutorials/03_tensors.md.
//
// In y = a + b with b broadcast (b [3] added to every row of a [4, 3]), each element of b is used by
// several elements of y, so its gradient is the sum of theirs. Here src holds dy, with the result's shape
// src_shape, and dst is the operand's gradient, with the operand's shape dst_shape (which broadcasts to
// src_shape). Add into dst:
//   dst[j] += the sum of src over every position of src that read element j
// Which positions read j is what the strides of exercise 03.2 say: you may use the library's
// gs::broadcast_strides (autograd/broadcast.h) or your own.
// Test it: make exercise EX=03.3.
#include <vector>

#include "autograd/broadcast.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void sum_to_shape(real* dst, const Shape& dst_shape, const real* src, const Shape& src_shape) {
    not_done("03.3");   // replace this line with your code
}

}  // namespace gs::ex
