// Chapter 5: modules and optimizers: one small MLP trained four ways, by SGD, momentum, Adam and AdamW.
// You will learn: nn::Linear (y = x·Wᵀ + b) and nn::Module (a model that lists its named parameters);
// what an optimizer's step() does to each parameter, checked on the first step; weight decay two ways,
// as an L2 term in the gradient and as AdamW's decoupled shrinking, and why they differ under Adam; and
// how the four optimizers compare on the same problem from the same starting weights.
// Assumes: chapters 1-4 (backward, tensors, broadcasting, matmul). Library code used: nn/layers.h,
// nn/module.h, nn/optim.h, autograd/elementwise.h, autograd/reduce.h, nn/io/svg.h (the figure).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tutorials/tutorial.h"

using namespace gs;

namespace {

// 1 -> H -> 1 with a tanh between. A Module: its two Linears are registered, so parameters() finds them.
struct MLP : nn::Module {
    nn::Linear fc1, fc2;
    // std 1/sqrt(fan-in), as in chapter 2: each layer's output then has about the spread of one input
    MLP(int64_t H, Rng& rng) : fc1(1, H, true, rng, 1.0f), fc2(H, 1, true, rng, 1.0f / std::sqrt(float(H))) {
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) const { return fc2.forward(tanh(fc1.forward(x))); }   // (N, 1) -> (N, 1)
};

const int kHidden = 32, kSteps = 1000;
const float kLrSgd = 0.1f, kLrAdam = 0.01f, kDecay = 0.1f;   // kDecay: the weight decay of Adam + L2 and AdamW

Tensor mse(const MLP& m, const Tensor& x, const Tensor& t) { return mean(pow(m.forward(x) - t, 2)); }

double sum_of_squares(const nn::Module& m) {   // |w|²: how large the weights are, all of them together
    double s = 0;
    for (const Tensor& p : m.parameters())
        for (float v : p.to_vector()) s += double(v) * v;
    return s;
}

}  // namespace

