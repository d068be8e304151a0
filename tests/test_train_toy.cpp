// Training end to end on small problems. Gradient accumulation: the grads of one batch of 8 equal the
// sum of the grads of 2 or 4 micro-batches of the same rows (each loss scaled by 1 / n_micro), and so
// do the weights after one AdamW step. And a two-layer MLP built from nn::Linear learns the two-moons
// classification problem with Adam, to >= 97% on held-out points.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/softmax.h"
#include "gpt/model.h"
#include "nn/optim.h"

using namespace gs;
using namespace gs::gpt;

namespace {

GPTConfig tiny() {
    GPTConfig c;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 16;
    c.block_size = 8;
    c.vocab_size = 10;
    c.bias = true;
    return c;
}

// rows [r0, r1) of a (B, T) batch
Indices rows(const Indices& x, int64_t r0, int64_t r1) {
    int64_t T = x.shape()[1];
    return Indices({r1 - r0, T}, std::vector<int32_t>(x.data() + r0 * T, x.data() + r1 * T));
}

const real kLr = real(1e-2);

// matrices decay, biases and LayerNorm gains do not, as GPT-2 trains
nn::AdamW make_adamw(const GPT& m) {
    std::vector<nn::ParamGroup> groups = {{{}, real(0.1)}, {{}, 0}};
    for (const Tensor& p : m.parameters()) groups[p.dim() >= 2 ? 0 : 1].params.push_back(p);
    return nn::AdamW(groups, kLr, real(0.9), real(0.95));
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
    double diff = 0;
    for (int64_t i = 0; i < a.numel(); i++) diff = std::max(diff, std::fabs(double(a.data()[i]) - double(b.data()[i])));
    return diff;
}

// largest |a - b| over the tensor, relative to the largest |a|
double rel_diff(const Tensor& a, const Tensor& b) {
    double scale = 0;
    for (int64_t i = 0; i < a.numel(); i++) scale = std::max(scale, std::fabs(double(a.data()[i])));
    return scale == 0 ? max_abs_diff(a, b) : max_abs_diff(a, b) / scale;
}

}  // namespace

TEST(GradAccum, MicroBatchesSumToTheFullBatchGradAndStep) {
    const int64_t B = 8, T = 8;
    Rng rng(21);
    Indices x = Indices::zeros({B, T}), y = Indices::zeros({B, T});
    for (int64_t i = 0; i < x.numel(); i++) x.data()[i] = int32_t(rng.below(10));
    for (int64_t i = 0; i < y.numel(); i++) y.data()[i] = int32_t(rng.below(10));

    GPT full(tiny(), 5);
    nn::AdamW full_opt = make_adamw(full);
    full.forward(x, y).loss.backward();
    full_opt.step();

    for (int64_t n_micro : {2, 4}) {
        GPT acc(tiny(), 5);   // the same seed: the same initial weights
        nn::AdamW acc_opt = make_adamw(acc);
        int64_t mb = B / n_micro;
        // every micro-batch's loss is a mean over mb*T tokens; 1/n_micro makes the sum a mean over B*T
        for (int64_t k = 0; k < n_micro; k++) {
            Tensor loss = acc.forward(rows(x, k * mb, (k + 1) * mb), rows(y, k * mb, (k + 1) * mb)).loss;
            (loss * (real(1) / real(n_micro))).backward();   // grads add up across the micro-batches
        }

        auto pf = full.named_parameters(), pa = acc.named_parameters();
        ASSERT_EQ(pf.size(), pa.size());
        // Only the order of the float additions in the weight GEMMs differs between the two, so the
        // grads agree to float rounding of each tensor's largest grad.
        for (size_t i = 0; i < pf.size(); i++)
            EXPECT_LE(rel_diff(pf[i].second.grad_tensor(), pa[i].second.grad_tensor()), 1e-6)
                << n_micro << " micro-batches, grad of " << pf[i].first;
        // Adam divides each grad by its own size, so where a grad is as small as eps (1e-8) the rounding
        // difference above is magnified; the steps still agree to 1e-4 of their size, lr.
        acc_opt.step();
        for (size_t i = 0; i < pf.size(); i++)
            EXPECT_LE(max_abs_diff(pf[i].second, pa[i].second), 1e-4 * kLr)
                << n_micro << " micro-batches, " << pf[i].first;
    }
    // and the step did move every tensor by about lr (Adam's first step is close to lr * sign(grad))
    GPT fresh(tiny(), 5);
    auto pf = full.named_parameters(), p0 = fresh.named_parameters();
    for (size_t i = 0; i < pf.size(); i++)
        EXPECT_GT(max_abs_diff(pf[i].second, p0[i].second), 0.5 * kLr) << pf[i].first;
}

