// Learning-rate schedules: plain functions of the step number. The trainer calls one before every
// optimizer step and assigns the result to opt.lr, so a resumed run gets the right lr from its step
// count alone (no schedule state to checkpoint).
//
//   opt.lr = nn::cosine_lr(it, 6e-4, 6e-5, 100, 5000);
//
// Left out: step decay, exponential decay, one-cycle, restarts.
#pragma once
#include <cstdint>

#include "autograd/real.h"

namespace gs::nn {

// nanoGPT's schedule. Linear warmup for warmup_iters steps, which reaches max_lr at step warmup_iters:
//   step < warmup_iters:   max_lr * (step + 1) / (warmup_iters + 1)
// then half a cosine from max_lr down to min_lr, reached at step decay_iters:
//   warmup_iters <= step <= decay_iters:   min_lr + 0.5 * (1 + cos(pi * r)) * (max_lr - min_lr),
//                                          r = (step - warmup_iters) / (decay_iters - warmup_iters)
//                                          (r = 0 when decay_iters == warmup_iters)
//   step > decay_iters:   min_lr
// Throws std::invalid_argument for a negative step or count, decay_iters < warmup_iters, or unless
// 0 <= min_lr <= max_lr.
real cosine_lr(int64_t step, real max_lr, real min_lr, int64_t warmup_iters, int64_t decay_iters);

// The same linear warmup, then lr for good.
real constant_lr(int64_t step, real lr, int64_t warmup_iters = 0);

}  // namespace gs::nn