int main() {
    tut::Checks check;
    // The data: 200 points of t = sin(3x) on [-1.5, 1.5]. Every model below starts from Rng(42)'s weights.
    Rng data_rng(1);
    const int N = 200;
    Tensor x = Tensor::rand({N, 1}, data_rng, -1.5f, 1.5f), t = Tensor::empty({N, 1});
    for (int i = 0; i < N; i++) t.data()[i] = std::sin(3 * x.data()[i]);

    tut::banner("1. The model: a Module of two Linears");
    Rng init(42);
    MLP model(kHidden, init);
    for (const auto& [name, p] : model.named_parameters())
        std::printf("  %-11s %s\n", name.c_str(), shape_str(p.shape()).c_str());
    std::printf("  %lld parameters; loss = mean((model(x) - t)^2) over %d points of t = sin(3x)\n",
                (long long)model.num_parameters(), N);

    tut::banner("2. Gradients in float: finite differences are rough (chapters 3-4 use double for this)");
    mse(model, x, t).backward();
    double worst = 0;
    for (const auto& [name, p] : model.named_parameters()) {
        const float h = 1e-2f, keep = p.data()[0];
        NoGradGuard no_grad;
        p.data()[0] = keep + h;
        double up = mse(model, x, t).item();
        p.data()[0] = keep - h;
        double down = mse(model, x, t).item();
        p.data()[0] = keep;
        double fd = (up - down) / (2 * h), rel = std::fabs(p.grad()[0] - fd) / std::fmax(std::fabs(fd), 1e-3);
        worst = std::fmax(worst, rel);
        std::printf("  %-11s[0]  grad %11.7f   finite diff %11.7f   relative diff %.1e\n", name.c_str(), p.grad()[0],
                    fd, rel);
    }
    check(worst < 1e-2, "4 gradients match float finite differences (max relative diff = %.1e, tolerance 1e-2)", worst);

    tut::banner("3. One step of each optimizer, checked against its formula");
    // Largest |how far a parameter moved - how far the formula says| over all 97, then puts them back.
    std::vector<Tensor> ps = model.parameters();
    std::vector<std::vector<float>> before;
    for (const Tensor& p : ps) before.push_back(p.to_vector());
    auto step_error = [&](nn::Optimizer&& opt, float (*expected)(float g, float p)) {
        opt.step();
        double err = 0;
        for (size_t k = 0; k < ps.size(); k++) {
            for (int64_t i = 0; i < ps[k].numel(); i++) {
                float was = before[k][size_t(i)], moved = ps[k].data()[i] - was;
                err = std::fmax(err, std::fabs(moved - expected(ps[k].grad()[i], was)));
            }
            std::copy(before[k].begin(), before[k].end(), ps[k].data());
        }
        return err;
    };
    double errs[5] = {
        step_error(nn::SGD(ps, kLrSgd), [](float g, float) { return -kLrSgd * g; }),
        step_error(nn::SGD(ps, kLrSgd, 0.9f), [](float g, float) { return -kLrSgd * g; }),
        step_error(nn::Adam(ps, kLrAdam), [](float g, float) { return -kLrAdam * g / (std::fabs(g) + 1e-8f); }),
        step_error(nn::Adam(ps, kLrAdam, 0.9f, 0.999f, 1e-8f, kDecay),   // L2: the decay joins the gradient
                   [](float g, float p) { float d = g + kDecay * p; return -kLrAdam * d / (std::fabs(d) + 1e-8f); }),
        step_error(nn::AdamW({{ps, kDecay}}, kLrAdam),              // decoupled: shrink p, then Adam's step
                   [](float g, float p) { return -kLrAdam * kDecay * p - kLrAdam * g / (std::fabs(g) + 1e-8f); })};
    const char* rules[5] = {"SGD        -lr g", "momentum   -lr g   (its buffer starts at 0)",
                            "Adam       -lr g / (|g| + eps)            about lr, whatever g",
                            "Adam + L2  -lr d / (|d| + eps), d = g + wd p   still about lr",
                            "AdamW      -lr wd p - lr g / (|g| + eps)  lr, plus lr wd |p| to 0"};
    for (int k = 0; k < 5; k++) std::printf("  %-66s max |error| %.1e\n", rules[k], errs[k]);
    check(*std::max_element(errs, errs + 5) < 1e-6, "the first step of SGD, momentum, Adam, Adam + L2 and AdamW moved "
          "all 97 parameters as their formulas say (max |error| = %.1e)", *std::max_element(errs, errs + 5));

    tut::banner("4. Training from the same start, full batch, 1000 steps");
    const char* names[4] = {"SGD", "momentum", "Adam", "AdamW"};
    std::vector<std::vector<double>> curves(4);
    double weights[4];   // |w|² at the end
    for (int k = 0; k < 4; k++) {
        Rng same(42);   // identical initial weights for every optimizer
        MLP m(kHidden, same);
        std::vector<Tensor> mp = m.parameters();
        std::unique_ptr<nn::Optimizer> opt;
        if (k <= 1) opt = std::make_unique<nn::SGD>(mp, kLrSgd, k == 1 ? 0.9f : 0.0f);   // k = 1: with momentum
        if (k == 2) opt = std::make_unique<nn::Adam>(mp, kLrAdam);
        if (k == 3) opt = std::make_unique<nn::AdamW>(std::vector<nn::ParamGroup>{{mp, kDecay}}, kLrAdam);
        for (int step = 0; step <= kSteps; step++) {
            Tensor loss = mse(m, x, t);
            curves[k].push_back(loss.item());
            if (step == kSteps) break;
            opt->zero_grad();
            loss.backward();
            opt->step();
        }
        weights[k] = sum_of_squares(m);
    }
    std::printf("  %5s  %10s  %10s  %10s  %10s\n", "step", names[0], names[1], names[2], names[3]);
    for (int s = 0; s <= kSteps; s += 100)
        std::printf("  %5d  %10.5f  %10.5f  %10.5f  %10.5f\n", s, curves[0][s], curves[1][s], curves[2][s],
                    curves[3][s]);
    std::printf("  %5s  %10.2f  %10.2f  %10.2f  %10.2f   (sum of squares of all weights at the end)\n", "|w|²",
                weights[0], weights[1], weights[2], weights[3]);
    gs::io::ChartOptions opt;
    opt.title = "One MLP, four optimizers, the same start", opt.x_label = "step", opt.log_y = true;
    opt.y_label = "training loss (mean squared error, log scale)";
    std::vector<double> steps;
    for (int s = 0; s <= kSteps; s++) steps.push_back(s);
    std::vector<gs::io::Series> lines;
    for (int k = 0; k < 4; k++) lines.emplace_back(names[k], steps, curves[k]);
    lines[3].dash = "7 4";   // AdamW runs close to Adam: dashed, so both stay visible
    tut::save_figure(gs::io::line_chart(lines, opt), "05", "optimizers");

    std::vector<int> reach(4, -1);   // the first step at which each loss fell below 0.01
    for (int k = 0; k < 4; k++)
        for (int i = kSteps; i >= 0; i--) reach[k] = curves[k][size_t(i)] < 0.01 ? i : reach[k];
    const double s_end = curves[0].back(), m_end = curves[1].back(), a_end = curves[2].back(), w_end = curves[3].back();
    check(reach[1] >= 0 && (reach[0] < 0 || reach[1] < reach[0]) && (reach[2] < 0 || reach[1] < reach[2]),
          "momentum got below loss 0.01 first (step %d; SGD step %d, Adam step %d)", reach[1], reach[0], reach[2]);
    check(a_end < m_end && m_end < s_end, "after %d steps Adam's loss %.5f < momentum's %.5f < SGD's %.5f", kSteps,
          a_end, m_end, s_end);
    check(weights[3] < weights[2] && w_end > a_end, "AdamW's decay kept the weights smaller than Adam's (|w|² %.2f vs "
          "%.2f) at the price of a higher training loss (%.5f vs %.5f)", weights[3], weights[2], w_end, a_end);
    return check.summary();
}
