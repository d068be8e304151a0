// Tests of exercises 04.1-06.1, chapters 04-06. Forwards against the library's ops (matmul, log_softmax, the
// layer_norm kernel); backwards as the backward of an op whose forward is the library's, against the library's
// op and gradcheck; SGD and AdamW steps against nn/optim.h's update kernels over several steps. Edge cases from
// the library's own tests: size-1 dims, a single row, -inf logits (a masked class), logits large enough to
// overflow e^x, ignored targets, repeated indices, a bias or none.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/embedding.h"
#include "autograd/layer_norm.h"
#include "autograd/linear.h"
#include "autograd/matmul.h"
#include "autograd/softmax.h"
#include "nn/optim.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

struct MKN {
    int64_t M, K, N;
};
const MKN kMatmulSizes[] = {{2, 3, 4}, {1, 1, 1}, {4, 1, 5}, {3, 7, 1}, {5, 8, 6}};

std::string mkn_str(const MKN& s) {
    return "A [" + std::to_string(s.M) + ", " + std::to_string(s.K) + "], B [" + std::to_string(s.K) + ", " +
           std::to_string(s.N) + "]";
}

// Rows along the last dim: (N, D) with D = the last size (1 for a 0-d tensor).
int64_t last_dim(const Tensor& x) { return x.dim() == 0 ? 1 : x.shape().back(); }

}  // namespace

TEST(Ex04_1, MatmulForward) {
    Rng rng(41);
    for (const MKN& s : kMatmulSizes) {
        Case c{"04.1", mkn_str(s),
               "C[i, j] = sum_k A[i, k] * B[k, j], with A[i, k] at A[i*K + k] and B[k, j] at B[k*N + j]; C starts "
               "out holding 7s: overwrite it"};
        Tensor A = Tensor::randn({s.M, s.K}, rng), B = Tensor::randn({s.K, s.N}, rng);
        Tensor expected = matmul(A, B);
        std::vector<real> got(size_t(s.M * s.N), 7);
        if (!attempt(c, [&] { ex::matmul_forward(got.data(), A.data(), B.data(), s.M, s.K, s.N); })) return;
        if (!expect_close(c, "C", {s.M, s.N}, expected.data(), got.data())) return;
    }
}

TEST(Ex04_2, MatmulBackward) {
    Rng rng(42);
    for (const MKN& s : kMatmulSizes) {
        Case c{"04.2", mkn_str(s),
               "dA = dC·Bᵀ: dA[i, k] += sum_j dC[i, j] * B[k, j];  dB = Aᵀ·dC: dB[k, j] += sum_i A[i, k] * dC[i, j]"};
        Tensor A = Tensor::randn({s.M, s.K}, rng).requires_grad_(), B = Tensor::randn({s.K, s.N}, rng).requires_grad_();
        auto yours = [s](const std::vector<Tensor>& in) {
            const Tensor &a = in[0], &b = in[1];
            Tensor y;
            {
                NoGradGuard no_grad;
                y = matmul(a, b);
            }
            y.set_backward("matmul (yours)", {a, b}, [a, b, s](const Tensor& out) {
                ex::matmul_backward(a.grad(), b.grad(), out.grad(), a.data(), b.data(), s.M, s.K, s.N);
            });
            return y;
        };
        auto library = [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); };
        if (!expect_backward(c, yours, library, {A, B}, {"dA", "dB"})) return;
    }
}

namespace {

// x of the given shape ~ N(0, 2^2), with -inf at the listed flat positions
Tensor logits(const Shape& shape, Rng& rng, const std::vector<int64_t>& masked = {}, real offset = 0) {
    Tensor x = Tensor::randn(shape, rng, offset, 2);
    for (int64_t i : masked) x.data()[i] = -kInf;
    return x;
}

}  // namespace

TEST(Ex04_3, SoftmaxBackward) {
    Rng rng(43);
    struct Row { Shape shape; std::vector<int64_t> masked; };
    const Row cases[] = {{{3, 5}, {}}, {{4}, {}}, {{2, 3, 4}, {}}, {{4, 1}, {}}, {{1, 1}, {}}, {{2, 4}, {1, 2, 4}}};
    for (const Row& r : cases) {
        Case c{"04.3", "x " + shape_str(r.shape) + " along the last dim" + (r.masked.empty() ? "" : ", some x = -inf"),
               "dx = y * (dy - sum_j dy_j y_j) in each row, added into dx (+=); y is the softmax (out), dy is dout"};
        Tensor x = logits(r.shape, rng, r.masked).requires_grad_();
        auto yours = [](const std::vector<Tensor>& in) {
            const Tensor& t = in[0];
            Tensor y;
            {
                NoGradGuard no_grad;
                y = softmax(t, -1);
            }
            int64_t D = last_dim(t), N = t.numel() / D;
            y.set_backward("softmax (yours)", {t}, [t, N, D](const Tensor& out) {
                ex::softmax_backward(t.grad(), out.data(), out.grad(), N, D);
            });
            return y;
        };
        auto library = [](const std::vector<Tensor>& in) { return softmax(in[0], -1); };
        if (!expect_backward(c, yours, library, {x}, {"dx"})) return;
    }
}

