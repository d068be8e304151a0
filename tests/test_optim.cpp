// SGD, Adam and AdamW: replays of torch.optim runs (tests/fixtures/optim_fixtures.h, made by
// make_optim_fixtures.py) compared after every step, first steps derived by hand, skipped parameters,
// zero_grad, no allocation per step, a bit-exact state save/restore, and bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "autograd/elementwise.h"
#include "nn/optim.h"
#include "tests/fixtures/optim_fixtures.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::nn;
using namespace gs::test;
using optim_fixtures::OptimCase;

namespace {

void set_grad(const Tensor& p, const std::vector<real>& g) {
    ASSERT_EQ(int64_t(g.size()), p.numel());
    std::memcpy(p.grad(), g.data(), g.size() * sizeof(real));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimCase& c, const std::vector<Tensor>& params) {
    std::string kind = c.optimizer;
    if (kind == "SGD") return std::make_unique<SGD>(params, 0.1f, c.momentum, c.weight_decay[0]);
    if (kind == "Adam") return std::make_unique<Adam>(params, 0.1f, c.beta1, c.beta2, c.eps, c.weight_decay[0]);
    std::vector<ParamGroup> groups;
    for (float wd : c.weight_decay) groups.push_back({{}, wd});
    for (size_t i = 0; i < params.size(); i++) groups[c.group[i]].params.push_back(params[i]);
    return std::make_unique<AdamW>(groups, 0.1f, c.beta1, c.beta2, c.eps);
}

// Builds the case's parameters and optimizer, then for each step sets torch's lr and gradients, steps,
// and compares every parameter with torch's values after that step.
void replay(const char* name) {
    const OptimCase* found = nullptr;
    for (const OptimCase& c : optim_fixtures::kOptimCases)
        if (std::string(c.name) == name) found = &c;
    ASSERT_NE(found, nullptr) << name;
    const OptimCase& c = *found;

    std::vector<Tensor> params;
    std::vector<int64_t> offsets;   // where each parameter starts in the concatenated vectors
    int64_t off = 0;
    for (const Shape& s : optim_fixtures::kShapes) {
        int64_t n = shape_numel(s);
        params.push_back(Tensor::from(s, std::vector<real>(c.init.begin() + off, c.init.begin() + off + n)));
        params.back().requires_grad_();
        offsets.push_back(off);
        off += n;
    }
    std::unique_ptr<Optimizer> opt = make_optimizer(c, params);
    for (size_t step = 0; step < c.lr.size(); step++) {
        opt->lr = c.lr[step];
        for (size_t i = 0; i < params.size(); i++) {
            auto g = c.grad[step].begin() + offsets[i];
            set_grad(params[i], std::vector<real>(g, g + params[i].numel()));
        }
        opt->step();
        for (size_t i = 0; i < params.size(); i++) {
            for (int64_t j = 0; j < params[i].numel(); j++) {
                real want = c.after[step][offsets[i] + j];
                real got = params[i].data()[j];
                // float arithmetic in a different order (and FMA) may differ by a few ulp per step
                EXPECT_NEAR(got, want, 1e-6 * std::max(1.0f, std::fabs(want)))
                    << name << ": step " << step + 1 << ", parameter " << i << ", element " << j;
            }
        }
    }
    EXPECT_EQ(opt->step_count(), int64_t(c.lr.size()));
}

}  // namespace

// ---- against torch.optim ----

TEST(Optim, SgdMatchesTorch) { replay("sgd_plain"); }
TEST(Optim, SgdWeightDecayMatchesTorch) { replay("sgd_weight_decay"); }
TEST(Optim, SgdMomentumMatchesTorch) { replay("sgd_momentum"); }
TEST(Optim, SgdMomentumWeightDecayMatchesTorch) { replay("sgd_momentum_weight_decay"); }
TEST(Optim, AdamMatchesTorch) { replay("adam"); }
TEST(Optim, AdamL2MatchesTorch) { replay("adam_l2"); }
TEST(Optim, AdamWTwoGroupsMatchesTorch) { replay("adamw_two_groups"); }

// ---- by hand ----

