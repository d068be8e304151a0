// Exercise 09.1: causal self-attention forward, as plain loops. Chapter 09, tutorials/09_self_attention.md.
//
// qkv (B, T, 3C) holds every position's query, key and value side by side: q in columns 0..C-1, k in
// C..2C-1, v in 2C..3C-1. Each is cut into NH heads of hs = C / NH consecutive columns. For every batch
// entry b, head h and position t, with q_t, k_j, v_j head h's hs values at positions t and j:
//   s_tj = q_t · k_j / sqrt(hs)             for j <= t only: a position never sees a later one
//   att_tj = softmax over j <= t of s_tj    and att_tj = 0 for j > t
//   out_t = sum_j att_tj v_j                into columns h*hs .. h*hs + hs - 1 of out (B, T, C)
// Also store the weights in att (B, NH, T, T), the zeros included: the backward (exercise 09.2) reads them.
// Subtract each row's max before exp, as in exercise 04.4.
// Test it: make exercise EX=09.1. Then compare with attention_forward_naive in autograd/attention.cpp.
#include <algorithm>
#include <cmath>
#include <limits>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void attention_forward(real* out, real* att, const real* qkv, int64_t B, int64_t T, int64_t C, int64_t NH) {
    not_done("09.1");   // replace this line with your code
}

}  // namespace gs::ex