TEST(Ex04_4, LogSoftmaxForward) {
    Rng rng(44);
    struct Row { std::string what; Tensor x; };
    std::vector<Row> cases = {
        {"x [3, 5]", logits({3, 5}, rng)},
        {"x [2, 4] near 1000 (e^1000 overflows)", logits({2, 4}, rng, {}, 1000)},
        {"x [2, 4] near -1000", logits({2, 4}, rng, {}, -1000)},
        {"x [2, 4] with some x = -inf", logits({2, 4}, rng, {0, 5, 6})},
        {"x [3, 1] (one value per row)", logits({3, 1}, rng)},
        {"x [1, 6], all equal", Tensor::full({1, 6}, 3)},
    };
    for (const Row& r : cases) {
        Case c{"04.4", r.what,
               "out = x - m - log(sum_j e^(x_j - m)) with m = max_j x_j of the row: subtracting the max keeps e^x "
               "from overflowing"};
        Tensor expected = log_softmax(r.x, -1);
        int64_t D = last_dim(r.x), N = r.x.numel() / D;
        std::vector<real> got(size_t(r.x.numel()), 7);
        if (!attempt(c, [&] { ex::log_softmax_forward(got.data(), r.x.data(), N, D); })) return;
        if (!expect_close(c, "out", r.x.shape(), expected.data(), got.data())) return;
    }
}

TEST(Ex04_5, CrossEntropyBackward) {
    Rng rng(45);
    struct Row { std::string what; Tensor x; Indices t; int32_t ignore; bool fd; };
    const std::vector<Row> cases = {
        {"logits [4, 5], targets {0, 4, 2, 2}", logits({4, 5}, rng), Indices({4}, {0, 4, 2, 2}), -1, true},
        {"logits [5, 3], targets {2, -1, 0, -1, 1} (-1 = ignored)", logits({5, 3}, rng),
         Indices({5}, {2, -1, 0, -1, 1}), -1, true},
        {"logits [2, 3, 4], ignore_index 9", logits({2, 3, 4}, rng), Indices({2, 3}, {1, 9, 0, 2, 9, 9}), 9, true},
        {"logits [3, 4] with -inf at classes that are not targets", logits({3, 4}, rng, {1, 7, 8}),
         Indices({3}, {0, 2, 1}), -1, true},
        {"logits [3, 1] (one class)", logits({3, 1}, rng), Indices({3}, {0, 0, 0}), -1, true},
        // finite differences keep too few digits next to logits of 800: compared with the library only
        {"logits [2, 3] near 800 (e^800 overflows)", logits({2, 3}, rng, {}, 800), Indices({2}, {1, 2}), -1, false},
    };
    for (const Row& r : cases) {
        Case c{"04.5", r.what,
               "dlogits[n, c] += scale * (softmax(logits[n])[c] - (c == target[n])); skip rows whose target is "
               "ignore_index; subtract the row's max before exp"};
        int64_t C = r.x.shape().back(), N = r.t.numel();
        int64_t count = 0;
        for (int64_t n = 0; n < N; n++) count += r.t.data()[n] != r.ignore;
        Indices t = r.t;
        int32_t ignore = r.ignore;
        auto yours = [t, ignore, N, C, count](const std::vector<Tensor>& in) {
            const Tensor& x = in[0];
            Tensor loss;
            {
                NoGradGuard no_grad;
                loss = cross_entropy(x, t, ignore);
            }
            // loss = mean over the counted rows, so each row's gradient is scaled by dloss / count
            loss.set_backward("cross_entropy (yours)", {x}, [x, t, ignore, N, C, count](const Tensor& out) {
                real scale = out.grad()[0] / real(count);
                ex::cross_entropy_backward(x.grad(), x.data(), t.data(), scale, N, C, ignore);
            });
            return loss;
        };
        auto library = [t, ignore](const std::vector<Tensor>& in) { return cross_entropy(in[0], t, ignore); };
        Tensor x = r.x;   // shares r.x's data
        if (!expect_backward(c, yours, library, {x.requires_grad_()}, {"dlogits"}, r.fd)) return;
    }
}

