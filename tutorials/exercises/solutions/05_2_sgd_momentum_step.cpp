// Exercise 05.2: one SGD step with momentum and weight decay. Chapter 05, tutorials/05_nn_and_optimizers.md.
//
// p (n) the parameters, g (n) their gradients, buf (n) the momentum buffer (zeros before the first step).
// As torch.optim.SGD does it (dampening 0): weight decay is L2, added to the gradient; the buffer is a
// running sum of the past directions, each step decayed by `momentum`; the step follows the buffer:
//   d = g + weight_decay * p;      buf = momentum * buf + d;      p = p - lr * buf
// Update p and buf in place.
// Test it: make exercise EX=05.2. Then compare with sgd_update in nn/optim.cpp.
#include <cstdint>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void sgd_momentum_step(real* p, const real* g, real* buf, int64_t n, real lr, real momentum,
                       real weight_decay) {
    for (int64_t i = 0; i < n; i++) {
        const real d = g[i] + weight_decay * p[i];   // L2 decay: the gradient of (wd / 2) p^2, added to g
        buf[i] = momentum * buf[i] + d;
        p[i] -= lr * buf[i];
    }
}

}  // namespace gs::ex
