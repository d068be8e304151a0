// UpdateRatio: one copy of the weights before a step, then one pass summing squares against it.
#include "nn/update_ratio.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gs::nn {

namespace {

int64_t total_numel(const std::vector<Tensor>& params) {
    int64_t n = 0;
    for (const Tensor& p : params) n += p.numel();
    return n;
}

}  // namespace

void UpdateRatio::before_step(const std::vector<Tensor>& params) {
    before_.resize(size_t(total_numel(params)));
    real* w = before_.data();
    for (const Tensor& p : params) w = std::copy(p.data(), p.data() + p.numel(), w);
}

double UpdateRatio::after_step(const std::vector<Tensor>& params) const {
    check(total_numel(params) == int64_t(before_.size()), "UpdateRatio", "after_step got ", total_numel(params),
          " values, before_step saw ", before_.size());
    // Four running sums of each, one per lane of every four elements, added up in a fixed order at the
    // end: the lanes become vector registers (one running sum would be a chain of dependent adds).
    double update[4] = {0, 0, 0, 0}, data[4] = {0, 0, 0, 0};
    const real* w = before_.data();
    for (const Tensor& p : params) {
        const real* now = p.data();
        const int64_t n = p.numel();
        int64_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; k++) {
                double d = double(now[i + k]) - double(w[i + k]);
                update[k] += d * d;
                data[k] += double(w[i + k]) * double(w[i + k]);
            }
        for (; i < n; i++) {
            double d = double(now[i]) - double(w[i]);
            update[0] += d * d;
            data[0] += double(w[i]) * double(w[i]);
        }
        w += n;
    }
    const double u = (update[0] + update[1]) + (update[2] + update[3]), s = (data[0] + data[1]) + (data[2] + data[3]);
    return s > 0 ? std::sqrt(u / s) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace gs::nn