TEST(Optim, SgdMomentumStepsByHand) {
    // lr 0.1, momentum 0.9, the gradient 0.5 every step, p from 1:
    //   step 1: buf = 0.5 (the first gradient)       p = 1 - 0.1*0.5       = 0.95
    //   step 2: buf = 0.9*0.5 + 0.5 = 0.95           p = 0.95 - 0.1*0.95   = 0.855
    //   step 3: buf = 0.9*0.95 + 0.5 = 1.355         p = 0.855 - 0.1*1.355 = 0.7195
    Tensor p = Tensor::from({1}, {1}).requires_grad_();
    SGD opt({p}, 0.1f, 0.9f);
    const real want_p[] = {0.95f, 0.855f, 0.7195f}, want_buf[] = {0.5f, 0.95f, 1.355f};
    for (int s = 0; s < 3; s++) {
        set_grad(p, {0.5f});
        opt.step();
        EXPECT_FLOAT_EQ(p.item(), want_p[s]) << "step " << s + 1;
        EXPECT_FLOAT_EQ(opt.state_tensors()[0].second.item(), want_buf[s]) << "step " << s + 1;
    }
    EXPECT_EQ(opt.state_tensors()[0].first, "momentum.0");
}

TEST(Optim, SgdWeightDecayAddsToTheGradient) {
    // p = 2, g = 0.5, wd = 0.1, lr = 0.1:  d = 0.5 + 0.1*2 = 0.7;  p = 2 - 0.1*0.7 = 1.93
    Tensor p = Tensor::from({1}, {2}).requires_grad_();
    SGD opt({p}, 0.1f, 0, 0.1f);
    set_grad(p, {0.5f});
    opt.step();
    EXPECT_FLOAT_EQ(p.item(), 1.93f);
    EXPECT_TRUE(opt.state_tensors().empty());   // no momentum, no buffer
}

TEST(Optim, AdamMovesByLrUnderAConstantGradient) {
    // With the same g every step, the bias-corrected moments are exactly g and g^2:
    //   step 1: m = 0.1*g, v = 0.001*g^2; m/(1-0.9) = g, v/(1-0.999) = g^2
    //   step 2: m = 0.9*0.1g + 0.1g = 0.19g = (1-0.9^2) g;  v = (1-0.999^2) g^2 likewise
    // so each step moves p by lr * g/(|g| + eps) = lr * sign(g), up to eps/|g| = 2e-8 relative.
    // p = (1, 1), g = (0.5, -2), lr = 0.1: p = (0.9, 1.1), (0.8, 1.2), (0.7, 1.3).
    Tensor p = Tensor::from({2}, {1, 1}).requires_grad_();
    Adam opt({p}, 0.1f);
    for (int s = 1; s <= 3; s++) {
        set_grad(p, {0.5f, -2});
        opt.step();
        EXPECT_NEAR(p.data()[0], 1 - 0.1 * s, 1e-6) << "step " << s;
        EXPECT_NEAR(p.data()[1], 1 + 0.1 * s, 1e-6) << "step " << s;
    }
    auto state = opt.state_tensors();
    ASSERT_EQ(state.size(), 2u);
    EXPECT_EQ(state[0].first, "m.0");
    EXPECT_EQ(state[1].first, "v.0");
    // after 3 steps m = (1 - b1^3) g and v = (1 - b2^3) g^2. In float, beta2 = 0.999f is 0.99900001287
    // (the float nearest 0.999), so 1 - b2^3 = 3d - 3d^2 + d^3 = 0.0029969625 (d = 1 - b2) rather than 0.002997001; 0.9f differs
    // from 0.9 too little to show: 1 - b1^3 = 0.271.
    EXPECT_FLOAT_EQ(state[0].second.data()[0], 0.271f * 0.5f);
    EXPECT_FLOAT_EQ(state[1].second.data()[1], 0.0029969625f * 4);
}

TEST(Optim, AdamWDecaysTheWeightsAdamL2DecaysTheGradient) {
    // p = 4, g = 0, lr = 0.1, wd = 0.5, first step.
    //   AdamW: p = 4 * (1 - 0.1*0.5) = 3.8; m and v stay 0, so the Adam part adds 0/(0 + eps) = 0.
    //   Adam (L2): d = 0 + 0.5*4 = 2, and a first step moves by lr*sign(d): p = 4 - 0.1 = 3.9.
    // A parameter in a group with weight decay 0 and no gradient signal stays put.
    Tensor a = Tensor::from({1}, {4}).requires_grad_();
    Tensor b = Tensor::from({1}, {4}).requires_grad_();
    Tensor c = Tensor::from({1}, {4}).requires_grad_();
    AdamW adamw({{{a}, 0.5f}, {{b}, 0.0f}}, 0.1f);
    Adam adam({c}, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f);
    for (const Tensor& t : {a, b, c}) set_grad(t, {0});
    adamw.step();
    adam.step();
    EXPECT_FLOAT_EQ(a.item(), 3.8f);
    EXPECT_EQ(b.item(), 4);
    EXPECT_FLOAT_EQ(c.item(), 3.9f);
}

