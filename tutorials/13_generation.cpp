// Chapter 13: generating text from a GPT.
// You will learn: how temperature, top-k and top-p (nucleus) reshape the next-token distribution before a
// token is drawn; what greedy decoding does to text; and the KV cache: the model's one forward keeps the
// keys and values of earlier positions, so each new token runs one position instead of the whole window.
// It gives the same text, faster, until the window slides past block_size: positions are learned and
// absolute, so every cached key is then stale; and what a cache could keep if positions were relative.
// Assumes: chapters 1-11. Library code used: gpt/sample.h, gpt/model.h (KVCache), gpt/train.h, gpt/checkpoint.h.
// Usage: 13_generation [--quick] [--ckpt DIR] [path/to/tinyshakespeare.txt]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

#include "gpt/checkpoint.h"
#include "gpt/sample.h"
#include "gpt/train.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;
using Clock = std::chrono::steady_clock;

namespace {

// The distribution sample_next draws from, by the rules of gpt/sample.h: keep the top_k largest logits,
// p ∝ exp(logit / temperature), keep the fewest most likely tokens whose mass reaches top_p, renormalise.
std::vector<double> sampling_probs(const std::vector<real>& logits, const SampleOptions& o) {
    std::vector<size_t> order(logits.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logits[a] > logits[b]; });
    std::vector<double> p(logits.size(), 0.0);
    if (o.temperature == 0) {   // greedy: all the mass on the argmax
        p[order[0]] = 1;
        return p;
    }
    size_t K = o.top_k > 0 ? std::min(size_t(o.top_k), order.size()) : order.size();
    double total = 0, mass = 0;
    for (size_t k = 0; k < K; k++) {   // subtracting the largest logit keeps exp() from overflowing
        p[order[k]] = std::exp((double(logits[order[k]]) - logits[order[0]]) / double(o.temperature));
        total += p[order[k]];
    }
    size_t kept = 0;
    while (kept < K && mass < double(o.top_p) * total) mass += p[order[kept++]];
    for (size_t k = 0; k < order.size(); k++) p[order[k]] = k < kept ? p[order[k]] / mass : 0;
    return p;
}

double max_abs_diff(const real* a, const real* b, int64_t n) {
    double d = 0;
    for (int64_t i = 0; i < n; i++) d = std::fmax(d, std::fabs(double(a[i]) - double(b[i])));
    return d;
}

// max |a - b| over positions from..to-1 of cached keys or values (1, NH, block_size, hs), every head
double rows_diff(const Tensor& a, const Tensor& b, int64_t from, int64_t to) {
    const int64_t NH = a.size(1), P = a.size(2), hs = a.size(3);
    double d = 0;
    for (int64_t h = 0; h < NH; h++)
        d = std::fmax(d, max_abs_diff(a.data() + (h * P + from) * hs, b.data() + (h * P + from) * hs, (to - from) * hs));
    return d;
}

}  // namespace

