// gradcheck: compares the gradients backward() computes against central finite differences.
//
//   auto r = gradcheck([](const std::vector<Tensor>& in) { return tanh(matmul(in[0], in[1])); },
//                      {a.requires_grad_(), b.requires_grad_()});
//   EXPECT_TRUE(r.ok) << r.report;
//
// The output is projected on fixed random weights w, L = sum(w * f(x)), so that every output element
// counts with a different weight (with plain sum(f) a softmax's gradient is zero whatever its
// backward does). Each input that requires grad is checked element by element:
//   dL/dx_i ~ (L(x_i + eps) - L(x_i - eps)) / (2 eps)
// Precision: in the double build (GRADSCHOOL_DOUBLE, which the gradient tests use) the defaults are
// tight: a wrong sign, a wrong factor or a missing term fails. In the float build the check is rough.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace gs {

struct GradcheckOptions {
    double eps  = sizeof(real) == 8 ? 1e-6 : 1e-2;   // finite-difference step
    double atol = sizeof(real) == 8 ? 1e-7 : 1e-2;   // pass if |analytic - numeric| <= atol + rtol * |numeric|
    double rtol = sizeof(real) == 8 ? 1e-5 : 5e-2;
    uint64_t seed = 42;                              // for the projection weights w
};

struct GradcheckResult {
    bool ok = true;
    double max_abs_err = 0;     // largest |analytic - numeric| over every checked element
    int64_t checked = 0;        // elements compared
    std::string report;         // the first few mismatches, with input index, element, both values
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& opt = GradcheckOptions());

}  // namespace gs
