// Chapter 12: debugging a training run.
// You will learn: the checks that catch a broken run early, each shown failing and then fixed: the first
// loss must be ln V; a model must be able to overfit one batch; a forgotten zero_grad; a learning rate
// too high; a NaN and where it came from; a broken backward that gradcheck finds. And the two columns of
// `gpt train`'s log.csv that show them (the grad norm and the update-to-data ratio), and the reference
// bands that tell a normal run of the default configuration from an unlucky or a broken one.
// Assumes: chapters 1-11. Library code used: gpt/model.h, gpt/data.h, nn/optim.h, nn/clip.h,
// nn/update_ratio.h, autograd/gradcheck.h, gpt/reference_bands.h. Usage: 12_debugging_a_run [--quick] [data]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/reduce.h"
#include "autograd/softmax.h"
#include "gpt/data.h"
#include "gpt/model.h"
#include "gpt/reference_bands.h"
#include "gpt/reference_bands_data.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/update_ratio.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;

namespace {

const real kInf = std::numeric_limits<real>::infinity();

// What a run records at every step, as log.csv does: the loss, the grad norm, the update-to-data ratio.
struct Curve {
    std::vector<double> loss, grad_norm, update_ratio;
};

// AdamW as gpt train builds it: weight decay 0.1 on the matrices, none on the LayerNorm gains.
nn::AdamW make_adamw(const GPT& model, double lr) {
    nn::ParamGroup decay{{}, real(0.1)}, no_decay{{}, 0};
    for (auto& [name, p] : model.named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    return nn::AdamW({decay, no_decay}, real(lr), real(0.9), real(0.99));
}

// `steps` AdamW steps on a fresh model: on `batches` in turn (one batch = overfitting it). The grad norm
// is measured, not clipped (max_norm = infinity), so it shows what the gradients do.
Curve run_steps(const GPTConfig& cfg, const std::vector<Batch>& batches, int steps, double lr, bool zero_grad = true) {
    GPT model(cfg, 1337);
    nn::AdamW opt = make_adamw(model, lr);
    const std::vector<Tensor> params = model.parameters();
    nn::UpdateRatio meter;
    Curve c;
    for (int s = 0; s < steps; s++) {
        const Batch& b = batches[size_t(s) % batches.size()];
        Tensor loss = model.forward(b.x, b.y).loss;
        loss.backward();
        c.loss.push_back(loss.item());
        c.grad_norm.push_back(nn::clip_grad_norm(params, kInf));
        meter.before_step(params);
        opt.step();
        c.update_ratio.push_back(meter.after_step(params));
        if (zero_grad) model.zero_grad();   // the bug of section 3 is leaving this out
    }
    return c;
}

double mean_of(const std::vector<double>& v, size_t from, size_t n) {
    double s = 0;
    for (size_t i = from; i < from + n; i++) s += v[i];
    return s / double(n);
}
double mean_last(const std::vector<double>& v, size_t n) { return mean_of(v, v.size() - n, n); }
double mean_first(const std::vector<double>& v, size_t n) { return mean_of(v, 0, n); }

// swish(x) = x * sigmoid(x), an op written by hand with its backward; `forget_term` drops a term of it.
// y = x s;   dx += dy * (s + x s (1 - s))
Tensor swish(const Tensor& x, bool forget_term) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); i++) y.data()[i] = x.data()[i] / (1 + std::exp(-x.data()[i]));
    y.set_backward("swish", {x}, [x, forget_term](const Tensor& out) {
        for (int64_t i = 0; i < x.numel(); i++) {
            real v = x.data()[i], s = 1 / (1 + std::exp(-v));
            x.grad()[i] += out.grad()[i] * (forget_term ? s : s + v * s * (1 - s));
        }
    });
    return y;
}

int64_t count_not_finite(const Tensor& t) {
    int64_t n = 0;
    for (int64_t i = 0; i < t.numel(); i++) n += !std::isfinite(t.data()[i]);
    return n;
}

}  // namespace

