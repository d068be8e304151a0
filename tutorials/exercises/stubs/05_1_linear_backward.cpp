// Exercise 05.1: the backward of a linear layer. Chapter 05, tutorials/05_nn_and_optimizers.md.
//
// nn::Linear computes y (N, OC) = x (N, IC) · Wᵀ + b, with the weight stored (OC, IC) as PyTorch stores it
// (row o holds output o's weights) and b (OC) added to every row. Given dout = dL/dy (N, OC), add dL/dx into
// dinp (N, IC), dL/dW into dweight (OC, IC) and dL/db into dbias (OC); dbias is nullptr when there is no bias.
// It is exercise 04.2 again with B = Wᵀ, plus the bias, which every row of y uses.
// Test it: make exercise EX=05.1. Then compare with linear's backward in autograd/linear.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void linear_backward(real* dinp, real* dweight, real* dbias, const real* dout, const real* inp, const real* weight,
                     int64_t N, int64_t IC, int64_t OC) {
    not_done("05.1");   // replace this line with your code
}

}  // namespace gs::ex
