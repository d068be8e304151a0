// clip_grad_norm: the norm in double over every grad in parameter order, then one scaling pass.
#include "nn/clip.h"

#include <algorithm>
#include <cmath>

#include "autograd/parallel.h"

namespace gs::nn {

namespace {

constexpr int64_t kBlock = 1 << 14;   // elements per partial sum

// sum x^2 over one block, in double, in lane_sum's fixed order (parallel.h)
double block_sum(const real* x, int64_t n) {
    return lane_sum(x, n, [](double v) { return v * v; });
}

}  // namespace

double sum_squares(const real* x, int64_t n) {
    // x is cut into blocks of kBlock elements whatever the thread count; threads share out the blocks
    // and the block sums are added in block order, so the result is the same for every thread count.
    const int64_t blocks = (n + kBlock - 1) / kBlock;
    if (blocks <= 1) return block_sum(x, n);
    static thread_local std::vector<double> part;   // grows once, then is reused every step
    part.resize(size_t(blocks));
    double* sums = part.data();
    // each thread writes only the sums of its own blocks
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < blocks; b++) sums[b] = block_sum(x + b * kBlock, std::min(kBlock, n - b * kBlock));
    double s = 0;
    for (int64_t b = 0; b < blocks; b++) s += sums[b];
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
            const int64_t n = p.numel();
            // each thread scales its own slice of g
#pragma omp parallel for if (n >= kParallelMin)
            for (int64_t i = 0; i < n; i++) g[i] *= scale;
        }
    }
    return real(norm);
}

}  // namespace gs::nn