int main(int argc, char** argv) try {
    const auto t0 = std::chrono::steady_clock::now();
    tut::Checks claim;
    const tut::Args args = tut::parse_args(argc, argv);
    const bool quick = args.quick;
    const std::string path = tut::find_data(args.data), text = read_text_file(path);
    CharTokenizer tok = CharTokenizer::from_text(text, path);
    Dataset ds(text, tok, path);
    GPTConfig cfg;   // small, so that every experiment takes seconds
    cfg.n_layer = 2, cfg.n_head = 4, cfg.n_embd = 64, cfg.block_size = 32, cfg.vocab_size = tok.vocab_size();
    const int B = 16, T = int(cfg.block_size), steps = quick ? 60 : 300;
    Rng rng(1);
    std::vector<Batch> batches;
    for (int s = 0; s < steps; s++) batches.push_back(ds.get_batch(Split::train, B, T, rng));
    std::printf("model: n_layer %lld, n_head %lld, n_embd %lld, block_size %d, batch %d; %d steps per run%s\n",
                (long long)cfg.n_layer, (long long)cfg.n_head, (long long)cfg.n_embd, T, B, steps,
                quick ? " (--quick)" : "");

    tut::banner("1. The first loss must be ln V");
    const double lnV = std::log(double(cfg.vocab_size));
    GPT fresh(cfg, 1337), hot(cfg, 1337);
    for (int64_t i = 0; i < hot.transformer.wte.weight.numel(); i++) hot.transformer.wte.weight.data()[i] *= 30;   // the bug: std 0.6, not 0.02
    double first = fresh.forward(batches[0].x, batches[0].y).loss.item();
    double first_hot = hot.forward(batches[0].x, batches[0].y).loss.item();
    std::printf("ln V = ln %lld = %.4f: the loss of a model that gives every character the same chance\n",
                (long long)cfg.vocab_size, lnV);
    std::printf("token table std 0.6 (broken init): first loss %.4f\n", first_hot);
    std::printf("token table std 0.02 (fixed):      first loss %.4f\n", first);
    claim(std::fabs(first - lnV) < 0.05, "fresh model's first loss %.4f is within 0.05 of ln V = %.4f", first, lnV);
    claim(first_hot > lnV + 1, "30x too large an initial token table starts at %.2f, over ln V + 1", first_hot);

    tut::banner("2. Overfit one batch");
    const std::vector<Batch> one = {batches[0]};
    const int fit_steps = quick ? 60 : 200;
    Curve fit = run_steps(cfg, one, fit_steps, 3e-3), fit_broken = run_steps(cfg, one, fit_steps, 0);
    std::printf("one batch of %d x %d, %d steps, lr 3e-3: loss %.4f -> %.4f\n", B, T, fit_steps, fit.loss.front(),
                fit.loss.back());
    std::printf("the same with the lr left at 0 (the broken run): loss %.4f -> %.4f\n", fit_broken.loss.front(),
                fit_broken.loss.back());
    claim(fit.loss.back() < (quick ? 2.5 : 0.5), "a working model overfits one batch: loss %.3f after %d steps",
          fit.loss.back(), fit_steps);
    claim(fit_broken.loss.back() > first - 0.01, "a run that cannot learn stays at %.3f on the batch it sees every step",
          fit_broken.loss.back());

    tut::banner("3. A forgotten zero_grad");
    Curve good = run_steps(cfg, batches, steps, 1e-3), stale = run_steps(cfg, batches, steps, 1e-3, false);
    const size_t tail = size_t(steps / 5);
    std::printf("step  loss (zero_grad)  grad norm | loss (forgotten)  grad norm\n");
    for (int s : {0, 1, 2, steps / 4, steps / 2, steps - 1})
        std::printf("%4d  %15.4f  %9.3f | %16.4f  %9.3f\n", s, good.loss[size_t(s)], good.grad_norm[size_t(s)],
                    stale.loss[size_t(s)], stale.grad_norm[size_t(s)]);
    claim(stale.grad_norm.back() > 10 * good.grad_norm.back(), "without zero_grad the grad norm grows to %.1f, "
          "%.0fx the working run's %.2f", stale.grad_norm.back(), stale.grad_norm.back() / good.grad_norm.back(),
          good.grad_norm.back());
    claim(mean_last(stale.loss, tail) > mean_last(good.loss, tail) + 0.05, "and the loss ends worse: %.3f against %.3f "
          "(mean of the last %zu steps)", mean_last(stale.loss, tail), mean_last(good.loss, tail), tail);

    tut::banner("4. A learning rate too high: the update-to-data ratio");
    Curve wild = run_steps(cfg, batches, steps, 1e-1);
    std::printf("update-to-data ratio ||dW|| / ||W||, mean of the first and of the last %zu steps; loss at the end\n", tail);
    for (auto [name, c] : {std::pair<const char*, const Curve*>{"lr 1e-3", &good}, {"lr 1e-1", &wild}})
        std::printf("  %s: first %.2e   last %.2e   loss %.3f\n", name, mean_first(c->update_ratio, tail),
                    mean_last(c->update_ratio, tail), mean_last(c->loss, tail));
    claim(mean_first(wild.update_ratio, tail) > 10 * mean_first(good.update_ratio, tail), "lr 1e-1 first moves the "
          "weights %.0fx as far per step, relative to their size, as lr 1e-3", mean_first(wild.update_ratio, tail) /
          mean_first(good.update_ratio, tail));
    claim(mean_last(wild.loss, tail) > mean_last(good.loss, tail) + 0.05, "and learns less: loss %.3f against %.3f",
          mean_last(wild.loss, tail), mean_last(good.loss, tail));
    {
        std::vector<double> x;
        for (int s = 0; s < steps; s++) x.push_back(s);
        const std::string mode = quick ? "_quick" : "";
        io::ChartOptions o;
        o.title = "Training loss: a working run and two broken ones", o.x_label = "step", o.y_label = "loss";
        tut::save_figure(io::line_chart({{"lr 1e-3, zero_grad (working)", x, good.loss},
                                         {"zero_grad forgotten", x, stale.loss},
                                         {"lr 1e-1 (too high)", x, wild.loss}}, o), "12", "loss" + mode);
        o.title = "Update-to-data ratio ||dW|| / ||W|| per step", o.y_label = "ratio (log scale)", o.log_y = true;
        tut::save_figure(io::line_chart({{"lr 1e-3 (working)", x, good.update_ratio},
                                         {"zero_grad forgotten", x, stale.update_ratio},
                                         {"lr 1e-1 (too high)", x, wild.update_ratio}}, o), "12", "update_ratio" + mode);
    }

    tut::banner("5. NaN: find the first tensor that is not finite");
    GPT trained(cfg, 1337);
    Tensor logits = mul(trained.forward(batches[0].x).logits, Tensor::scalar(real(2000)));   // the bug: a scale meant as 1/2000
    Tensor e = exp(logits);
    Tensor p = div(e, sum(e, 2, true));
    double largest = 0;
    for (int64_t i = 0; i < logits.numel(); i++) largest = std::max(largest, std::fabs(double(logits.data()[i])));
    std::printf("logits * 2000: largest |logit| %.0f\n", largest);
    std::printf("exp(logits):            %lld of %lld not finite\n", (long long)count_not_finite(e), (long long)e.numel());
    std::printf("softmax by hand e/sum e: %lld of %lld not finite\n", (long long)count_not_finite(p), (long long)p.numel());
    Tensor ls = log_softmax(logits, 2);
    std::printf("log_softmax (subtracts the max first): %lld not finite\n", (long long)count_not_finite(ls));
    claim(count_not_finite(p) > 0 && count_not_finite(ls) == 0, "exp overflows to inf and inf/inf is NaN; "
          "log_softmax of the same logits is finite");
    Tensor fixed = mul(trained.forward(batches[0].x).logits, Tensor::scalar(real(1.0 / 2000)));
    claim(count_not_finite(exp(fixed)) == 0, "with the scale fixed (1/2000) every exp is finite");

    tut::banner("6. A broken backward, found by gradcheck");
    Rng grng(5);
    Tensor x = Tensor::randn({6}, grng).requires_grad_();
    auto check_swish = [&](bool forget) {
        return gradcheck([forget](const std::vector<Tensor>& in) { return swish(in[0], forget); }, {x});
    };
    GradcheckResult broken = check_swish(true), ok = check_swish(false);
    std::printf("swish backward without its x s (1 - s) term: %s, largest error %.3g\n%s",
                broken.ok ? "passes" : "FAILS", broken.max_abs_err, broken.report.c_str());
    std::printf("swish backward with it:                      %s, largest error %.3g\n", ok.ok ? "passes" : "FAILS",
                ok.max_abs_err);
    claim(!broken.ok && ok.ok, "gradcheck fails the backward with a missing term (error %.3f) and passes the fixed one "
          "(%.1e)", broken.max_abs_err, ok.max_abs_err);

    tut::banner("7. Reference bands: what a normal default run of gpt train reaches");
    TrainOptions defaults;
    std::vector<ReferenceBand> bands =
        reference_bands_for(defaults, reference_data::kDataBytes, reference_data::kDataCrc32);
    std::printf("val loss of `gpt train` with its defaults on Tiny Shakespeare, over %d seeds:\n", reference_data::kSeeds);
    std::printf("iteration   lowest   median  highest   (bits per character: loss / ln 2)\n");
    for (const ReferenceBand& b : bands)
        std::printf("%9lld   %.4f   %.4f   %.4f   (%.3f-%.3f)\n", (long long)b.iter, b.min, b.median, b.max,
                    b.min / std::log(2.0), b.max / std::log(2.0));
    std::printf("gpt train prints a line like this at those iterations and at the end:\n  %s\n",
                band_note(bands[1], bands[1].median).c_str());
    claim(bands.size() == 3 && bands[0].median > bands[1].median && bands[1].median > bands[2].median,
          "the bands fall with training: median %.3f at %lld, %.3f at %lld, %.3f at %lld", bands[0].median,
          (long long)bands[0].iter, bands[1].median, (long long)bands[1].iter, bands[2].median, (long long)bands[2].iter);
    std::printf("\nthis program took %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "12_debugging_a_run: %s\n", e.what());
    return 1;
}
