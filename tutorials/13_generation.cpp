// Chapter 10: generating text from a GPT.
// You will learn: how temperature, top-k and top-p (nucleus) reshape the next-token distribution before
// a token is drawn; what greedy decoding does to text; and the KV cache: the keys and values of earlier
// positions are kept, so each new token runs one position through the model instead of the whole window.
// It gives the same text, faster, until the window slides past block_size: positions are learned and
// absolute, so every cached key is then stale and the cache must be rebuilt.
// Assumes: chapters 1-9. Library code used: gpt/sample.h, gpt/train.h, gpt/checkpoint.h.
// Usage: 13_generation [--quick] [--ckpt DIR] [path/to/tinyshakespeare.txt]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>
#include <string>
#include <vector>

#include "autograd/shape.h"
#include "gpt/checkpoint.h"
#include "gpt/sample.h"
#include "gpt/train.h"

using namespace gs;
using namespace gs::gpt;

namespace {

std::vector<std::string> claims;   // "check: ..." lines: claims this program verified, printed at the end
bool all_ok = true;
template <typename... Args> void claim(bool ok, const char* fmt, Args... args) {
    char text[512];
    std::snprintf(text, sizeof text, fmt, args...);
    claims.push_back((ok ? "check: " : "check FAILED: ") + std::string(text));
    all_ok = all_ok && ok;
}
void banner(const char* title) { std::printf("\n=== %s ===\n", title); }
using Clock = std::chrono::steady_clock;
double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

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

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string ckpt, path;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--quick") quick = true;   // a few seconds, for CI
        else if (a == "--ckpt" && i + 1 < argc) ckpt = argv[++i];
        else path = a;
    }
    try {
        banner("1. Reshaping a distribution: temperature, top-k, top-p");
        const char* names[6] = {"e", "a", "i", "o", "r", "x"};   // say, the characters that might follow "th"
        const std::vector<real> logits = {2.0, 1.0, 0.5, 0.0, -1.0, -3.0};
        struct Row { const char* label; real temperature; int top_k; real top_p; };
        const Row rows[] = {{"temperature 1", 1, 0, 1},   {"temperature 0.5", real(0.5), 0, 1},
                            {"temperature 2", 2, 0, 1},   {"temperature 0 (greedy)", 0, 0, 1},
                            {"top-k 3", 1, 3, 1},         {"top-p 0.9", 1, 0, real(0.9)},
                            {"temp 0.7, top-k 4, top-p 0.9", real(0.7), 4, real(0.9)}};
        std::printf("%-30s", "");
        for (const char* n : names) std::printf("%7s", n);
        std::printf("   draws: max |freq - p|\n%-30s", "logits");
        for (real l : logits) std::printf("%7.2f", double(l));
        std::printf("\n");
        const int draws = 40000;
        double worst = 0;
        bool cut_never_drawn = true;
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
        }
        claim(worst < 0.01, "in %d draws per row, sample_next's frequencies match the probabilities above within "
              "%.4f (tolerance 0.01, about 4 standard deviations)", draws, worst);
        claim(cut_never_drawn, "tokens that greedy, top-k or top-p cut off (probability 0 above) were never drawn in "
              "%d x %d draws", int(std::size(rows)), draws);

        banner("2. A model to sample from");
        if (ckpt.empty()) {   // train one briefly: chapter 9's loop, as the library's train() runs it
            for (const char* p : {"data/tinyshakespeare.txt", "../shared/data/tinyshakespeare.txt"})
                if (path.empty() && std::ifstream(p)) path = p;
            if (path.empty()) {
                std::fprintf(stderr, "13_generation: data/tinyshakespeare.txt not found; from the repository root run: "
                                     "bash scripts/get_data data/tinyshakespeare.txt (or pass --ckpt DIR)\n");
                return 1;
            }
            TrainOptions t;
            t.data = path, t.out = quick ? "out/tutorial10_quick" : "out/tutorial10", t.quiet = true;
            t.overwrite = true;   // a scratch run: replace the one an earlier run of this chapter left
            t.model.n_layer = 2, t.model.n_head = 4, t.model.n_embd = 64, t.model.block_size = 256;
            t.batch_size = 8, t.max_iters = quick ? 30 : 300, t.lr = real(3e-3), t.min_lr = real(3e-4);
            t.warmup_iters = quick ? 5 : 20, t.lr_decay_iters = t.eval_interval = t.max_iters, t.eval_iters = 4;
            TrainResult r = train(t);
            std::printf("trained %lld steps on %s in %.1f s: val loss %.4f\n", (long long)r.iters, path.c_str(),
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

        banner("3. The same model, sampled three ways (120 characters after a newline)");
        const std::vector<int32_t> prompt = lm.tok.encode("\n");
        for (const Row& r : {rows[3], rows[0], rows[6]}) {   // greedy, plain, and all three rules together
            SampleOptions o;
            o.temperature = r.temperature, o.top_k = r.top_k, o.top_p = r.top_p;
            Rng rng(42);
            std::printf("--- %s ---\n%s\n", r.label, lm.tok.decode(generate(model, prompt, 120, o, rng, true)).c_str());
        }

        banner("4. The KV cache: the same tokens, faster");
        // Logits for one context, from a cache filled one token at a time and from a full forward.
        std::vector<int32_t> ctx = lm.tok.encode("ROMEO:\nWhat light through yonder window breaks?");
        ctx.resize(size_t(std::min<int64_t>(int64_t(ctx.size()), T)));
        KVCache cache(c);
        std::vector<real> cached;
        for (int32_t id : ctx) cached = model.forward(Indices({1, 1}, {id}), cache).logits.to_vector();
        std::vector<real> full = next_logits(model, ctx);
        double ldiff = 0;
        for (size_t i = 0; i < full.size(); i++) ldiff = std::fmax(ldiff, std::fabs(double(cached[i]) - full[i]));
        claim(ldiff < 1e-3, "after %zu tokens, the cache's logits equal a full forward's up to float rounding "
              "(max |diff| = %.1e)", ctx.size(), ldiff);

        const int64_t n = T + (quick ? 20 : 100);   // past block_size, so that the window slides
        SampleOptions o;
        o.temperature = real(0.8);
        std::vector<int32_t> text[2];
        double rate[2][2];   // [no cache, cache][while the cache fills, once the window slides]: tokens/s
        for (int use = 0; use < 2; use++) {
            Rng rng(7);
            std::vector<Clock::time_point> at;
            Clock::time_point t0 = Clock::now();
            text[use] = generate(model, prompt, n, o, rng, use == 1, [&](int32_t) { at.push_back(Clock::now()); });
            size_t fill = size_t(T - int64_t(prompt.size()) + 1);   // tokens drawn before the window first slides
            rate[use][0] = double(fill) / secs(t0, at[fill - 1]);
            rate[use][1] = double(at.size() - fill) / secs(at[fill - 1], at.back());
        }
        std::printf("%lld tokens at temperature 0.8, block_size %lld   %18s %18s\n", (long long)n, (long long)T,
                    "first tokens", "window sliding");
        const char* how[2] = {"no cache: full forward per token", "KV cache: one position per token"};
        for (int use = 0; use < 2; use++)
            std::printf("  %-52s %12.0f tok/s %12.0f tok/s\n", how[use], rate[use][0], rate[use][1]);
        std::printf("speed-up while the cache fills: %.1fx; once the window slides the cache is rebuilt for every "
                    "token: %.1fx\n", rate[1][0] / rate[0][0], rate[1][1] / rate[0][1]);
        std::printf("the text:\n%s\n", lm.tok.decode(text[1]).c_str());
        claim(text[0] == text[1], "with and without the KV cache, the %lld generated tokens are identical",
              (long long)n);
        claim(rate[1][0] > rate[0][0], "the KV cache is faster while it fills: %.0f vs %.0f tokens/s over the first "
              "%lld tokens", rate[1][0], rate[0][0], (long long)(T - int64_t(prompt.size()) + 1));

        banner("5. Why a slid window needs a new cache: positions are absolute");
        // The same T-1 tokens, once at positions 0..T-2 and once at 1..T-1: a cache kept across a slide
        // would hold keys and values made with the old positions, i.e. the second computation.
        std::vector<int32_t> w(text[1].end() - (T - 1), text[1].end());
        NoGradGuard no_grad;
        Indices idx({1, T - 1}, w);
        Tensor at0 = model.head(model.hidden(idx, 0)), at1 = model.head(model.hidden(idx, 1));   // (1, T-1, V)
        double pdiff = 0;
        const real* a = at0.data() + (T - 2) * c.vocab_size;   // the last position's logits
        const real* b = at1.data() + (T - 2) * c.vocab_size;
        for (int64_t v = 0; v < c.vocab_size; v++) pdiff = std::fmax(pdiff, std::fabs(double(a[v]) - b[v]));
        std::printf("the last %lld generated tokens, shifted by one position: next-token logits differ by up to %.4f\n",
                    (long long)(T - 1), pdiff);
        claim(pdiff > 1e-3, "shifting the same tokens by one position changes the logits (max |diff| %.4f): wpe is "
              "added to every token, so every cached key and value depends on its position", pdiff);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "13_generation: %s\n", e.what());
        return 1;
    }
    banner("Summary");
    for (const std::string& s : claims) std::printf("%s\n", s.c_str());
    return all_ok ? 0 : 1;
}
