// Tests of exercises 05.1-05.3 and 06.1: linear's and embedding's backward against the library's ops and
// gradcheck (repeated indices, a bias or none, size-1 dims); one SGD-with-momentum step and one AdamW step
// against the library's update kernels (nn/optim.h), over several steps so that momentum, the moments and
// the bias corrections all take part.
#include <gtest/gtest.h>

#include "autograd/embedding.h"
#include "autograd/linear.h"
#include "nn/optim.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

TEST(Ex05_1, LinearBackward) {
    Rng rng(51);
    struct Row { Shape x; int64_t OC; bool bias; };
    const Row cases[] = {{{4, 3}, 2, true}, {{2, 3, 5}, 4, false}, {{1, 1}, 1, true}, {{3, 2}, 5, true}};
    for (const Row& r : cases) {
        int64_t IC = r.x.back();
        Case c{"05.1",
               "x " + shape_str(r.x) + ", weight " + shape_str({r.OC, IC}) + (r.bias ? ", bias " + shape_str({r.OC}) : ", no bias"),
               "y = x·Wᵀ + b with W (OC, IC): dx += dy·W, dW += dyᵀ·x, db += the sum of dy over the rows"};
        Tensor x = Tensor::randn(r.x, rng).requires_grad_(), w = Tensor::randn({r.OC, IC}, rng).requires_grad_();
        Tensor b = Tensor::randn({r.OC}, rng).requires_grad_();
        auto yours = [](const std::vector<Tensor>& in) {
            const Tensor &xt = in[0], &wt = in[1];
            Tensor bt = in.size() > 2 ? in[2] : Tensor();
            Tensor y;
            {
                NoGradGuard no_grad;
                y = linear(xt, wt, bt);
            }
            int64_t ic = wt.size(1), oc = wt.size(0), n = xt.numel() / ic;
            y.set_backward("linear (yours)", {xt, wt, bt}, [xt, wt, bt, n, ic, oc](const Tensor& out) {
                ex::linear_backward(xt.grad(), wt.grad(), bt.defined() ? bt.grad() : nullptr, out.grad(), xt.data(),
                                    wt.data(), n, ic, oc);
            });
            return y;
        };
        auto library = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in.size() > 2 ? in[2] : Tensor()); };
        std::vector<Tensor> inputs = {x, w};
        if (r.bias) inputs.push_back(b);
        if (!expect_backward(c, yours, library, inputs, {"dx", "dweight", "dbias"})) return;
    }
}

namespace {

struct OptCase {
    real lr, a, b, weight_decay;   // a, b: momentum for SGD; beta1, beta2 for AdamW
};

// n parameters and `steps` gradients, the same for the library and for you
struct OptData {
    std::vector<real> p;
    std::vector<std::vector<real>> g;
};
OptData opt_data(int64_t n, int steps, Rng& rng) {
    OptData d;
    d.p = Tensor::randn({n}, rng).to_vector();
    for (int s = 0; s < steps; s++) d.g.push_back(Tensor::randn({n}, rng, 0, real(0.5 + s)).to_vector());
    return d;
}

}  // namespace

TEST(Ex05_2, SgdMomentumStep) {
    Rng rng(52);
    const OptCase cases[] = {{real(0.1), real(0.9), 0, 0}, {real(0.05), real(0.9), real(0.1), 0}, {real(0.2), 0, real(0.05), 0}};
    const int64_t n = 6;
    for (const OptCase& k : cases) {
        OptData d = opt_data(n, 3, rng);
        std::vector<real> p = d.p, buf(size_t(n), 0), your_p = d.p, your_buf(size_t(n), 0);
        for (int t = 0; t < 3; t++) {
            Case c{"05.2", "lr " + fmt(k.lr) + ", momentum " + fmt(k.a) + ", weight_decay " + fmt(k.weight_decay) +
                               ", step " + std::to_string(t + 1) + " of 3, " + std::to_string(n) + " parameters",
                   "d = g + weight_decay * p;  buf = momentum * buf + d;  p -= lr * buf"};
            nn::sgd_update(p.data(), d.g[size_t(t)].data(), buf.data(), n, k.lr, k.a, k.weight_decay);
            if (!attempt(c, [&] {
                    ex::sgd_momentum_step(your_p.data(), d.g[size_t(t)].data(), your_buf.data(), n, k.lr, k.a, k.weight_decay);
                }))
                return;
            if (!expect_close(c, "buf", {n}, buf, your_buf)) return;
            if (!expect_close(c, "p", {n}, p, your_p)) return;
        }
    }
}

