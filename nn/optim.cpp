// SGD, Adam and AdamW: the argument checks, the per-parameter walk in step(), and the update kernels.
// The per-step constants (bias corrections, decay factor) are computed in double, as torch.optim does
// in Python, then rounded once to real; the per-element work stays in real.
#include "nn/optim.h"

#include <cmath>

#include "autograd/parallel.h"

namespace gs::nn {

namespace {

bool finite_at_least_zero(real x) { return std::isfinite(x) && x >= 0; }

// The shared Adam loop. p, g, m, v are (n,). AdamW passes l2 = 0 and decay = 1 - lr*wd; Adam passes
// l2 = wd and decay = 1, which leave p and d exactly as they were.
// p *= decay;   d = g + l2*p;   m = b1*m + (1-b1)*d;   v = b2*v + (1-b2)*d^2;   p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
void adam_loop(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
               real l2, real decay, int64_t t) {
    // Without the bias corrections the first steps would be tiny: m and v start at zero, so early on
    // they are (1 - beta^t) times the averages they estimate.
    const double bc1 = 1 - std::pow(double(beta1), double(t));
    const double bc2 = 1 - std::pow(double(beta2), double(t));
    const real step_size = real(lr / bc1);
    const real bc2_sqrt = real(std::sqrt(bc2));
    const real a1 = real(1 - double(beta1)), a2 = real(1 - double(beta2));
    // each element is independent: every thread updates only its own slice of p, m and v
#pragma omp parallel for if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) {
        p[i] *= decay;
        real d = g[i] + l2 * p[i];
        m[i] = beta1 * m[i] + a1 * d;
        v[i] = beta2 * v[i] + a2 * d * d;
        p[i] -= step_size * (m[i] / (std::sqrt(v[i]) / bc2_sqrt + eps));
    }
}

}  // namespace

// ---- kernels ------------------------------------------------------------------------------------

void sgd_update(real* p, const real* g, real* buf, int64_t n, real lr, real momentum, real weight_decay) {
    // each thread updates only its own slice of p and buf
#pragma omp parallel for if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) {
        real d = g[i] + weight_decay * p[i];
        if (buf) {
            buf[i] = momentum * buf[i] + d;
            d = buf[i];
        }
        p[i] -= lr * d;
    }
}

void adam_update(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                 real weight_decay, int64_t t) {
    adam_loop(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, 1, t);
}

void adamw_update(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                  real weight_decay, int64_t t) {
    const real decay = real(1 - double(lr) * double(weight_decay));
    adam_loop(p, g, m, v, n, lr, beta1, beta2, eps, 0, decay, t);
}

// ---- Optimizer ----------------------------------------------------------------------------------

Optimizer::Optimizer(const char* name, std::vector<ParamGroup> groups, real learning_rate)
    : lr(learning_rate), name_(name), groups_(std::move(groups)) {
    std::vector<const Tensor*> seen;
    for (size_t k = 0; k < groups_.size(); k++) {
        check(finite_at_least_zero(groups_[k].weight_decay), name_, "group ", k,
              " weight_decay must be a finite number >= 0, got ", groups_[k].weight_decay);
        for (const Tensor& p : groups_[k].params) {
            size_t i = seen.size();
            check(p.defined(), name_, "parameter ", i, " is undefined");
            check(p.is_leaf(), name_, "parameter ", i, " ", p.shape(),
                  " is not a leaf (an op computed it); optimize the tensors it was made from");
            for (size_t j = 0; j < i; j++) {
                // a view of a parameter listed beside it would be updated twice per step
                check(!p.shares_storage_with(*seen[j]), name_, "parameter ", i, " ", p.shape(),
                      " shares its storage with parameter ", j, " ", seen[j]->shape());
            }
            seen.push_back(&p);
        }
    }
    check(!seen.empty(), name_, "got no parameters to optimize");
    check_lr();
}

void Optimizer::check_lr() const {
    check(finite_at_least_zero(lr), name_, "lr must be a finite number >= 0, got ", lr);
}

