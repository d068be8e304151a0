// Exercise 09.2: causal self-attention backward, as plain loops. Chapter 09, tutorials/09_self_attention.md.
//
// The forward of exercise 09.1; att (B, NH, T, T) holds the weights it saved, and dout = dL/dout (B, T, C).
// Add dL/dqkv into dqkv (B, T, 3C): the q, k and v parts go in the same columns as in qkv. Take the forward's
// three steps backwards: out_t = sum_j att_tj v_j (a matrix product: exercise 04.2), the softmax of each row
// of scores (exercise 04.3), then s_tj = q_t · k_j / sqrt(hs) (a product again, and the scale comes along).
// The masked weights are 0, so nothing flows through them.
// Test it: make exercise EX=09.2. Then compare with attention_backward_naive in autograd/attention.cpp.
#include <cmath>
#include <vector>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void attention_backward(real* dqkv, const real* dout, const real* qkv, const real* att, int64_t B, int64_t T,
                        int64_t C, int64_t NH) {
    const int64_t hs = C / NH;
    const real scale = real(1.0 / std::sqrt(double(hs)));
    std::vector<real> da(size_t(T), 0);   // (T,) the gradient of one row of weights
    for (int64_t b = 0; b < B; b++) {
        for (int64_t h = 0; h < NH; h++) {
            for (int64_t t = 0; t < T; t++) {
                const real* a = att + ((b * NH + h) * T + t) * T;     // (T,) the weights of query t
                const real* dy = dout + (b * T + t) * C + h * hs;     // (hs,)
                const real* q = qkv + (b * T + t) * 3 * C + h * hs;   // (hs,)
                real* dq = dqkv + (b * T + t) * 3 * C + h * hs;       // (hs,)
                // out_t = sum_j a_j v_j:  da_j = dy · v_j,  dv_j += a_j dy
                real dot = 0;   // sum_j a_j da_j, for the softmax below
                for (int64_t j = 0; j <= t; j++) {
                    const real* v = qkv + (b * T + j) * 3 * C + 2 * C + h * hs;
                    real* dv = dqkv + (b * T + j) * 3 * C + 2 * C + h * hs;
                    real s = 0;
                    for (int64_t d = 0; d < hs; d++) s += dy[d] * v[d];
                    da[size_t(j)] = s;
                    dot += a[j] * s;
                    for (int64_t d = 0; d < hs; d++) dv[d] += a[j] * dy[d];
                }
                // a = softmax(s): ds_j = a_j (da_j - sum_j' a_j' da_j'), then s_j = q · k_j * scale
                for (int64_t j = 0; j <= t; j++) {
                    const real* k = qkv + (b * T + j) * 3 * C + C + h * hs;
                    real* dk = dqkv + (b * T + j) * 3 * C + C + h * hs;
                    const real ds = a[j] * (da[size_t(j)] - dot);
                    for (int64_t d = 0; d < hs; d++) {
                        dq[d] += scale * ds * k[d];
                        dk[d] += scale * ds * q[d];   // key j is seen by every query t >= j: += collects them
                    }
                }
            }
        }
    }
}

}  // namespace gs::ex
