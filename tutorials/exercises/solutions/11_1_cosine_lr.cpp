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
    if (step < warmup_iters) return real(double(max_lr) * double(step + 1) / double(warmup_iters + 1));
    if (step > decay_iters) return min_lr;
    const int64_t span = decay_iters - warmup_iters;
    const double r = span == 0 ? 0.0 : double(step - warmup_iters) / double(span);   // 0 -> 1 over the decay
    const double coeff = 0.5 * (1.0 + std::cos(M_PI * r));                           // 1 -> 0, smoothly
    return real(double(min_lr) + coeff * (double(max_lr) - double(min_lr)));
}

}  // namespace gs::ex
