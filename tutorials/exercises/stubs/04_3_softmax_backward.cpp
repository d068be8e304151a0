// Exercise 04.3: the backward of softmax. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// Each of the N rows of D values went through y = softmax(x):  y_i = e^(x_i) / sum_j e^(x_j).
// out holds y (N, D) and dout holds dy = dL/dy (N, D). Add dL/dx into dinp (N, D).
// Every y_i depends on every x_j of its row (raising x_j raises y_j and lowers all the others), so
// start from dy_i/dx_j for i == j and for i != j, then sum over i. You never need the D x D Jacobian.
// Test it: make exercise EX=04.3. Then compare with softmax_backward in autograd/softmax.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void softmax_backward(real* dinp, const real* out, const real* dout, int64_t N, int64_t D) {
    not_done("04.3");   // replace this line with your code
}

}  // namespace gs::ex
