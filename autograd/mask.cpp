// masked_fill and causal_mask. The common case, a mask that repeats over x's leading dims (a (T, T)
// causal mask over (B, NH, T, T) scores), runs as flat blocks split across threads; any other
// broadcast walks x row by row with the strides from broadcast.h.
#include "autograd/mask.h"

#include <algorithm>

#include "autograd/broadcast.h"
#include "autograd/parallel.h"

namespace gs {

namespace {

// True when the mask, leading 1s dropped, has exactly x's trailing dims: then x is (outer, M) and
// every block of M values uses the whole mask (M,).
bool mask_tiles_x(const Shape& x, const Shape& mask) {
    size_t lead = 0;
    while (lead < mask.size() && mask[lead] == 1) lead++;
    size_t k = mask.size() - lead;
    return k <= x.size() && std::equal(mask.begin() + int64_t(lead), mask.end(), x.end() - int64_t(k));
}

// out, inp: (outer, M);  mask: (M,)
void masked_fill_forward(real* out, const real* inp, const real* mask, real value, int64_t outer, int64_t M) {
    // each thread writes its own blocks of out
#pragma omp parallel for if (outer * M >= kParallelMin)
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < M; j++) out[o * M + j] = mask[j] != 0 ? value : inp[o * M + j];
}

// dinp, dout: (outer, M);  mask: (M,)
void masked_fill_backward(real* dinp, const real* dout, const real* mask, int64_t outer, int64_t M) {
#pragma omp parallel for if (outer * M >= kParallelMin)
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < M; j++)
            if (mask[j] == 0) dinp[o * M + j] += dout[o * M + j];
}

}  // namespace

// y = mask != 0 ? value : x;   dx += dy where mask == 0
Tensor masked_fill(const Tensor& x, const Tensor& mask, real value) {
    check(broadcast_shape(x.shape(), mask.shape(), "masked_fill") == x.shape(), "masked_fill", "mask of shape ",
          mask.shape(), " does not broadcast to x's shape ", x.shape(), " (it would make the result larger than x)");
    Tensor y = Tensor::empty(x.shape());
    Tensor m = mask.detach();   // only its values are needed: no graph through the mask
    if (mask_tiles_x(x.shape(), mask.shape())) {
        int64_t M = m.numel(), outer = M ? x.numel() / M : 0;
        masked_fill_forward(y.data(), x.data(), m.data(), value, outer, M);
        y.set_backward("masked_fill", {x}, [x, m, outer, M](const Tensor& out) {
            masked_fill_backward(x.grad(), out.grad(), m.data(), outer, M);
        });
        return y;
    }
    // general broadcast: for_each_row hands each row's offsets into x (stride 1) and into the mask
    std::vector<int64_t> sx = broadcast_strides(x.shape(), x.shape()), sm = broadcast_strides(m.shape(), x.shape());
    const real *xs = x.data(), *ms = m.data();
    real* ys = y.data();
    for_each_row(x.shape(), sx, sm, [&](int64_t o, int64_t, int64_t im, int64_t n, int64_t, int64_t dm) {
        for (int64_t i = 0; i < n; i++) ys[o + i] = ms[im + i * dm] != 0 ? value : xs[o + i];
    });
    y.set_backward("masked_fill", {x}, [x, m, sx, sm](const Tensor& out) {
        real* dx = x.grad();
        const real *dy = out.grad(), *mk = m.data();
        for_each_row(x.shape(), sx, sm, [&](int64_t o, int64_t, int64_t im, int64_t n, int64_t, int64_t dm) {
            for (int64_t i = 0; i < n; i++)
                if (mk[im + i * dm] == 0) dx[o + i] += dy[o + i];
        });
    });
    return y;
}

Tensor causal_mask(int64_t T) {
    check(T >= 0, "causal_mask", "T must be >= 0, got ", T);
    Tensor m = Tensor::zeros({T, T});
    for (int64_t i = 0; i < T; i++)
        for (int64_t j = i + 1; j < T; j++) m.data()[i * T + j] = 1;
    return m;
}

}  // namespace gs