// ---- behaviour ----

TEST(Optim, ParameterWithoutGradIsSkipped) {
    Tensor used = Tensor::from({2}, {1, 1}).requires_grad_();
    Tensor unused = Tensor::from({2}, {5, 6}).requires_grad_();
    for (int kind = 0; kind < 3; kind++) {
        std::unique_ptr<Optimizer> opt;
        if (kind == 0) opt = std::make_unique<SGD>(std::vector<Tensor>{used, unused}, 0.1f, 0.9f, 0.1f);
        if (kind == 1) opt = std::make_unique<Adam>(std::vector<Tensor>{used, unused}, 0.1f);
        if (kind == 2) opt = std::make_unique<AdamW>(std::vector<ParamGroup>{{{used, unused}, 0.1f}}, 0.1f);
        set_grad(used, {1, 1});
        opt->step();
        EXPECT_NE(used.data()[0], 1) << "optimizer " << kind;
        EXPECT_EQ(unused.to_vector(), (std::vector<real>{5, 6})) << "optimizer " << kind;   // no decay either
        EXPECT_FALSE(unused.has_grad()) << "optimizer " << kind;                             // and no grad made
        for (const auto& [state_name, t] : opt->state_tensors()) {
            if (state_name.back() == '1') {   // the unused parameter's state
                EXPECT_EQ(t.to_vector(), (std::vector<real>{0, 0})) << state_name;
            }
        }
        used.data()[0] = used.data()[1] = 1;
        used.zero_grad();
    }
}

TEST(Optim, ZeroGradDropsEveryGrad) {
    Tensor a = Tensor::ones({3}).requires_grad_(), b = Tensor::ones({2, 2}).requires_grad_();
    AdamW opt({{{a}, 0.1f}, {{b}, 0}}, 0.01f);
    a.grad()[0] = 1;
    b.grad()[3] = 2;
    opt.zero_grad();
    EXPECT_FALSE(a.has_grad());
    EXPECT_FALSE(b.has_grad());
    EXPECT_EQ(a.grad()[0], 0);   // a fresh buffer, zeroed, once asked for again
}

TEST(Optim, StepsAllocateNothingAfterTheFirst) {
    // one parameter long enough for the threaded path of the kernels, one short
    Rng rng(3);
    std::vector<Tensor> params = {Tensor::randn({200, 200}, rng).requires_grad_(),
                                  Tensor::randn({7}, rng).requires_grad_()};
    for (const Tensor& p : params) set_grad(p, Tensor::randn(p.shape(), rng).to_vector());
    SGD sgd(params, 0.01f, 0.9f, 0.1f);
    Adam adam(params, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f);
    AdamW adamw({{{params[0]}, 0.1f}, {{params[1]}, 0}}, 0.01f);
    for (Optimizer* opt : std::initializer_list<Optimizer*>{&sgd, &adam, &adamw}) {
        opt->step();
        AllocStats before = alloc_stats();
        for (int s = 0; s < 10; s++) opt->step();
        AllocStats after = alloc_stats();
        EXPECT_EQ(after.heap_allocs, before.heap_allocs);
        EXPECT_EQ(after.cache_hits, before.cache_hits);   // not even a recycled buffer
        EXPECT_EQ(opt->step_count(), 11);
    }
}