namespace {

struct NormCase {
    std::string what;
    Shape shape;
    bool bias;
    real offset;   // added to x: a large mean next to a small spread
};
const NormCase kNormCases[] = {
    {"x [3, 5], with bias", {3, 5}, true, 0},   {"x [4, 8], no bias (bias == nullptr)", {4, 8}, false, 0},
    {"x [2, 3, 4], with bias", {2, 3, 4}, true, 0}, {"x [1, 6]", {1, 6}, true, 0},
    {"x [2, 1] (C = 1)", {2, 1}, true, 0},     {"x [3, 6] around 1000", {3, 6}, true, 1000},
};

}  // namespace

TEST(Ex04_6, LayerNormForward) {
    Rng rng(46);
    for (const NormCase& k : kNormCases) {
        Case c{"04.6", k.what,
               "per row: mean, biased variance (divide by C), rstd = 1 / sqrt(var + eps); out = (x - mean) * rstd * "
               "weight + bias; save mean and rstd"};
        int64_t C = k.shape.back(), N = shape_numel(k.shape) / C;
        Tensor x = Tensor::randn(k.shape, rng, k.offset, 1.5), w = Tensor::randn({C}, rng, 1, 0.5);
        Tensor b = Tensor::randn({C}, rng);
        const real* bias = k.bias ? b.data() : nullptr;
        std::vector<real> out(size_t(N * C), 0), mean(size_t(N), 0), rstd(size_t(N), 0);
        layer_norm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), bias, N, C, real(1e-5));
        std::vector<real> got(size_t(N * C), 7), got_mean(size_t(N), 7), got_rstd(size_t(N), 7);
        if (!attempt(c, [&] {
                ex::layer_norm_forward(got.data(), got_mean.data(), got_rstd.data(), x.data(), w.data(), bias, N, C,
                                       real(1e-5));
            }))
            return;
        if (!expect_close(c, "mean", {N}, mean, got_mean)) return;
        if (!expect_close(c, "rstd", {N}, rstd, got_rstd)) return;
        if (!expect_close(c, "out", {N, C}, out, got)) return;
    }
}

TEST(Ex04_7, LayerNormBackward) {
    Rng rng(47);
    for (const NormCase& k : kNormCases) {
        if (k.offset != 0) continue;   // finite differences lose digits at a mean of 1000 (the forward test has it)
        Case c{"04.7", k.what,
               "xhat = (x - mean) * rstd, g = dy * weight: dx += rstd * (g - mean(g) - xhat * mean(g * xhat)); "
               "dweight += sum over rows of dy * xhat; dbias += sum over rows of dy"};
        int64_t C = k.shape.back();
        Tensor x = Tensor::randn(k.shape, rng, 0, 1.5).requires_grad_();
        Tensor w = Tensor::randn({C}, rng, 1, 0.5).requires_grad_();
        Tensor b = k.bias ? Tensor::randn({C}, rng).requires_grad_() : Tensor();
        auto yours = [](const std::vector<Tensor>& in) {
            const Tensor &t = in[0], &wt = in[1];
            Tensor bt = in.size() > 2 ? in[2] : Tensor();
            int64_t Cn = t.shape().back(), N = t.numel() / Cn;
            Tensor y = Tensor::empty(t.shape()), mean = Tensor::empty({N}), rstd = Tensor::empty({N});
            layer_norm_forward(y.data(), mean.data(), rstd.data(), t.data(), wt.data(), bt.defined() ? bt.data() : nullptr,
                               N, Cn, real(1e-5));
            y.set_backward("layer_norm (yours)", {t, wt, bt}, [t, wt, bt, mean, rstd, N, Cn](const Tensor& out) {
                ex::layer_norm_backward(t.grad(), wt.grad(), bt.defined() ? bt.grad() : nullptr, out.grad(), t.data(),
                                        wt.data(), mean.data(), rstd.data(), N, Cn);
            });
            return y;
        };
        auto library = [](const std::vector<Tensor>& in) {
            return layer_norm(in[0], in[1], in.size() > 2 ? in[2] : Tensor());
        };
        std::vector<Tensor> inputs = {x, w};
        std::vector<std::string> names = {"dx", "dweight"};
        if (k.bias) {
            inputs.push_back(b);
            names.push_back("dbias");
        }
        if (!expect_backward(c, yours, library, inputs, names)) return;
    }
}

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
    // (lr, momentum, unused, weight_decay)
    const OptCase cases[] = {{real(0.1), real(0.9), 0, 0}, {real(0.05), real(0.9), 0, real(0.1)}, {real(0.2), 0, 0, real(0.05)}};
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
    // (lr, beta1, beta2, weight_decay)
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
