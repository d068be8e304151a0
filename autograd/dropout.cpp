// Dropout: draw the mask, multiply by it, and multiply the gradient by the same mask.
// The mask is drawn serially (one Rng, elements in order) so that it depends only on the seed and
// not on the thread count. The two multiplies are cheap next to the draws, so nothing is threaded.
#include "autograd/dropout.h"

namespace gs {

// y = x * mask,  mask_i = 1/(1-p) if kept else 0;   dx += dy * mask
Tensor dropout(const Tensor& x, real p, bool training, Rng& rng) {
    check(p >= 0 && p < 1, "dropout", "p must be in [0, 1), got ", p, " (x is ", x.shape(), ")");
    if (!training || p == 0) return x;

    int64_t n = x.numel();
    // The scale is folded into the mask, so forward and backward are one multiply each. The mask is
    // a plain buffer tensor: no graph, captured by the closure so the backward sees the same mask.
    Tensor mask = Tensor::empty(x.shape());
    real scale = 1 / (1 - p);
    real* m = mask.data();
    for (int64_t i = 0; i < n; i++) m[i] = rng.uniform() >= p ? scale : 0;

    Tensor y = Tensor::empty(x.shape());
    const real* xs = x.data();
    real* ys = y.data();
    for (int64_t i = 0; i < n; i++) ys[i] = xs[i] * m[i];
    y.set_backward("dropout", {x}, [x, mask](const Tensor& out) {
        real* dx = x.grad();
        const real *dy = out.grad(), *mk = mask.data();
        for (int64_t i = 0; i < x.numel(); i++) dx[i] += dy[i] * mk[i];
    });
    return y;
}

}  // namespace gs