namespace {

// Two interleaving half circles with Gaussian noise: class 0 on the upper one, class 1 on the lower,
// shifted right and down so that neither a line nor a single threshold separates them.
struct Moons {
    Tensor x;     // (n, 2)
    Indices y;    // (n)
};

Moons two_moons(int64_t n, real noise, Rng& rng) {
    const double pi = 3.14159265358979323846;
    Moons d{Tensor::empty({n, 2}), Indices::zeros({n})};
    for (int64_t i = 0; i < n; i++) {
        int32_t label = int32_t(i % 2);
        double a = pi * rng.uniform();
        double px = label == 0 ? std::cos(a) : 1 - std::cos(a);
        double py = label == 0 ? std::sin(a) : 0.5 - std::sin(a);
        d.x.data()[2 * i] = real(px - 0.5 + noise * rng.normal());
        d.x.data()[2 * i + 1] = real(py - 0.25 + noise * rng.normal());
        d.y.data()[size_t(i)] = label;
    }
    return d;
}

// 2 -> H -> tanh -> 2 logits. The inputs are only 2 wide and about 1 in size, so fc1 starts at std 1:
// GPT-2's 0.02 would leave every tanh in its linear range for the first many steps.
struct ToyMLP : nn::Module {
    nn::Linear fc1, fc2;
    ToyMLP(int64_t H, Rng& rng) : fc1(2, H, true, rng, real(1.0)), fc2(H, 2, true, rng, real(0.3)) {
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) const { return fc2.forward(tanh(fc1.forward(x))); }   // (n, 2) -> (n, 2)
};

double accuracy(const ToyMLP& m, const Moons& d) {
    NoGradGuard no_grad;
    Tensor logits = m.forward(d.x);
    int64_t right = 0;
    for (int64_t i = 0; i < d.x.size(0); i++) {
        int32_t guess = logits.data()[2 * i + 1] > logits.data()[2 * i] ? 1 : 0;
        right += guess == d.y.data()[size_t(i)];
    }
    return double(right) / double(d.x.size(0));
}

}  // namespace

TEST(TrainToy, MLPLearnsTwoMoons) {
    Rng data_rng(1), init_rng(2);
    Moons train = two_moons(400, real(0.1), data_rng);
    Moons test = two_moons(400, real(0.1), data_rng);   // held out: fresh draws, never trained on
    ToyMLP model(32, init_rng);
    nn::Adam opt(model.parameters(), real(0.02));

    real first_loss = 0, loss_value = 0;
    for (int step = 0; step < 300; step++) {   // full-batch steps
        opt.zero_grad();
        Tensor loss = cross_entropy(model.forward(train.x), train.y);
        loss.backward();
        opt.step();
        loss_value = loss.item();
        if (step == 0) first_loss = loss_value;
    }
    EXPECT_NEAR(first_loss, std::log(2.0), 0.3);   // near chance at the start (ln 2 for two classes)
    EXPECT_LT(loss_value, 0.1);
    EXPECT_GE(accuracy(model, train), 0.97);
    EXPECT_GE(accuracy(model, test), 0.97);
}
