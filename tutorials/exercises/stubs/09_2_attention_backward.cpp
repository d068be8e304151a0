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
    not_done("09.2");   // replace this line with your code
}

}  // namespace gs::ex