TEST(Optim, RestoredStateContinuesBitExactly) {
    // Run A for 3 steps; copy its parameters, state buffers and step count into a fresh B, as a
    // checkpoint resume would; then both take 3 more identical steps and must agree to the bit.
    Rng rng(11);
    Tensor pa = Tensor::randn({4, 5}, rng).requires_grad_(), qa = Tensor::randn({5}, rng).requires_grad_();
    AdamW a({{{pa}, 0.1f}, {{qa}, 0}}, 0.02f, 0.9f, 0.95f);
    std::vector<std::vector<real>> grads;
    for (int s = 0; s < 6; s++) grads.push_back(Tensor::randn({25}, rng).to_vector());
    auto feed = [&](const Tensor& p, const Tensor& q, int s) {
        set_grad(p, std::vector<real>(grads[s].begin(), grads[s].begin() + 20));
        set_grad(q, std::vector<real>(grads[s].begin() + 20, grads[s].end()));
    };
    for (int s = 0; s < 3; s++) {
        feed(pa, qa, s);
        a.step();
    }
    Tensor pb = Tensor::from(pa.shape(), pa.to_vector()).requires_grad_();
    Tensor qb = Tensor::from(qa.shape(), qa.to_vector()).requires_grad_();
    AdamW b({{{pb}, 0.1f}, {{qb}, 0}}, 0.02f, 0.9f, 0.95f);
    auto sa = a.state_tensors(), sb = b.state_tensors();
    ASSERT_EQ(sa.size(), 4u);
    ASSERT_EQ(sb.size(), 4u);
    for (size_t k = 0; k < sa.size(); k++) {
        EXPECT_EQ(sa[k].first, sb[k].first);
        std::memcpy(sb[k].second.data(), sa[k].second.data(), sa[k].second.numel() * sizeof(real));
    }
    EXPECT_EQ(sa[2].first, "m.1");
    b.set_step_count(a.step_count());
    for (int s = 3; s < 6; s++) {
        feed(pa, qa, s);
        feed(pb, qb, s);
        a.step();
        b.step();
    }
    EXPECT_EQ(pa.to_vector(), pb.to_vector());
    EXPECT_EQ(qa.to_vector(), qb.to_vector());
}

TEST(Optim, RejectsBadArguments) {
    Tensor p = Tensor::ones({2, 3}).requires_grad_();
    EXPECT_EQ(error_of([&] { SGD({p}, -0.1f); }), "SGD: lr must be a finite number >= 0, got -0.1");
    EXPECT_EQ(error_of([&] { SGD({p}, 0.1f, -0.9f); }), "SGD: momentum must be a finite number >= 0, got -0.9");
    EXPECT_EQ(error_of([&] { SGD({}, 0.1f); }), "SGD: got no parameters to optimize");
    EXPECT_EQ(error_of([&] { Adam({p}, 0.1f, 1.0f); }), "Adam: beta1 must be in [0, 1), got 1");
    EXPECT_EQ(error_of([&] { Adam({p}, 0.1f, 0.9f, -0.5f); }), "Adam: beta2 must be in [0, 1), got -0.5");
    EXPECT_EQ(error_of([&] { Adam({p}, 0.1f, 0.9f, 0.999f, -1e-8f); }), "Adam: eps must be a finite number >= 0, got -1e-08");
    EXPECT_EQ(error_of([&] { AdamW({{{p}, 0.1f}, {{}, -0.1f}}, 0.1f); }),
              "AdamW: group 1 weight_decay must be a finite number >= 0, got -0.1");
    EXPECT_EQ(error_of([&] { Adam({p, Tensor()}, 0.1f); }), "Adam: parameter 1 is undefined");
    Tensor view = p.detach();   // same storage as p
    EXPECT_EQ(error_of([&] { AdamW({{{p}, 0.1f}, {{view}, 0}}, 0.1f); }),
              "AdamW: parameter 1 [2, 3] shares its storage with parameter 0 [2, 3]");
    Tensor y = p * 2.0f;
    EXPECT_EQ(error_of([&] { SGD({y}, 0.1f); }),
              "SGD: parameter 0 [2, 3] is not a leaf (an op computed it); optimize the tensors it was made from");
    EXPECT_EQ(error_of([&] { SGD({p, p}, 0.1f); }), "SGD: parameter 1 [2, 3] shares its storage with parameter 0 [2, 3]");
}

TEST(Optim, RejectsBadLrAtStepAndLeavesParametersAlone) {
    Tensor p = Tensor::ones({2}).requires_grad_();
    Adam opt({p}, 0.1f);
    set_grad(p, {1, 1});
    opt.lr = std::nanf("");
    EXPECT_EQ(error_of([&] { opt.step(); }), "Adam: lr must be a finite number >= 0, got nan");
    EXPECT_EQ(p.to_vector(), (std::vector<real>{1, 1}));
    EXPECT_EQ(opt.step_count(), 0);
    EXPECT_EQ(error_of([&] { opt.set_step_count(-1); }), "Adam: step count must be >= 0, got -1");
}