int main(int argc, char** argv) try {
    std::string ckpt;   // --ckpt DIR: sample from a saved model instead of training one
    std::vector<char*> rest;
    for (int i = 0; i < argc; i++)
        if (std::string(argv[i]) == "--ckpt" && i + 1 < argc) ckpt = argv[++i];
        else rest.push_back(argv[i]);
    const tut::Args args = tut::parse_args(int(rest.size()), rest.data());
    tut::Checks claim;

    tut::banner("1. Reshaping a distribution: temperature, top-k, top-p");
    const std::vector<std::string> names = {"e", "a", "i", "o", "r", "x"};   // say, what might follow "th"
    const std::vector<real> logits = {2.0, 1.0, 0.5, 0.0, -1.0, -3.0};
    struct Row { const char* label; real temperature; int top_k; real top_p; };
    const Row rows[] = {{"temperature 1", 1, 0, 1},   {"temperature 0.5", real(0.5), 0, 1},
                        {"temperature 2", 2, 0, 1},   {"temperature 0 (greedy)", 0, 0, 1},
                        {"top-k 3", 1, 3, 1},         {"top-p 0.9", 1, 0, real(0.9)},
                        {"temp 0.7, top-k 4, top-p 0.9", real(0.7), 4, real(0.9)}};
    std::printf("%-30s", "");
    for (const std::string& n : names) std::printf("%7s", n.c_str());
    std::printf("   draws: max |freq - p|\n%-30s", "logits");
    for (real l : logits) std::printf("%7.2f", double(l));
    std::printf("\n");
    const int draws = 40000;
    double worst = 0;
    bool cut_never_drawn = true;
    std::vector<std::string> labels;
    std::vector<std::vector<double>> probs, freqs;   // for the figure
    for (const Row& r : rows) {
        SampleOptions o;
        o.temperature = r.temperature, o.top_k = r.top_k, o.top_p = r.top_p;
        std::vector<double> p = sampling_probs(logits, o), freq(6, 0.0);
        Rng rng(10);
        for (int n = 0; n < draws; n++) freq[size_t(sample_next(logits.data(), 6, o, rng))] += 1.0 / draws;
        double d = 0;
        std::printf("%-30s", r.label);
        for (size_t i = 0; i < 6; i++) {
            std::printf("%7.3f", p[i]);
            d = std::fmax(d, std::fabs(freq[i] - p[i]));
            cut_never_drawn = cut_never_drawn && (p[i] > 0 || freq[i] == 0);
        }
        std::printf("   %.4f\n", d);
        worst = std::fmax(worst, d);
        labels.push_back(r.label), probs.push_back(p), freqs.push_back(freq);
    }
    claim(worst < 0.01, "in %d draws per row, sample_next's frequencies match the probabilities above within %.4f "
          "(tolerance 0.01, about 4 standard deviations)", draws, worst);
    claim(cut_never_drawn, "tokens that greedy, top-k or top-p cut off (probability 0 above) were never drawn in "
          "%d x %d draws", int(std::size(rows)), draws);
    const std::vector<double> shown(logits.begin(), logits.end());
    tut::save_figure(draw::sampling(names, shown, labels, probs, freqs, draws), "13", "sampling");

    tut::banner("2. A model to sample from");
    if (ckpt.empty()) {   // train one briefly: chapter 11's loop, as the library's train() runs it
        TrainOptions t;
        t.data = tut::find_data(args.data), t.out = args.quick ? "out/tutorials/13/quick" : "out/tutorials/13/model";
        t.model.n_layer = 2, t.model.n_head = 4, t.model.n_embd = 64, t.model.block_size = 256, t.quiet = true;
        t.overwrite = true;   // a scratch run: replace the one an earlier run of this chapter left
        t.batch_size = 8, t.max_iters = args.quick ? 30 : 300, t.lr = real(3e-3), t.min_lr = real(3e-4);
        t.warmup_iters = args.quick ? 5 : 20, t.lr_decay_iters = t.eval_interval = t.max_iters, t.eval_iters = 4;
        TrainResult r = train(t);
        std::printf("trained %lld steps on %s in %.1f s: val loss %.4f\n", (long long)r.iters, t.data.c_str(),
                    r.seconds, r.val_loss);
        ckpt = t.out;
    }
    LoadedModel lm = load_model(ckpt + "/model.safetensors");
    GPT& model = *lm.model;
    model.eval();   // dropout off: generation must see the same model on every call
    const GPTConfig& c = model.config;
    const int64_t T = c.block_size;
    std::printf("%s/model.safetensors: n_layer %lld, n_head %lld, n_embd %lld, block_size %lld, %lld parameters\n",
                ckpt.c_str(), (long long)c.n_layer, (long long)c.n_head, (long long)c.n_embd, (long long)T,
                (long long)model.num_parameters());

    tut::banner("3. The same model, sampled three ways (120 characters after a newline)");
    const std::vector<int32_t> prompt = lm.tok->encode("\n");
    for (const Row& r : {rows[3], rows[0], rows[6]}) {   // greedy, plain, and all three rules together
        SampleOptions o;
        o.temperature = r.temperature, o.top_k = r.top_k, o.top_p = r.top_p;
        Rng rng(42);
        std::printf("--- %s ---\n%s\n", r.label, lm.tok->decode(generate(model, prompt, 120, o, rng, true)).c_str());
    }

    tut::banner("4. The KV cache: the same tokens, faster");
    // Logits for one context, from a cache filled one token at a time and from a full forward.
    std::vector<int32_t> ctx = lm.tok->encode("ROMEO:\nWhat light through yonder window breaks?");
    ctx.resize(size_t(std::min<int64_t>(int64_t(ctx.size()), T)));
    KVCache cache(c);
    std::vector<real> cached;
    for (int32_t id : ctx) cached = model.forward(Indices({1, 1}, {id}), cache).logits.to_vector();
    std::vector<real> full = next_logits(model, ctx);
    double ldiff = max_abs_diff(cached.data(), full.data(), c.vocab_size);
    claim(ldiff < 1e-3, "after %zu tokens, the cache's logits equal a full forward's up to float rounding "
          "(max |diff| = %.1e)", ctx.size(), ldiff);

    const int64_t n = T + (args.quick ? 20 : 100);   // past block_size, so that the window slides
    SampleOptions o;
    o.temperature = real(0.8);
    std::vector<int32_t> text[2];
    double rate[2][2];   // [no cache, cache][while the cache fills, once the window slides]: tokens/s
    const size_t fill = size_t(T - int64_t(prompt.size()) + 1);   // tokens drawn before the window first slides
    for (int use = 0; use < 2; use++) {
        Rng rng(7);
        std::vector<Clock::time_point> at;
        Clock::time_point t0 = Clock::now();
        text[use] = generate(model, prompt, n, o, rng, use == 1, [&](int32_t) { at.push_back(Clock::now()); });
        auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
        rate[use][0] = double(fill) / secs(t0, at[fill - 1]);
        rate[use][1] = double(at.size() - fill) / secs(at[fill - 1], at.back());
    }
    std::printf("%lld tokens at temperature 0.8, block_size %lld   %18s %18s\n", (long long)n, (long long)T,
                "first tokens", "window sliding");
    const char* how[2] = {"no cache: full forward per token", "KV cache: one position, then the window"};
    for (int use = 0; use < 2; use++)
        std::printf("  %-52s %12.0f tok/s %12.0f tok/s\n", how[use], rate[use][0], rate[use][1]);
    std::printf("cache vs no cache on this machine: %.1fx while the cache fills, %.1fx once the window slides\n"
                "(from then on both run the whole window through the model for each token)\n",
                rate[1][0] / rate[0][0], rate[1][1] / rate[0][1]);
    std::printf("the text:\n%s\n", lm.tok->decode(text[1]).c_str());
    claim(text[0] == text[1], "with and without the KV cache, the %lld generated tokens are identical", (long long)n);
    claim(rate[1][0] > rate[0][0], "the KV cache is faster while it fills: %.0f vs %.0f tokens/s over the first %zu "
          "tokens", rate[1][0], rate[0][0], fill);

    tut::banner("5. What a cache can keep when the window slides");
    // (a) Absolute positions: the same T-1 tokens at positions 0..T-2 and at 1..T-1. A cache kept across
    // a slide would hold keys and values made at the old positions, i.e. the second computation.
    std::vector<int32_t> w(text[1].end() - (T - 1), text[1].end());
    NoGradGuard no_grad;
    Indices idx({1, T - 1}, w);
    Tensor at0 = model.head(model.hidden(idx, 0)), at1 = model.head(model.hidden(idx, 1));   // (1, T-1, V)
    double pdiff = max_abs_diff(at0.data() + (T - 2) * c.vocab_size, at1.data() + (T - 2) * c.vocab_size,
                                c.vocab_size);   // the last position's logits
    std::printf("the last %lld generated tokens, shifted by one position: next-token logits differ by up to %.4f\n",
                (long long)(T - 1), pdiff);
    claim(pdiff > 1e-3, "shifting the same tokens by one position changes the logits (max |diff| %.4f): wpe is added "
          "to every token, so every cached key and value depends on its position", pdiff);
    // (b) The oldest token's reach: two windows that differ only in token 0. A layer's keys and values at
    // positions 1.. that do not change could be kept when token 0 drops out; those that change could not.
    std::vector<int32_t> other = w;
    other[0] = other[0] == w[1] ? w[2] : w[1];
    KVCache ca(c), cb(c);
    model.forward(Indices({1, T - 1}, w), ca), model.forward(Indices({1, T - 1}, other), cb);
    std::vector<double> kv_diff;
    for (int64_t l = 0; l < c.n_layer; l++) {
        const KVCache::Layer &a = ca.layers[size_t(l)], &b = cb.layers[size_t(l)];
        kv_diff.push_back(std::fmax(rows_diff(a.k, b.k, 1, T - 1), rows_diff(a.v, b.v, 1, T - 1)));
        std::printf("layer %lld: keys and values at positions 1..%lld change by up to %.3g when token 0 changes\n",
                    (long long)l + 1, (long long)T - 2, kv_diff.back());
    }
    claim(kv_diff[0] == 0, "layer 1's cached keys and values of a position depend only on its own token and "
          "position: changing token 0 leaves those of positions 1.. bit for bit the same");
    if (c.n_layer > 1)
        claim(kv_diff[1] > 1e-4, "layer 2's depend on every earlier token: changing token 0 moves them by up to "
              "%.3g, so a cache that drops its oldest token keeps layer-2 keys and values that saw it", kv_diff[1]);
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "13_generation: %s\n", e.what());
    return 1;
}
