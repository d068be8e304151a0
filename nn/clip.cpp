// clip_grad_norm: the norm in double over every grad in parameter order, then one scaling pass.
#include "nn/clip.h"

#include <cmath>

namespace gs::nn {

double sum_squares(const real* x, int64_t n) {
    // One sequential double sum: for the few million weights of a gradschool model this costs a few
    // milliseconds per step, and its rounding is the same on every run and every thread count.
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += double(x[i]) * double(x[i]);
    return s;
}

real clip_grad_norm(const std::vector<Tensor>& params, real max_norm) {
    check(max_norm > 0, "clip_grad_norm", "max_norm must be > 0, got ", max_norm);
    for (size_t i = 0; i < params.size(); i++) check(params[i].defined(), "clip_grad_norm", "parameter ", i, " is undefined");
    double total = 0;
    for (const Tensor& p : params)
        if (p.has_grad()) total += sum_squares(p.grad(), p.numel());
    double norm = std::sqrt(total);
    if (norm > max_norm) {
        // the 1e-6 keeps the divide safe for a tiny max_norm and matches PyTorch
        const real scale = real(double(max_norm) / (norm + 1e-6));
        for (const Tensor& p : params) {
            if (!p.has_grad()) continue;
            real* g = p.grad();
            for (int64_t i = 0; i < p.numel(); i++) g[i] *= scale;
        }
    }
    return real(norm);
}

}  // namespace gs::nn
