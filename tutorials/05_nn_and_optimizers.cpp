// Chapter 5: modules and optimizers: one small MLP trained three ways, by SGD, SGD with momentum and Adam.
// You will learn: nn::Linear (y = x·Wᵀ + b) and nn::Module (a model that lists its named parameters);
// what an optimizer's step() does to each parameter, checked on the first step; and how plain SGD,
// momentum and Adam differ on the same problem from the same starting weights: the loss curves side
// by side, as a table and as an ASCII plot.
// Assumes: chapters 1-4 (backward, tensors, broadcasting, matmul). Library code used: nn/layers.h,
// nn/module.h, nn/optim.h, autograd/elementwise.h, autograd/reduce.h. Linked against the float build.
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

using namespace gs;

namespace {

std::vector<std::string> claims;   // "check: ..." lines: claims this program verified, printed at the end
bool all_ok = true;
void claim(bool ok, const std::string& text) {
    claims.push_back((ok ? "check: " : "check FAILED: ") + text);
    all_ok = all_ok && ok;
}
void banner(const char* title) { std::printf("\n=== %s ===\n", title); }
std::string num(const char* f, double v) { char b[32]; std::snprintf(b, sizeof b, f, v); return b; }

// 1 -> H -> 1 with a tanh between. A Module: its two Linears are registered, so parameters() finds them.
struct MLP : nn::Module {
    nn::Linear fc1, fc2;
    // std 1/sqrt(fan_in), as in chapter 2: each layer's output then has about the spread of one input
    MLP(int64_t H, Rng& rng) : fc1(1, H, true, rng, 1.0f), fc2(H, 1, true, rng, 1.0f / std::sqrt(float(H))) {
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) const { return fc2.forward(tanh(fc1.forward(x))); }   // (N, 1) -> (N, 1)
};

const int kHidden = 32, kSteps = 1000;

Tensor mse(const MLP& m, const Tensor& x, const Tensor& t) { return mean(pow(m.forward(x) - t, 2)); }

}  // namespace

