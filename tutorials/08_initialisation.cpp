// Chapter 8: initialisation and the health of a network.
// You will learn: GELU next to tanh and ReLU; dropout, why it scales by 1/(1-p), and train vs eval mode;
// how to read a deep network's health from per-layer statistics (activation mean and std, tanh saturation,
// gradient std, the update-to-data ratio); what zero, too small and too large initial weights do to a
// 16-layer stack, and fan-in scaling; and why residual connections and layer norm keep that stack
// trainable, measured with and without them.
// Assumes: chapters 1-7. Library code used: nn/layers.h (Linear, LayerNorm, Dropout, Embedding), nn/module.h
// (train, eval), autograd/elementwise.h (tanh, relu, gelu), nn/optim.h, gpt/data.h, nn/io/svg.h.
// Usage: 08_initialisation [--quick] [path/to/tinyshakespeare.txt]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "gpt/data.h"
#include "nn/io/svg.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;

namespace {

struct Stats { double mean, std, sat; };   // sat: the share with |value| > 0.97, where tanh' < 0.06
Stats stats(const real* p, int64_t n) {
    double s = 0, ss = 0, sat = 0;
    for (int64_t i = 0; i < n; i++) s += p[i], ss += double(p[i]) * p[i], sat += std::fabs(p[i]) > 0.97;
    const double m = s / double(n);
    return {m, std::sqrt(std::fmax(0.0, ss / double(n) - m * m)), sat / double(n)};
}

// Columns of numbers side by side under their headings, row i labelled (i + 1) * step.
void table(const char* row_name, const std::vector<std::string>& heads, const std::vector<std::vector<double>>& cols,
           const char* format = " %17.2e", int64_t step = 1) {
    std::printf("  %6s", row_name);
    for (const std::string& h : heads) std::printf(" %17s", h.c_str());
    for (size_t i = 0; i < cols[0].size(); i++) {
        std::printf("\n  %6lld", (long long)(int64_t(i + 1) * step));
        for (const auto& c : cols) std::printf(format, c[i]);
    }
    std::printf("\n");
}

const int64_t L = 16, T = 8, d = 8, C = T * d;   // 16 layers of width 64: 8 characters x 8-wide embeddings

// Chapter 7's model, 16 layers deep. plain:    h = drop(tanh(W h + b))
//                                    residual: h = h + drop(tanh(W LN(h) + b))   (as GPT's blocks, chapter 10)
struct Deep : nn::Module {
    nn::Embedding wte;                                // (V, d)
    std::vector<std::unique_ptr<nn::Linear>> fc;      // L x (C -> C)
    std::vector<std::unique_ptr<nn::LayerNorm>> ln;   // L x (C), residual only
    nn::Dropout drop;                                 // p = 0 (does nothing) unless asked for
    nn::Linear head;                                  // (C -> V)
    bool residual;
    Deep(int64_t V, real std, bool res, Rng& rng, real p = 0)
        : wte(V, d, rng, 1.0f), drop(p, rng), head(C, V, true, rng), residual(res) {
        register_module("wte", wte);
        for (int64_t l = 0; l < L; l++) {
            fc.emplace_back(new nn::Linear(C, C, true, rng, std));
            register_module("fc." + std::to_string(l), *fc.back());
            if (!res) continue;
            ln.emplace_back(new nn::LayerNorm(C, true));
            register_module("ln." + std::to_string(l), *ln.back());
        }
        register_module("drop", drop);
        register_module("head", head);
    }
    // ctx (B, T) -> logits (B, V); each layer's output goes to *hs, its gradient kept by the next backward
    Tensor forward(const Indices& ctx, std::vector<Tensor>* hs = nullptr) const {
        Tensor h = reshape(wte.forward(ctx), {ctx.size(0), C});
        for (size_t l = 0; l < size_t(L); l++) {
            h = residual ? h + drop.forward(tanh(fc[l]->forward(ln[l]->forward(h))))
                         : drop.forward(tanh(fc[l]->forward(h)));
            if (hs) hs->push_back(h.retain_grad());
        }
        return head.forward(h);
    }
};

Indices last_targets(const Batch& b) {   // the character after each context: the last column of b.y
    std::vector<int32_t> t;
    for (int64_t r = 0; r < b.y.size(0); r++) t.push_back(b.y.data()[r * T + T - 1]);
    return Indices({b.y.size(0)}, t);
}

// Per layer, from one forward and backward: the activations' mean, std and saturation, and their gradients' std.
struct PerLayer { std::vector<double> mean, std, sat, grad; };
PerLayer layer_stats(const Deep& m, const Batch& b) {
    std::vector<Tensor> hs;
    cross_entropy(m.forward(b.x, &hs), last_targets(b)).backward();
    PerLayer out;
    for (const Tensor& h : hs) {
        Stats a = stats(h.data(), h.numel());
        out.mean.push_back(a.mean), out.std.push_back(a.std), out.sat.push_back(a.sat);
        out.grad.push_back(stats(h.grad(), h.numel()).std);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    tut::Checks claim;
    try {
        const tut::Args args = tut::parse_args(argc, argv);
        const bool quick = args.quick;   // a few seconds, for CI
        const std::string path = tut::find_data(args.data);
        std::string text = read_text_file(path);
        CharTokenizer tok = CharTokenizer::from_text(text, path);
        Dataset ds(text, tok, path);
        const int64_t V = tok.vocab_size();
        Rng data_rng(5);
        const Batch batch = ds.get_batch(Split::train, 256, int(T), data_rng);   // 256 contexts for the statistics

        tut::banner("1. GELU next to tanh and ReLU: values and slopes");
        const std::vector<real> xs = {-3, -2, -1, -0.5, 0, 0.5, 1, 2, 3};
        std::printf("  %-6s", "x");
        for (real v : xs) std::printf(" %6.2f", v);
        Tensor (*acts[3])(const Tensor&) = {tanh, relu, gelu};
        for (int a = 0; a < 3; a++) {
            Tensor x = Tensor::from({int64_t(xs.size())}, xs).requires_grad_();
            Tensor y = acts[a](x);
            sum(y).backward();   // x.grad = the slope f'(x) at every x
            std::printf("\n  %-6s", a == 0 ? "tanh" : a == 1 ? "relu" : "gelu");
            for (real v : y.to_vector()) std::printf(" %6.3f", v);
            std::printf("\n  %-6s", a == 0 ? "tanh'" : a == 1 ? "relu'" : "gelu'");
            for (int64_t i = 0; i < x.numel(); i++) std::printf(" %6.3f", x.grad()[i]);
        }
        // The library's gelu is the tanh approximation; the exact GELU is x Phi(x), Phi the normal CDF.
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
        std::printf("\non [-6, 6]: max |gelu - its tanh formula| %.1e;  max |tanh formula - x Phi(x)| %.1e at "
                    "x = %.2f\n", to_formula, to_exact, at);
        claim(to_formula < 1e-5 && to_exact < 1e-3, "gelu is 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) (max |diff| "
              "%.1e), within %.1e of the exact x Phi(x)", to_formula, to_exact);

        tut::banner("2. Dropout, and train vs eval mode");
        Rng drop_rng(3);
        const real p = real(0.2);
        nn::Dropout drop(p, drop_rng);   // a module starts in training mode
        Tensor ones = Tensor::ones({100000}), y = drop.forward(ones);
        double zeros = 0, kept = 0;
        for (real v : y.to_vector()) zeros += v == 0, kept = v != 0 ? v : kept;
        zeros /= double(ones.numel());
        const double y_mean = mean(y).item();
        std::printf("train mode, p = %.1f, on %lld ones: %.4f of them zeroed, the rest = %.4f = 1/(1-p), mean %.4f\n",
                    double(p), (long long)ones.numel(), zeros, kept, y_mean);
        claim(std::fabs(zeros - p) < 0.01 && std::fabs(kept - 1 / (1 - p)) < 1e-6 && std::fabs(y_mean - 1) < 0.01,
              "dropout zeroed %.4f of the values (p = %.1f), scaled the rest by 1/(1-p), kept the mean at %.4f",
              zeros, double(p), y_mean);
        Deep net(V, real(0.125), true, drop_rng, p);   // a 16-layer stack with dropout on every layer's branch
        auto differ = [&] {   // the largest difference between two forwards of the same batch
            NoGradGuard no_grad;
            Tensor a = net.forward(batch.x), b = net.forward(batch.x);
            double m = 0;
            for (int64_t i = 0; i < a.numel(); i++) m = std::fmax(m, std::fabs(a.data()[i] - b.data()[i]));
            return m;
        };
        const double train_diff = differ();
        net.eval();   // reaches every module inside: net.drop.training() is now false
        const double eval_diff = differ();
        std::printf("a model with dropout, the same batch twice: logits differ by up to %.4f in train mode, by %g "
                    "after eval()\n", train_diff, eval_diff);
        claim(train_diff > 0 && eval_diff == 0 && !net.drop.training(), "eval() on the model switched off the Dropout "
              "inside it: the same batch gives identical logits (in train mode they differed)");

        tut::banner("3. A 16-layer tanh stack at initialisation: the scale of the weights");
        const double fan = std::sqrt(double(C));
        const real scales[5] = {0, real(0.02), real(1 / fan), real(5.0 / 3 / fan), real(3 / fan)};
        std::vector<PerLayer> st;   // one per scale
        std::vector<std::vector<double>> act_std;
        bool zero_grads = true;
        for (real sd : scales) {
            Rng init(42);
            Deep m(V, sd, false, init);
            st.push_back(layer_stats(m, batch));
            act_std.push_back(st.back().std);
            for (const auto& f : m.fc)
                for (int64_t i = 0; i < f->weight.numel() && sd == 0; i++) zero_grads &= f->weight.grad()[i] == 0;
        }
        std::printf("activation std per layer; weight std 0, 0.02 (GPT-2's), and 1, 5/3, 3 over sqrt(fan-in) = 8\n");
        table("layer", {"0", "0.02", "1/8", "(5/3)/8", "3/8"}, act_std);
        const char* rows[4] = {"|mean| 16", "sat. 16", "grad 1", "grad 16"};
        for (int r = 0; r < 4; r++) {
            std::printf("  %-9s", rows[r]);
            for (const PerLayer& q : st)
                if (r == 1) std::printf(" %16.1f%%", 100 * q.sat[L - 1]);
                else std::printf(" %17.2e", r == 0 ? std::fabs(q.mean[L - 1]) : r == 2 ? q.grad[0] : q.grad[L - 1]);
            std::printf("\n");
        }
        claim(zero_grads, "with every weight 0, every hidden layer's weight gradient is exactly 0: nothing below the "
              "head can learn");

        tut::banner("4. The same stack with residual connections and layer norm");
        Rng init(42);
        const auto rs = layer_stats(Deep(V, real(0.02), true, init), batch);
        const PerLayer& ps = st[1];   // the plain stack at std 0.02, from part 3
        std::printf("weight std 0.02 in both;  plain: h = tanh(W h + b);  residual: h = h + tanh(W LN(h) + b)\n");
        table("layer", {"plain act", "plain grad", "residual act", "residual grad"},
              {ps.std, ps.grad, rs.std, rs.grad});
        // plain: each layer multiplies the std by 0.02 sqrt(64) = 0.16 (tanh is the identity near 0): 0.16^15 in all.
        // residual: LN gives its input unit std, so every layer adds a branch of std ~0.16: var(h_l) ~ 1 + 0.16^2 l.
        const double shrink = ps.std[L - 1] / ps.std[0], predicted = std::pow(0.16, 15);
        const double grow = std::sqrt(1 + 0.0256 * L), grad_ratio = rs.grad[0] / rs.grad[L - 1];
        claim(shrink > predicted / 3 && shrink < predicted * 3, "plain: act std from layer 1 to 16 shrank by %.1e, "
              "predicted 0.16^15 = %.1e (within 3x)", shrink, predicted);
        claim(std::fabs(rs.std[L - 1] / grow - 1) < 0.05 && grad_ratio > 0.5 && grad_ratio < 2, "residual: act "
              "std %.3f at layer 16, predicted sqrt(1 + 16 x 0.16^2) = %.3f (within 5%%); grad std at layer 1 is "
              "%.2f x layer 16's", rs.std[L - 1], grow, grad_ratio);

        tut::banner("5. Training the stacks: loss and the update-to-data ratio");
        const int64_t steps = quick ? 100 : 500, Bt = 64, window = steps / 5;
        const real lr = real(3e-3);
        const std::vector<Batch> val = ds.eval_batches(Split::val, 512, int(T), 4, 99);
        std::vector<double> freq(size_t(V), 0);   // each character's share of the training text
        for (int32_t c : ds.train) freq[size_t(c)] += 1.0 / double(ds.train.size());
        double unigram = 0;                       // predicting those shares, whatever the context
        for (const Batch& b : val) {
            const Indices targets = last_targets(b);
            for (int32_t t : targets.to_vector()) unigram -= std::log(freq[size_t(t)]) / (4.0 * 512);
        }
        std::vector<std::vector<double>> loss_at(4), ratio(4, std::vector<double>(size_t(L), 0));
        double final_loss[4];
        for (int k = 0; k < 4; k++) {
            Rng mrng(42), brng(1337);
            Deep m(V, k % 2 ? scales[3] : scales[1], k >= 2, mrng);
            nn::Adam opt(m.parameters(), lr);
            double sum_loss = 0;
            for (int64_t step = 1; step <= steps; step++) {
                Batch b = ds.get_batch(Split::train, int(Bt), int(T), brng);
                Tensor loss = cross_entropy(m.forward(b.x), last_targets(b));
                opt.zero_grad();
                loss.backward();
                const bool measure = step > steps - window;   // update / data over the last window only
                std::vector<std::vector<real>> before;
                for (size_t l = 0; measure && l < size_t(L); l++) before.push_back(m.fc[l]->weight.to_vector());
                opt.step();
                sum_loss += loss.item();
                if (step % window == 0) loss_at[size_t(k)].push_back(sum_loss / double(window)), sum_loss = 0;
                for (size_t l = 0; measure && l < size_t(L); l++) {
                    const Tensor& w = m.fc[l]->weight;
                    std::vector<real> dw(before[l]);
                    for (int64_t i = 0; i < w.numel(); i++) dw[size_t(i)] = w.data()[i] - dw[size_t(i)];
                    const double r = stats(dw.data(), w.numel()).std / stats(w.data(), w.numel()).std;
                    ratio[size_t(k)][l] += r / double(window);
                }
            }
            NoGradGuard no_grad;
            final_loss[k] = 0;
            for (const Batch& b : val) final_loss[k] += cross_entropy(m.forward(b.x), last_targets(b)).item() / 4.0;
        }
        const std::vector<std::string> names = {"plain 0.02", "plain (5/3)/8", "residual 0.02", "residual (5/3)/8"};
        std::printf("Adam, lr %.0e, batch %lld;  mean training loss over each %lld steps\n", double(lr), (long long)Bt,
                    (long long)window);
        table("step", names, loss_at, " %17.4f", window);
        std::printf("  %6s", "val");
        for (double v : final_loss) std::printf(" %17.4f", v);
        std::printf("\npredicting the characters' frequencies, whatever the context (the unigram): %.4f on the same "
                    "val targets\nupdate-to-data ratio std(dW) / std(W) per layer, mean over the last %lld steps\n",
                    unigram, (long long)window);
        table("layer", names, ratio);
        const double plain_min = *std::min_element(ratio[0].begin(), ratio[0].end());
        const double res_min = *std::min_element(ratio[2].begin(), ratio[2].end());
        const double res_max = *std::max_element(ratio[2].begin(), ratio[2].end());
        claim(final_loss[0] > unigram - 0.05, "plain at 0.02 did no better than the character frequencies alone: val "
              "loss %.4f, unigram %.4f", final_loss[0], unigram);
        claim(std::fmax(final_loss[2], final_loss[3]) < final_loss[1] - 0.2, "residual + layer norm train at either "
              "scale (val %.4f, %.4f), more than 0.2 below the plain stack's best (%.4f, at (5/3)/8)", final_loss[2],
              final_loss[3], final_loss[1]);
        claim(res_max < 2 * res_min && plain_min < 1e-2 * res_min, "update-to-data ratios: residual 0.02 within 2x "
              "across layers (%.1e to %.1e); plain 0.02 as low as %.1e, below 1/100 of that", res_min, res_max,
              plain_min);

        tut::banner("Figures");
        const std::string mode = quick ? "_quick" : "";   // a --quick run draws its own copies of the figures
        std::vector<double> layer;
        for (int64_t l = 1; l <= L; l++) layer.push_back(double(l));
        // room: an unnamed, undrawn point that stretches the log axis, so the legend covers no curve
        auto per_layer = [&](const std::string& title, const std::string& y_label, std::vector<std::vector<double>> ys,
                             const std::vector<std::string>& labels, const char* legend, double room,
                             const std::string& name, bool log_y = true) {
            std::vector<io::Series> ss;
            for (size_t k = 0; k < ys.size(); k++) {
                ss.push_back({labels[k], layer, ys[k]});
                ss.back().markers = true, ss.back().dash = labels[k].rfind("residual", 0) == 0 ? "6 3" : "";
            }
            ss.push_back({"", {1}, {room}, "none"});
            io::ChartOptions o;
            o.title = title, o.x_label = "layer", o.y_label = y_label, o.log_y = log_y, o.legend = legend;
            tut::save_figure(io::line_chart(ss, o), "08", name + mode);
        };
        const std::vector<std::string> init_names = {"plain, std 0.02", "plain, std 1/8", "plain, std (5/3)/8",
                                                     "plain, std 3/8", "residual + layer norm, std 0.02"};
        per_layer("Activation std per layer at initialisation", "std of h", {st[1].std, st[2].std, st[3].std, st[4].std,
                  rs.std}, init_names, "bottom left", 1, "act_std");
        per_layer("Gradient std per layer at initialisation", "std of dloss/dh", {st[1].grad, st[2].grad, st[3].grad,
                  st[4].grad, rs.grad}, init_names, "bottom right", 1e-2, "grad_std");
        per_layer("Update-to-data ratio per layer, end of training", "std(dW) / std(W)", ratio, names, "top right", 100,
                  "update_ratio");
        std::vector<std::vector<double>> sat_pct(4);   // the plain stacks, in the colours of the charts above
        for (size_t k = 0; k < 4; k++)
            for (double v : st[k + 1].sat) sat_pct[k].push_back(100 * v);
        per_layer("Saturated tanh units (|h| > 0.97) per layer at initialisation", "% of activations", sat_pct,
                  init_names, "top right", 80, "saturation", false);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "08_initialisation: %s\n", e.what());
        return 1;
    }
    return claim.summary();
}
