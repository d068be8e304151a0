// Chapter 8: initialisation and the health of a network.
// You will learn: GELU next to tanh and ReLU; dropout, why it scales by 1/(1-p), and train vs eval mode;
// how to read a deep network's health from per-layer statistics (activation mean and std, tanh saturation,
// gradient std, the update-to-data ratio); what too large, too small and zero initial weights do to a
// 16-layer stack; fan-in scaling; and why residual connections and layer norm keep the stack trainable
// whatever the initial scale, measured with and without them.
// Assumes: chapters 1-7. Library code used: nn/layers.h (Linear, LayerNorm, Dropout, Embedding), nn/module.h
// (train, eval), autograd/elementwise.h (tanh, relu, gelu), nn/optim.h, gpt/data.h.
// Usage: 08_initialisation [--quick] [path/to/tinyshakespeare.txt]
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "gpt/data.h"
#include "nn/layers.h"
#include "nn/optim.h"

using namespace gs;
using namespace gs::gpt;

namespace {

std::vector<std::string> claims;   // "check: ..." lines: claims this program verified, printed at the end
bool all_ok = true;
template <typename... Args> void claim(bool ok, const char* fmt, Args... args) {
    char text[512];
    std::snprintf(text, sizeof text, fmt, args...);
    claims.push_back((ok ? "check: " : "check: FAILED: ") + std::string(text));
    all_ok = all_ok && ok;
}
void banner(const char* title) { std::printf("\n=== %s ===\n", title); }

struct Stats { double mean, std, sat; };   // sat: the share with |value| > 0.97, where tanh' < 0.06
Stats stats(const real* p, int64_t n) {
    double s = 0, ss = 0, sat = 0;
    for (int64_t i = 0; i < n; i++) s += p[i], ss += double(p[i]) * p[i], sat += std::fabs(p[i]) > 0.97;
    const double m = s / double(n);
    return {m, std::sqrt(std::fmax(0.0, ss / double(n) - m * m)), sat / double(n)};
}

const int64_t L = 16, T = 8, d = 8, C = T * d;   // 16 layers of width 64: 8 characters x 8-wide embeddings

// Chapter 7's model, deeper. plain: h = tanh(W h + b).  residual: h = h + tanh(W LN(h) + b), as in GPT's blocks.
struct Deep : nn::Module {
    nn::Embedding wte;                                // (V, d)
    std::vector<std::unique_ptr<nn::Linear>> fc;      // L x (C -> C)
    std::vector<std::unique_ptr<nn::LayerNorm>> ln;   // L x (C), residual only
    nn::Linear head;                                  // (C -> V)
    bool residual;
    Deep(int64_t V, real std, bool res, Rng& rng) : wte(V, d, rng, 1.0f), head(C, V, true, rng), residual(res) {
        register_module("wte", wte);
        for (int64_t l = 0; l < L; l++) {
            fc.emplace_back(new nn::Linear(C, C, true, rng, std));
            register_module("fc." + std::to_string(l), *fc.back());
            if (res) ln.emplace_back(new nn::LayerNorm(C, true)), register_module("ln." + std::to_string(l), *ln.back());
        }
        register_module("head", head);
    }
    // ctx (B, T) -> logits (B, V); each layer's output goes to *hs, its gradient kept by the next backward
    Tensor forward(const Indices& ctx, std::vector<Tensor>* hs = nullptr) const {
        Tensor h = reshape(wte.forward(ctx), {ctx.size(0), C});
        for (int64_t l = 0; l < L; l++) {
            h = residual ? h + tanh(fc[size_t(l)]->forward(ln[size_t(l)]->forward(h))) : tanh(fc[size_t(l)]->forward(h));
            if (hs) hs->push_back(h.retain_grad());
        }
        return head.forward(h);
    }
};

// Per-layer activation and gradient statistics of one forward and backward on batch (x, y).
std::vector<std::pair<Stats, Stats>> layer_stats(const Deep& m, const Indices& x, const Indices& y) {
    std::vector<Tensor> hs;
    cross_entropy(m.forward(x, &hs), y).backward();
    std::vector<std::pair<Stats, Stats>> out;
    for (const Tensor& h : hs) out.push_back({stats(h.data(), h.numel()), stats(h.grad(), h.numel())});
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string path;
    for (int i = 1; i < argc; i++) {
        if (std::string(argv[i]) == "--quick") quick = true;   // a few seconds, for CI
        else path = argv[i];
    }
    for (const char* p : {"data/tinyshakespeare.txt", "../shared/data/tinyshakespeare.txt"})
        if (path.empty() && std::ifstream(p)) path = p;
    if (path.empty()) {
        std::fprintf(stderr, "08_initialisation: data/tinyshakespeare.txt not found; from the repository root run: "
                             "bash scripts/get_data data/tinyshakespeare.txt\n");
        return 1;
    }
    try {
        banner("1. GELU next to tanh and ReLU");
        const std::vector<real> xs = {-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3};
        std::printf("  %-22s", "x");
        for (real v : xs) std::printf(" %6.2f", v);
        std::printf("\n");
        Tensor (*acts[3])(const Tensor&) = {tanh, relu, gelu};
        const char* act_names[3] = {"tanh", "relu", "gelu"};
        for (int a = 0; a < 3; a++) {
            Tensor x = Tensor::from({int64_t(xs.size())}, xs).requires_grad_();
            Tensor y = acts[a](x);
            sum(y).backward();   // x.grad = the slope f'(x) at every x
            std::printf("  %-22s", act_names[a]);
            for (real v : y.to_vector()) std::printf(" %6.3f", v);
            std::printf("\n  %-22s", (std::string(act_names[a]) + "'  (slope)").c_str());
            for (int64_t i = 0; i < x.numel(); i++) std::printf(" %6.3f", x.grad()[i]);
            std::printf("\n");
        }
        // The library's gelu is the tanh approximation; the exact GELU is x * Phi(x), Phi the normal CDF.
        std::vector<real> grid;
        for (int i = -6000; i <= 6000; i++) grid.push_back(real(i) / 1000);
        Tensor g = gelu(Tensor::from({int64_t(grid.size())}, grid));
        double to_formula = 0, to_exact = 0, at = 0;
        for (size_t i = 0; i < grid.size(); i++) {
            const double x = grid[i], k = std::sqrt(2 / M_PI);
            const double approx = 0.5 * x * (1 + std::tanh(k * (x + 0.044715 * x * x * x)));
            const double exact = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
            to_formula = std::fmax(to_formula, std::fabs(g.data()[i] - approx));
            if (std::fabs(approx - exact) > to_exact) to_exact = std::fabs(approx - exact), at = x;
        }
        std::printf("on [-6, 6]: max |gelu - its tanh formula| %.1e;  max |tanh formula - x Phi(x)| %.1e at x = %.2f\n",
                    to_formula, to_exact, at);
        claim(to_formula < 1e-5 && to_exact < 1e-3, "gelu is 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) (max |diff| "
              "%.1e), within %.1e of the exact x Phi(x)", to_formula, to_exact);

        banner("2. Dropout, and train vs eval mode");
        Rng drop_rng(3);
        const real p = real(0.2);
        nn::Dropout drop(p, drop_rng);   // a module starts in training mode
        Tensor ones = Tensor::ones({100000});
        Tensor y = drop.forward(ones);
        double zeros = 0, kept_value = 0;
        for (real v : y.to_vector()) zeros += v == 0, kept_value = v != 0 ? v : kept_value;
        zeros /= double(ones.numel());
        const double y_mean = mean(y).item();
        std::printf("train mode, p = %.1f, on %lld ones: %.4f of them zeroed, the rest = %.4f = 1/(1-p), mean %.4f\n",
                    double(p), (long long)ones.numel(), zeros, kept_value, y_mean);
        drop.eval();
        Tensor z = drop.forward(ones);
        std::printf("eval mode: the output is the input itself (same storage: %s)\n",
                    z.shares_storage_with(ones) ? "yes" : "no");
        claim(std::fabs(zeros - p) < 0.01 && std::fabs(kept_value - 1 / (1 - p)) < 1e-6 && std::fabs(y_mean - 1) < 0.01,
              "dropout zeroed %.4f of the values (p = %.1f), scaled the rest by 1/(1-p), kept the mean at %.4f",
              zeros, double(p), y_mean);
        struct Net : nn::Module {   // train() and eval() on a model reach every module inside it
            nn::Linear fc;
            nn::Dropout drop;
            Net(Rng& rng, Rng& drng) : fc(4, 4, true, rng, 0.5f), drop(0.5f, drng) {
                register_module("fc", fc);
                register_module("drop", drop);
            }
            Tensor forward(const Tensor& x) const { return drop.forward(gelu(fc.forward(x))); }
        };
        Rng net_rng(4);
        Net net(net_rng, drop_rng);
        Tensor x4 = Tensor::randn({2, 4}, net_rng);
        auto run_diff = [&] {   // the largest difference between two forwards of the same input
            Tensor a = net.forward(x4), b = net.forward(x4);
            double m = 0;
            for (int64_t i = 0; i < a.numel(); i++) m = std::fmax(m, std::fabs(a.data()[i] - b.data()[i]));
            return m;
        };
        const double train_diff = run_diff();
        net.eval();
        const double eval_diff = run_diff();
        std::printf("net.train(): two forwards of one input differ by up to %.3f;  net.eval(): by %g (drop.training() "
                    "= %s)\n", train_diff, eval_diff, net.drop.training() ? "true" : "false");
        claim(train_diff > 0 && eval_diff == 0 && !net.drop.training(), "net.eval() switched the Dropout inside it "
              "off: identical outputs in eval mode, different ones in train mode");

        std::string text = read_text_file(path);
        CharTokenizer tok = CharTokenizer::from_text(text, path);
        Dataset ds(text, tok, path);
        const int64_t V = tok.vocab_size(), B = 256;
        Rng data_rng(5);
        auto targets = [&](const Batch& b) {   // the character after each context: the last column of b.y
            std::vector<int32_t> t;
            for (int64_t r = 0; r < b.x.size(0); r++) t.push_back(b.y.data()[r * T + T - 1]);
            return Indices({b.x.size(0)}, t);
        };
        Batch batch = ds.get_batch(Split::train, int(B), int(T), data_rng);
        const Indices by = targets(batch);

        banner("3. A 16-layer tanh stack at initialisation: the scale of the weights");
        const double fan = std::sqrt(double(C));
        const real scales[5] = {0, real(0.02), real(1 / fan), real(5.0 / 3 / fan), real(3 / fan)};
        std::vector<std::vector<std::pair<Stats, Stats>>> st;
        bool zero_grads = true;
        for (real sd : scales) {
            Rng init(42);
            Deep m(V, sd, false, init);
            st.push_back(layer_stats(m, batch.x, by));
            for (const auto& f : m.fc)
                for (int64_t i = 0; i < f->weight.numel(); i++) zero_grads = zero_grads && (sd != 0 || f->weight.grad()[i] == 0);
        }
        std::printf("activation std per layer; weight std = 0, 0.02 (GPT-2's), and 1, 5/3, 3 over sqrt(fan-in = %lld)\n",
                    (long long)C);
        std::printf("  %5s %10s %10s %10s %10s %10s\n", "layer", "0", "0.02", "1/8", "(5/3)/8", "3/8");
        for (int64_t l = 0; l < L; l++) {
            std::printf("  %5lld", (long long)l + 1);
            for (int k = 0; k < 5; k++) std::printf(" %10.2e", st[size_t(k)][size_t(l)].first.std);
            std::printf("\n");
        }
        const char* rows[4] = {"|mean| at 16", "saturated 16", "grad std 1", "grad std 16"};
        for (int r = 0; r < 4; r++) {
            std::printf("  %-12s", rows[r]);
            for (int k = 0; k < 5; k++) {
                const auto& first = st[size_t(k)][0], &last = st[size_t(k)][L - 1];
                double v = r == 0 ? std::fabs(last.first.mean) : r == 1 ? last.first.sat : r == 2 ? first.second.std
                                                                                                  : last.second.std;
                std::printf(r == 1 ? " %9.1f%%" : " %10.2e", r == 1 ? 100 * v : v);
            }
            std::printf("\n");
        }
        claim(zero_grads, "with every weight 0, every hidden layer's weight gradient is exactly 0: nothing below the head "
              "can learn");

        banner("4. The same stack with residual connections and layer norm");
        Rng init(42);
        Deep res(V, real(0.02), true, init);
        const auto rs = layer_stats(res, batch.x, by);
        const auto& ps = st[1];   // the plain stack at std 0.02, from part 3
        std::printf("weight std 0.02 in both;  plain: h = tanh(W h + b);  residual: h = h + tanh(W LN(h) + b)\n");
        std::printf("  %5s %12s %12s %14s %14s\n", "layer", "plain act", "plain grad", "residual act", "residual grad");
        for (int64_t l = 0; l < L; l++)
            std::printf("  %5lld %12.2e %12.2e %14.2e %14.2e\n", (long long)l + 1, ps[size_t(l)].first.std,
                        ps[size_t(l)].second.std, rs[size_t(l)].first.std, rs[size_t(l)].second.std);
        // plain: a layer multiplies the std by 0.02 sqrt(64) = 0.16 (tanh is the identity near 0): 0.16^15 over 15 layers.
        // residual: LN gives unit std, so each layer adds a branch of std ~0.16: var(h_l) ~ 1 + 0.16^2 l.
        const double shrink = ps[L - 1].first.std / ps[0].first.std, predicted = std::pow(0.02 * std::sqrt(64.0), 15);
        const double grow = std::sqrt(1 + 0.0256 * L), grad_ratio = rs[0].second.std / rs[L - 1].second.std;
        claim(shrink > predicted / 3 && shrink < predicted * 3, "plain: act std from layer 1 to 16 shrank by %.1e, "
              "predicted 0.16^15 = %.1e (within 3x)", shrink, predicted);
        claim(std::fabs(rs[L - 1].first.std / grow - 1) < 0.05 && grad_ratio > 0.5 && grad_ratio < 2, "residual: act "
              "std %.3f at layer 16, predicted sqrt(1 + 16 x 0.16^2) = %.3f (within 5%%); grad std at layer 1 is %.2f x "
              "layer 16's", rs[L - 1].first.std, grow, grad_ratio);

        banner("5. Training the 16-layer stacks: loss and the update-to-data ratio");
        const int64_t steps = quick ? 100 : 500, Bt = 64;
        const real lr = real(3e-3);
        std::vector<Batch> val = ds.eval_batches(Split::val, 512, int(T), 4, 99);
        double unigram = 0;   // every character's share of train, scored on the val targets
        std::vector<double> freq(size_t(V), 0);
        for (int32_t c : ds.train) freq[size_t(c)] += 1.0 / double(ds.train.size());
        for (const Batch& b : val) {
            const Indices tb = targets(b);
            for (int32_t t : tb.to_vector()) unigram -= std::log(freq[size_t(t)]) / (4.0 * 512);
        }
        const char* names[3] = {"plain, 0.02", "plain, (5/3)/8", "residual, 0.02"};
        double final_loss[3];
        std::vector<std::vector<double>> ratio(3, std::vector<double>(size_t(L), 0));
        for (int k = 0; k < 3; k++) {
            Rng mrng(42), brng(1337);
            Deep m(V, k == 1 ? scales[3] : real(0.02), k == 2, mrng);
            nn::Adam opt(m.parameters(), lr);
            for (int64_t step = 1; step <= steps; step++) {
                Batch b = ds.get_batch(Split::train, int(Bt), int(T), brng);
                Tensor loss = cross_entropy(m.forward(b.x), targets(b));
                opt.zero_grad();
                loss.backward();
                std::vector<std::vector<real>> before;
                for (const auto& f : m.fc) before.push_back(f->weight.to_vector());
                opt.step();
                if (step <= steps * 4 / 5) continue;   // update / data, averaged over the last fifth of the steps
                for (int64_t l = 0; l < L; l++) {
                    const Tensor& w = m.fc[size_t(l)]->weight;
                    std::vector<real> dw(size_t(w.numel()));
                    for (int64_t i = 0; i < w.numel(); i++) dw[size_t(i)] = w.data()[i] - before[size_t(l)][size_t(i)];
                    ratio[size_t(k)][size_t(l)] += stats(dw.data(), w.numel()).std / stats(w.data(), w.numel()).std /
                                                   double(steps / 5);
                }
            }
            NoGradGuard no_grad;
            final_loss[k] = 0;
            for (const Batch& b : val) final_loss[k] += cross_entropy(m.forward(b.x), targets(b)).item() / 4.0;
        }
        std::printf("Adam, lr %.0e, %lld steps of batch %lld;  val loss: %s %.4f, %s %.4f, %s %.4f;  unigram %.4f\n",
                    double(lr), (long long)steps, (long long)Bt, names[0], final_loss[0], names[1], final_loss[1],
                    names[2], final_loss[2], unigram);
        std::printf("update-to-data ratio std(dW) / std(W) per layer, mean over the last %lld steps\n",
                    (long long)steps / 5);
        std::printf("  %5s %16s %16s %16s\n", "layer", names[0], names[1], names[2]);
        for (int64_t l = 0; l < L; l++)
            std::printf("  %5lld %16.2e %16.2e %16.2e\n", (long long)l + 1, ratio[0][size_t(l)], ratio[1][size_t(l)],
                        ratio[2][size_t(l)]);
        double plain_min = 1, res_min = 1, res_max = 0;
        for (int64_t l = 0; l < L; l++) {
            plain_min = std::fmin(plain_min, ratio[0][size_t(l)]);
            res_min = std::fmin(res_min, ratio[2][size_t(l)]), res_max = std::fmax(res_max, ratio[2][size_t(l)]);
        }
        claim(final_loss[0] > unigram - 0.05, "plain at 0.02 did no better than the character frequencies alone: val "
              "loss %.4f, unigram %.4f", final_loss[0], unigram);
        claim(final_loss[2] < final_loss[1] - 0.2, "residual + layer norm at 0.02 trains: val loss %.4f, more than 0.2 "
              "below the plain stack's best (%.4f, at (5/3)/8)", final_loss[2], final_loss[1]);
        claim(res_max < 2 * res_min && plain_min < 1e-2 * res_min, "update-to-data ratios: residual within 2x across "
              "layers (%.1e to %.1e); plain at 0.02 as low as %.1e, below 1/100 of that", res_min, res_max, plain_min);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "08_initialisation: %s\n", e.what());
        return 1;
    }
    banner("Summary");
    for (const std::string& s : claims) std::printf("%s\n", s.c_str());
    return all_ok ? 0 : 1;
}
