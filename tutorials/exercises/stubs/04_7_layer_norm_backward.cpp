// Exercise 04.7: layer norm backward. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// The forward of exercise 04.6; mean and rstd (N) are what it saved, and dout = dL/dout (N, C). Add dL/dx
// into dinp (N, C), dL/dweight into dweight (C) and dL/dbias into dbias (C), which is nullptr when there
// is no bias. With xhat = (x - mean) * rstd the forward is out = xhat * weight + bias, so dweight and
// dbias are sums over the rows. dinp is the hard part: the row's mean and rstd depend on every x_c of it.
// Work with g = dout * weight (the gradient reaching xhat); the result fits on one line, with two row means.
// Test it: make exercise EX=04.7. Then compare with layer_norm_backward in autograd/layer_norm.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void layer_norm_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp,
                         const real* weight, const real* mean, const real* rstd, int64_t N, int64_t C) {
    not_done("04.7");   // replace this line with your code
}

}  // namespace gs::ex
