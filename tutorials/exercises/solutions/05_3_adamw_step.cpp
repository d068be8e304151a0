// Exercise 05.3: one AdamW step. Chapter 05, tutorials/05_nn_and_optimizers.md.
//
// p (n) the parameters, g (n) their gradients, m and v (n) the running means of g and of g^2 (zeros before
// the first step), t the step number, counting from 1. As torch.optim.AdamW does it:
//   1. decoupled weight decay: multiply p by (1 - lr * weight_decay), directly. (Adam with L2 decay adds
//      weight_decay * p to g instead, and then m and v rescale the decay along with the gradient.)
//   2. m = beta1 * m + (1 - beta1) * g;      v = beta2 * v + (1 - beta2) * g^2
//   3. bias corrections: m and v start at 0, so after t steps they are (1 - beta^t) times the averages they
//      estimate:  m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
//   4. p -= lr * m_hat / (sqrt(v_hat) + eps)
// Update p, m and v in place.
// Test it: make exercise EX=05.3. Then compare with adamw_update in nn/optim.cpp.
#include <cmath>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void adamw_step(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                real weight_decay, int64_t t) {
    const double bc1 = 1 - std::pow(double(beta1), double(t));   // per-step constants once, in double
    const double bc2 = 1 - std::pow(double(beta2), double(t));
    const real decay = real(1 - double(lr) * double(weight_decay));
    for (int64_t i = 0; i < n; i++) {
        p[i] *= decay;   // decoupled: the decay never passes through m and v
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const real m_hat = m[i] / real(bc1), v_hat = v[i] / real(bc2);
        p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);   // a step of about lr whatever g's scale
    }
}

}  // namespace gs::ex
