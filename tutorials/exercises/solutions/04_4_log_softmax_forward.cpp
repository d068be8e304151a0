// Exercise 04.4: log-softmax, computed so that it never overflows. Chapter 04, tutorials/04_backprop_through_ops.md.
//
// For each of the N rows of D values:   out_i = log(softmax(x)_i) = x_i - log(sum_j e^(x_j))
// Overwrite out (N, D). It must hold for any logits: near 1000 (e^1000 overflows a double to inf), near
// -1000 (every e^x underflows to 0, and log(0) = -inf), and -inf itself (a masked class: its output is
// -inf and the others are as if it were not there). softmax(x) = softmax(x - c) for any constant c: pick c.
// Test it: make exercise EX=04.4. Then compare with log_softmax_forward in autograd/softmax.cpp.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void log_softmax_forward(real* out, const real* inp, int64_t N, int64_t D) {
    for (int64_t n = 0; n < N; n++) {
        const real* x = inp + n * D;
        // With m = max_j x_j every exponent is <= 0, so no e^x overflows, and the max's own term is e^0 = 1,
        // so the sum is >= 1 and its log is finite.
        real m = -std::numeric_limits<real>::infinity();
        for (int64_t j = 0; j < D; j++) m = std::max(m, x[j]);
        real sum = 0;
        for (int64_t j = 0; j < D; j++) sum += std::exp(x[j] - m);   // a -inf logit adds e^-inf = 0
        const real shift = m + std::log(sum);   // log sum_j e^(x_j), computed without overflow
        for (int64_t j = 0; j < D; j++) out[n * D + j] = x[j] - shift;
    }
}

}  // namespace gs::ex
