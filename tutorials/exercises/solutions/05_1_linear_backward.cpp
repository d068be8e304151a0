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
    for (int64_t n = 0; n < N; n++) {
        const real *x = inp + n * IC, *dy = dout + n * OC;
        real* dx = dinp + n * IC;
        for (int64_t o = 0; o < OC; o++) {
            const real* w = weight + o * IC;   // output o's weights
            real* dw = dweight + o * IC;
            for (int64_t i = 0; i < IC; i++) {
                dx[i] += dy[o] * w[i];   // y[n, o] reads x[n, i] through W[o, i]: dx = dy · W
                dw[i] += dy[o] * x[i];   // and W[o, i] through x[n, i], in every row: dW = dyᵀ · x
            }
            if (dbias) dbias[o] += dy[o];   // b[o] is in every row of y: its gradient is the sum over rows
        }
    }
}

}  // namespace gs::ex