int main() {
    // The data: 200 points of t = sin(3x) on [-1.5, 1.5]. Every model below starts from Rng(42)'s weights.
    Rng data_rng(1);
    const int N = 200;
    Tensor x = Tensor::rand({N, 1}, data_rng, -1.5f, 1.5f), t = Tensor::empty({N, 1});
    for (int i = 0; i < N; i++) t.data()[i] = std::sin(3 * x.data()[i]);

    banner("1. The model: a Module of two Linears");
    Rng init(42);
    MLP model(kHidden, init);
    for (const auto& [name, p] : model.named_parameters())
        std::printf("  %-11s %s\n", name.c_str(), shape_str(p.shape()).c_str());
    std::printf("  %lld parameters; loss = mean((model(x) - t)^2) over %d points of t = sin(3x)\n",
                (long long)model.num_parameters(), N);

    banner("2. Gradients in float: finite differences are rough (chapters 3-4 use double for this)");
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
    claim(worst < 1e-2, "4 gradients match float finite differences (max relative diff = " + num("%.1e", worst) +
                            ", tolerance 1e-2)");

    banner("3. One step of each optimizer, checked by hand");
    // SGD:      p -= lr * g
    // momentum: buf = mu * buf + g;  p -= lr * buf          (buf starts at 0, so step 1 equals SGD's)
    // Adam:     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * m_hat / (sqrt(v_hat) + eps)
    //           with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t). At t = 1, m_hat = g and v_hat = g^2,
    //           so the first step is lr * g / |g|: every parameter moves by lr, whatever its gradient's size.
    const float lr_sgd = 0.1f, lr_adam = 0.01f;
    std::vector<Tensor> ps = model.parameters();
    std::vector<std::vector<float>> before;
    for (const Tensor& p : ps) before.push_back(p.to_vector());
    // Largest |how far a parameter moved - how far the formula says|, then puts every parameter back.
    auto step_error = [&](nn::Optimizer& opt, float (*expected)(float g, float lr)) {
        opt.step();
        double err = 0;
        for (size_t k = 0; k < ps.size(); k++) {
            for (int64_t i = 0; i < ps[k].numel(); i++)
                err = std::fmax(err, std::fabs((ps[k].data()[i] - before[k][i]) - expected(ps[k].grad()[i], opt.lr)));
            std::copy(before[k].begin(), before[k].end(), ps[k].data());
        }
        return err;
    };
    nn::SGD sgd1(ps, lr_sgd), momentum1(ps, lr_sgd, 0.9f);
    nn::Adam adam1(ps, lr_adam);
    double sgd_err = step_error(sgd1, [](float g, float lr) { return -lr * g; });
    double mom_err = step_error(momentum1, [](float g, float lr) { return -lr * g; });
    double adam_err = step_error(adam1, [](float g, float lr) { return -lr * g / (std::fabs(g) + 1e-8f); });
    std::printf("  SGD      (lr %.2f): each parameter moved by -lr * g,             max |error| %.1e\n", lr_sgd,
                sgd_err);
    std::printf("  momentum (lr %.2f): each parameter moved by -lr * g,             max |error| %.1e\n", lr_sgd,
                mom_err);
    std::printf("  Adam     (lr %.2f): each parameter moved by -lr * g / (|g| + eps), max |error| %.1e\n", lr_adam,
                adam_err);
    claim(std::fmax(sgd_err, mom_err) < 1e-6, "the first step of SGD, with and without momentum, moved every "
                                              "parameter by -lr * grad (max |error| = " +
                                                  num("%.1e", std::fmax(sgd_err, mom_err)) + ")");
    claim(adam_err < 1e-6, "Adam's first step moved every parameter by -lr * grad / (|grad| + eps), about "
                           "-lr * sign(grad) (max |error| = " + num("%.1e", adam_err) + ")");

    banner("4. Training from the same start, full batch, 1000 steps");
    const char* names[3] = {"SGD", "momentum", "Adam"};
    std::vector<std::vector<double>> curves(3);
    for (int k = 0; k < 3; k++) {
        Rng same(42);   // identical initial weights for every optimizer
        MLP m(kHidden, same);
        std::unique_ptr<nn::Optimizer> opt;
        if (k == 0) opt.reset(new nn::SGD(m.parameters(), lr_sgd));
        if (k == 1) opt.reset(new nn::SGD(m.parameters(), lr_sgd, 0.9f));
        if (k == 2) opt.reset(new nn::Adam(m.parameters(), lr_adam));
        for (int step = 0; step <= kSteps; step++) {
            Tensor loss = mse(m, x, t);
            curves[k].push_back(loss.item());
            if (step == kSteps) break;
            opt->zero_grad();
            loss.backward();
            opt->step();
        }
    }
    std::printf("  %5s  %10s  %10s  %10s\n", "step", names[0], names[1], names[2]);
    for (int s = 0; s <= kSteps; s += 100)
        std::printf("  %5d  %10.5f  %10.5f  %10.5f\n", s, curves[0][s], curves[1][s], curves[2][s]);

    banner("5. The loss curves, log scale: S = SGD, M = momentum, A = Adam (* where two meet)");
    const int W = 60, H = 14;
    double lo = 1e9, hi = -1e9;
    for (const auto& c : curves)
        for (double v : c)
            if (std::isfinite(v)) lo = std::fmin(lo, std::log10(v)), hi = std::fmax(hi, std::log10(v));
    hi = std::fmax(hi, lo + 1e-3);   // keep the scale open even if every run diverged after step 0
    std::vector<std::string> grid(H, std::string(W, ' '));
    for (int k = 0; k < 3; k++)
        for (int c = 0; c < W; c++) {
            double v = std::log10(curves[k][size_t(c * kSteps / (W - 1))]);
            if (!std::isfinite(v)) continue;   // a diverged run (try a large lr) leaves a gap
            int r = int((hi - v) / (hi - lo) * (H - 1) + 0.5);
            char& cell = grid[size_t(r)][size_t(c)];
            cell = cell == ' ' ? "SMA"[k] : '*';
        }
    for (int r = 0; r < H; r++)
        std::printf("  %8.1e |%s|\n", std::pow(10.0, hi - r * (hi - lo) / (H - 1)), grid[size_t(r)].c_str());
    std::printf("  %8s  0%*d steps\n", "", W - 1, kSteps);

    std::vector<int> reach(3, -1);   // the first step at which each loss fell below 0.01
    for (int k = 0; k < 3; k++)
        for (int i = kSteps; i >= 0; i--) reach[size_t(k)] = curves[size_t(k)][size_t(i)] < 0.01 ? i : reach[size_t(k)];
    std::printf("first step with loss < 0.01: SGD %d, momentum %d, Adam %d\n", reach[0], reach[1], reach[2]);
    const double s_end = curves[0].back(), m_end = curves[1].back(), a_end = curves[2].back();
    claim(reach[1] >= 0 && (reach[0] < 0 || reach[1] < reach[0]) && (reach[2] < 0 || reach[1] < reach[2]),
          "momentum got below loss 0.01 first (step " + std::to_string(reach[1]) + "; SGD step " +
              std::to_string(reach[0]) + ", Adam step " + std::to_string(reach[2]) + ")");
    claim(a_end < m_end && m_end < s_end, "after " + std::to_string(kSteps) + " steps Adam's loss " +
                                              num("%.5f", a_end) + " < momentum's " + num("%.5f", m_end) +
                                              " < SGD's " + num("%.5f", s_end));
    banner("Summary");
    for (const std::string& s : claims) std::printf("%s\n", s.c_str());
    return all_ok ? 0 : 1;
}
