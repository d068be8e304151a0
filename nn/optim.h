// Optimizers: SGD (with momentum), Adam and AdamW, with torch.optim's update rules (tests/test_optim.cpp
// replays torch runs recorded by tests/fixtures/make_optim_fixtures.py).
//
//   nn::AdamW opt({{matrices, 0.1}, {biases_and_gains, 0.0}}, 6e-4, 0.9, 0.95);   // per-group weight decay
//   for (int64_t it = 0; it < max_iters; it++) {
//       opt.zero_grad();
//       loss(...).backward();
//       opt.lr = nn::cosine_lr(it, 6e-4, 6e-5, 100, 5000);   // the trainer sets lr before every step
//       opt.step();
//   }
//
// Each update is a loop over raw buffers (sgd_update, adam_update, adamw_update below): step() builds
// no graph and allocates nothing, because the state buffers are made zeroed in the constructor.
// Left out: Nesterov, dampening, AMSGrad, maximize, sparse grads, per-group learning rates, and
// per-parameter step counts (all parameters share one; PyTorch's differ only for a parameter that had
// no grad in some steps, and Adam's bias corrections would then differ for it).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace gs::nn {

// Parameters that share a weight decay (e.g. GPT's matrices decay, its biases and LayerNorm gains do not).
struct ParamGroup {
    std::vector<Tensor> params;
    real weight_decay = 0;
};

class Optimizer {
public:
    real lr;   // read by every step(); a schedule changes it between steps

    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;   // the copy would share the state buffers
    Optimizer& operator=(const Optimizer&) = delete;

    // Updates every parameter that has a grad; a parameter without one is left alone, state included.
    virtual void step() = 0;
    // Drops every parameter's grad buffer (Tensor::zero_grad); the next backward starts from zero.
    void zero_grad();

    // Steps taken so far. Adam's bias corrections depend on it, so a resumed run must restore it.
    int64_t step_count() const { return step_count_; }
    void set_step_count(int64_t n);

    // Every state buffer, named "<buffer>.<i>" where i counts parameters over all groups in order
    // ("m.0", "v.0", "m.1", ...). The tensors share the optimizer's memory: a checkpoint saves them,
    // and a resume copies saved values into them, bit-exactly.
    virtual std::vector<std::pair<std::string, Tensor>> state_tensors() const = 0;

    const std::vector<ParamGroup>& param_groups() const { return groups_; }

protected:
    // Checks the parameters (defined, leaves, none listed twice, at least one) and lr and each weight decay.
    Optimizer(const char* name, std::vector<ParamGroup> groups, real lr);
    void check_lr() const;   // step() calls it first: lr may have been set to nonsense since

    const char* name_;   // for error messages: "SGD", "Adam", "AdamW"
    std::vector<ParamGroup> groups_;
    int64_t step_count_ = 0;
};

// d = g + wd*p;   buf = momentum*buf + d;   p -= lr * buf          (with buf == nullptr: p -= lr * d)
void sgd_update(real* p, const real* g, real* buf, int64_t n, real lr, real momentum, real weight_decay);

// p, g, m and v are (n,). t is the step number, from 1. Bias corrections bc1 = 1 - beta1^t, bc2 = 1 - beta2^t.
// d = g + wd*p;   m = b1*m + (1-b1)*d;   v = b2*v + (1-b2)*d^2;   p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
void adam_update(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                 real weight_decay, int64_t t);
// p *= 1 - lr*wd;   then adam_update with wd = 0   (the decay no longer passes through m and v)
void adamw_update(real* p, const real* g, real* m, real* v, int64_t n, real lr, real beta1, real beta2, real eps,
                  real weight_decay, int64_t t);

// torch.optim.SGD with dampening 0. The momentum buffer starts at zero, so the first step leaves it
// equal to the first gradient, as PyTorch's does.
class SGD : public Optimizer {
public:
    SGD(std::vector<Tensor> params, real lr, real momentum = 0, real weight_decay = 0);
    void step() override;
    std::vector<std::pair<std::string, Tensor>> state_tensors() const override;   // "momentum.i", if any

    const real momentum;
private:
    std::vector<Tensor> buf_;   // one per parameter, its shape; empty when momentum is 0
};

// torch.optim.Adam: weight decay is L2, added to the gradient before the moments see it.
class Adam : public Optimizer {
public:
    Adam(std::vector<Tensor> params, real lr, real beta1 = 0.9, real beta2 = 0.999, real eps = 1e-8,
         real weight_decay = 0);
    void step() override;
    std::vector<std::pair<std::string, Tensor>> state_tensors() const override;   // "m.i" and "v.i"

    const real beta1, beta2, eps;
protected:
    Adam(const char* name, std::vector<ParamGroup> groups, real lr, real beta1, real beta2, real eps, bool decoupled);
private:
    bool decoupled_;            // AdamW: decay the weights directly instead of through the gradient
    std::vector<Tensor> m_;     // one per parameter, its shape: running mean of the gradient
    std::vector<Tensor> v_;     // one per parameter, its shape: running mean of the squared gradient
};

// torch.optim.AdamW: decoupled weight decay (Loshchilov & Hutter), set per group.
class AdamW : public Adam {
public:
    AdamW(std::vector<ParamGroup> groups, real lr, real beta1 = 0.9, real beta2 = 0.999, real eps = 1e-8);
};

}  // namespace gs::nn
