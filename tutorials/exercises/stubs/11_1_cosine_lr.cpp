// Exercise 11.1: the learning-rate schedule of nanoGPT. Chapter 11, tutorials/11_training_a_gpt.md.
//
// A linear warmup over warmup_iters steps, then half a cosine from max_lr down to min_lr, reached at step
// decay_iters, then min_lr for good:
//   step < warmup_iters:                   max_lr * (step + 1) / (warmup_iters + 1)
//   warmup_iters <= step <= decay_iters:   min_lr + 0.5 * (1 + cos(pi * r)) * (max_lr - min_lr),
//                                          r = (step - warmup_iters) / (decay_iters - warmup_iters)
//                                          (r = 0 when decay_iters == warmup_iters)
//   step > decay_iters:                    min_lr
// The +1s let the very first step learn already. The arguments are valid: no checks needed.
// Test it: make exercise EX=11.1. Then compare with cosine_lr in nn/schedule.cpp.
#include <cmath>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

real cosine_lr(int64_t step, real max_lr, real min_lr, int64_t warmup_iters, int64_t decay_iters) {
    not_done("11.1");   // replace this line with your code
}

}  // namespace gs::ex
