// Exercise 04.6: layer norm forward. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// For each of the N rows of C values x (row-major (N, C)):
//   mean = (1/C) sum_c x_c        var = (1/C) sum_c (x_c - mean)^2   (biased: divide by C, not C - 1)
//   rstd = 1 / sqrt(var + eps)     out_c = (x_c - mean) * rstd * weight_c + bias_c
// bias may be nullptr: then there is no bias term. Also store each row's mean and rstd in mean (N) and
// rstd (N): the backward (exercise 04.7) reads them instead of recomputing them.
// Test it: make exercise EX=04.6. Then compare with layer_norm_forward in autograd/layer_norm.cpp.
#include <cmath>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void layer_norm_forward(real* out, real* mean, real* rstd, const real* inp, const real* weight, const real* bias,
                        int64_t N, int64_t C, real eps) {
    not_done("04.6");   // replace this line with your code
}

}  // namespace gs::ex