void Optimizer::zero_grad() {
    for (ParamGroup& group : groups_)
        for (Tensor& p : group.params) p.zero_grad();
}

void Optimizer::set_step_count(int64_t n) {
    check(n >= 0, name_, "step count must be >= 0, got ", n);
    step_count_ = n;
}

// ---- SGD ----------------------------------------------------------------------------------------

SGD::SGD(std::vector<Tensor> params, real learning_rate, real mom, real weight_decay)
    : Optimizer("SGD", {ParamGroup{std::move(params), weight_decay}}, learning_rate), momentum(mom) {
    check(finite_at_least_zero(momentum), name_, "momentum must be a finite number >= 0, got ", momentum);
    if (momentum != 0)
        for (const Tensor& p : groups_[0].params) buf_.push_back(Tensor::zeros(p.shape()));
}

void SGD::step() {
    check_lr();
    size_t i = 0;   // the parameter's index over all groups
    for (const ParamGroup& group : groups_) {
        for (const Tensor& p : group.params) {
            real* buf = buf_.empty() ? nullptr : buf_[i].data();
            if (p.has_grad()) sgd_update(p.data(), p.grad(), buf, p.numel(), lr, momentum, group.weight_decay);
            i++;
        }
    }
    step_count_++;
}

std::vector<std::pair<std::string, Tensor>> SGD::state_tensors() const {
    std::vector<std::pair<std::string, Tensor>> out;
    for (size_t i = 0; i < buf_.size(); i++) out.emplace_back("momentum." + std::to_string(i), buf_[i]);
    return out;
}

// ---- Adam and AdamW -----------------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> params, real learning_rate, real b1, real b2, real epsilon, real weight_decay)
    : Adam("Adam", {ParamGroup{std::move(params), weight_decay}}, learning_rate, b1, b2, epsilon, false) {}

Adam::Adam(const char* name, std::vector<ParamGroup> groups, real learning_rate, real b1, real b2, real epsilon,
           bool decoupled)
    : Optimizer(name, std::move(groups), learning_rate), beta1(b1), beta2(b2), eps(epsilon), decoupled_(decoupled) {
    check(beta1 >= 0 && beta1 < 1, name_, "beta1 must be in [0, 1), got ", beta1);
    check(beta2 >= 0 && beta2 < 1, name_, "beta2 must be in [0, 1), got ", beta2);
    check(finite_at_least_zero(eps), name_, "eps must be a finite number >= 0, got ", eps);
    for (const ParamGroup& group : groups_) {
        for (const Tensor& p : group.params) {
            m_.push_back(Tensor::zeros(p.shape()));
            v_.push_back(Tensor::zeros(p.shape()));
        }
    }
}

AdamW::AdamW(std::vector<ParamGroup> groups, real learning_rate, real b1, real b2, real epsilon)
    : Adam("AdamW", std::move(groups), learning_rate, b1, b2, epsilon, true) {}

void Adam::step() {
    check_lr();
    int64_t t = step_count_ + 1;   // bias corrections count this step
    size_t i = 0;                  // the parameter's index over all groups
    for (ParamGroup& group : groups_) {
        for (const Tensor& p : group.params) {
            if (p.has_grad()) {
                auto update = decoupled_ ? adamw_update : adam_update;
                update(p.data(), p.grad(), m_[i].data(), v_[i].data(), p.numel(), lr, beta1, beta2, eps,
                       group.weight_decay, t);
            }
            i++;
        }
    }
    step_count_ = t;
}

std::vector<std::pair<std::string, Tensor>> Adam::state_tensors() const {
    std::vector<std::pair<std::string, Tensor>> out;
    for (size_t i = 0; i < m_.size(); i++) {
        out.emplace_back("m." + std::to_string(i), m_[i]);
        out.emplace_back("v." + std::to_string(i), v_[i]);
    }
    return out;
}

}  // namespace gs::nn
