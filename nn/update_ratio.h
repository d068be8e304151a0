// The update-to-data ratio of one optimizer step over a set of parameters taken together:
//
//   ratio = ||w_after - w_before|| / ||w_before||      (L2 norms over every entry of every parameter)
//
//   nn::UpdateRatio meter;
//   meter.before_step(params);
//   opt.step();
//   double r = meter.after_step(params);   // about 1e-3 is a healthy step; far above, the lr is too high
//
// The update exists only inside the optimizer's step, so before_step copies the weights into one buffer
// the size of the parameters, made once and reused. Left out: per-tensor ratios (chapter 8 computes those).
#pragma once
#include <vector>

#include "autograd/tensor.h"

namespace gs::nn {

class UpdateRatio {
public:
    // Remembers the weights of params (the same tensors, in the same order, as after_step gets).
    void before_step(const std::vector<Tensor>& params);
    // The ratio for the weights as they are now, against those remembered. NaN if the remembered weights
    // were all zero (a ratio to nothing). Throws std::invalid_argument if params hold another number
    // of values than before_step saw. Sums in double in a fixed order: the same for every thread count.
    double after_step(const std::vector<Tensor>& params) const;

private:
    std::vector<real> before_;   // (total numel,) every parameter, in order
};

}  // namespace gs::nn