TEST(Ex05_3, AdamWStep) {
    Rng rng(53);
    const OptCase cases[] = {{real(0.01), real(0.9), real(0.999), real(0.1)},
                             {real(0.1), real(0.9), real(0.95), 0},
                             {real(0.05), real(0.8), real(0.99), real(0.5)}};
    const int64_t n = 6, steps = 5;
    const real eps = real(1e-8);
    for (const OptCase& k : cases) {
        OptData d = opt_data(n, steps, rng);
        std::vector<real> p = d.p, m(size_t(n), 0), v(size_t(n), 0), your_p = d.p, your_m = m, your_v = v;
        for (int64_t t = 1; t <= steps; t++) {
            Case c{"05.3", "lr " + fmt(k.lr) + ", betas (" + fmt(k.a) + ", " + fmt(k.b) + "), weight_decay " +
                               fmt(k.weight_decay) + ", step t = " + std::to_string(t) + " of " + std::to_string(steps),
                   "p *= 1 - lr*wd first (decoupled: not through m and v); m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; "
                   "p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)"};
            const real* g = d.g[size_t(t - 1)].data();
            nn::adamw_update(p.data(), g, m.data(), v.data(), n, k.lr, k.a, k.b, eps, k.weight_decay, t);
            if (!attempt(c, [&] {
                    ex::adamw_step(your_p.data(), g, your_m.data(), your_v.data(), n, k.lr, k.a, k.b, eps, k.weight_decay, t);
                }))
                return;
            if (!expect_close(c, "m", {n}, m, your_m)) return;
            if (!expect_close(c, "v", {n}, v, your_v)) return;
            if (!expect_close(c, "p", {n}, p, your_p)) return;
        }
    }
}

TEST(Ex06_1, EmbeddingBackward) {
    Rng rng(61);
    struct Row { Shape w; Indices idx; std::string what; };
    const std::vector<Row> cases = {
        {{5, 3}, Indices({2, 3}, {1, 0, 1, 3, 1, 2}), "row 1 used three times, row 4 never"},
        {{4, 2}, Indices({4}, {2, 2, 2, 2}), "the same row four times"},
        {{1, 4}, Indices({1}, {0}), "one row, one index"},
        {{6, 2}, Indices({3}, {5, 0, 5}), "the last row twice"},
    };
    for (const Row& r : cases) {
        Case c{"06.1", "weight " + shape_str(r.w) + ", idx " + shape_str(r.idx.shape()) + " (" + r.what + ")",
               "dweight[idx[k], :] += dout[k, :]: a row looked up twice gets both gradients (+=, never =)"};
        Tensor w = Tensor::randn(r.w, rng).requires_grad_();
        Indices idx = r.idx;
        auto yours = [idx](const std::vector<Tensor>& in) {
            const Tensor& wt = in[0];
            Tensor y;
            {
                NoGradGuard no_grad;
                y = embedding(wt, idx);
            }
            y.set_backward("embedding (yours)", {wt}, [wt, idx](const Tensor& out) {
                ex::embedding_backward(wt.grad(), out.grad(), idx.data(), idx.numel(), wt.size(1));
            });
            return y;
        };
        auto library = [idx](const std::vector<Tensor>& in) { return embedding(in[0], idx); };
        if (!expect_backward(c, yours, library, {w}, {"dweight"})) return;
    }
}
