// Finite-difference gradient checking. See gradcheck.h.
#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

namespace gs {

namespace {

// L = sum(w * f(x)) accumulated in double, without building a graph
double projected(const GradcheckFn& f, const std::vector<Tensor>& inputs, const Tensor& w) {
    NoGradGuard no_grad;
    Tensor y = f(inputs);
    double L = 0;
    for (int64_t i = 0; i < y.numel(); i++) L += double(w.data()[i]) * double(y.data()[i]);
    return L;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
    GradcheckResult r;
    for (const Tensor& x : inputs) x.impl().grad.reset();
    Tensor y = f(inputs);
    Rng rng(opt.seed);
    Tensor w = Tensor::randn(y.shape(), rng);
    check(y.requires_grad(), "gradcheck", "the function's output does not require grad; mark an input with requires_grad_()");
    y.backward(w);

    std::ostringstream report;
    int mismatches = 0;
    for (size_t k = 0; k < inputs.size(); k++) {
        const Tensor& x = inputs[k];
        if (!x.requires_grad()) continue;
        const real* analytic = x.grad();
        for (int64_t i = 0; i < x.numel(); i++) {
            real saved = x.data()[i];
            x.data()[i] = real(double(saved) + opt.eps);
            double plus = projected(f, inputs, w);
            x.data()[i] = real(double(saved) - opt.eps);
            double minus = projected(f, inputs, w);
            x.data()[i] = saved;
            double numeric = (plus - minus) / (2 * opt.eps);
            double err = std::fabs(double(analytic[i]) - numeric);
            r.max_abs_err = std::max(r.max_abs_err, err);
            r.checked++;
            if (!(err <= opt.atol + opt.rtol * std::fabs(numeric))) {   // also catches NaN
                r.ok = false;
                if (mismatches++ < 8)
                    report << "input " << k << " " << shape_str(x.shape()) << " element " << i << ": analytic "
                           << double(analytic[i]) << ", numeric " << numeric << ", |diff| " << err << "\n";
            }
        }
    }
    if (!r.ok) report << mismatches << " of " << r.checked << " elements differ\n";
    r.report = report.str();
    return r;
}

}  // namespace gs
