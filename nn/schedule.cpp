// cosine_lr and constant_lr: argument checks, then the formulas of schedule.h, evaluated in double
// and rounded once.
#include "nn/schedule.h"

#include <cmath>

#include "autograd/check.h"

namespace gs::nn {

namespace {

// Warmup starts at max_lr / (warmup_iters + 1) rather than 0, so the very first step already learns.
// The + 1s are done in double: in int64 they overflow for a count of INT64_MAX.
double warmup_lr(int64_t step, double max_lr, int64_t warmup_iters) {
    return max_lr * (double(step) + 1.0) / (double(warmup_iters) + 1.0);
}

}  // namespace

real cosine_lr(int64_t step, real max_lr, real min_lr, int64_t warmup_iters, int64_t decay_iters) {
    check(step >= 0, "cosine_lr", "step must be >= 0, got ", step);
    check(warmup_iters >= 0, "cosine_lr", "warmup_iters must be >= 0, got ", warmup_iters);
    check(decay_iters >= warmup_iters, "cosine_lr", "decay_iters (", decay_iters,
          ") must be >= warmup_iters (", warmup_iters, ")");
    check(std::isfinite(max_lr) && min_lr >= 0 && min_lr <= max_lr, "cosine_lr",
          "need 0 <= min_lr <= max_lr, got min_lr ", min_lr, " and max_lr ", max_lr);
    if (step < warmup_iters) return real(warmup_lr(step, max_lr, warmup_iters));
    if (step > decay_iters) return min_lr;
    int64_t span = decay_iters - warmup_iters;
    double r = span == 0 ? 0.0 : double(step - warmup_iters) / double(span);   // 0 -> 1 over the decay
    double coeff = 0.5 * (1.0 + std::cos(M_PI * r));                           // 1 -> 0
    return real(min_lr + coeff * (double(max_lr) - double(min_lr)));
}

real constant_lr(int64_t step, real lr, int64_t warmup_iters) {
    check(step >= 0, "constant_lr", "step must be >= 0, got ", step);
    check(warmup_iters >= 0, "constant_lr", "warmup_iters must be >= 0, got ", warmup_iters);
    check(std::isfinite(lr) && lr >= 0, "constant_lr", "lr must be a finite number >= 0, got ", lr);
    return step < warmup_iters ? real(warmup_lr(step, lr, warmup_iters)) : lr;
}

}  // namespace gs::nn
