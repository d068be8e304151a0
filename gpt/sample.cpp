// Sampling and generate(). See sample.h for the API. Generation runs the model's own forward
// (GPT::forward with a KVCache, gpt/model.h); nothing here knows what is inside a block.
#include "gpt/sample.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/elementwise.h"
#include "autograd/shape.h"

namespace gs::gpt {

namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

void check_tokens(const GPT& model, const std::vector<int32_t>& tokens, const char* op) {
    for (size_t i = 0; i < tokens.size(); i++)
        check(tokens[i] >= 0 && tokens[i] < model.config.vocab_size, op, "token id ", tokens[i], " at position ", i,
              " is outside the vocabulary of ", model.config.vocab_size);
}

// In training mode dropout would make every forward random (and draw from the model's dropout stream).
void check_eval(const GPT& model, const char* op) {
    check(!model.training() || model.config.dropout == 0, op, "the model is in training mode with dropout ",
          model.config.dropout, ": call model.eval() before generating");
}

std::vector<int32_t> last_n(const std::vector<int32_t>& v, int64_t n) {
    return std::vector<int32_t>(v.end() - std::min(n, int64_t(v.size())), v.end());
}

}  // namespace

const SampleOptions& SampleOptions::validated() const {
    check(std::isfinite(temperature) && temperature >= 0, "sample", "temperature must be >= 0 (0 = greedy), got ",
          temperature);
    check(top_k >= 0, "sample", "top_k must be >= 0 (0 = off), got ", top_k);
    check(top_p > 0 && top_p <= 1, "sample", "top_p must be in (0, 1] (1 = off), got ", top_p);
    return *this;
}

int32_t sample_next(const real* logits, int64_t V, const SampleOptions& opt, Rng& rng) {
    opt.validated();
    check(V >= 1 && V <= std::numeric_limits<int32_t>::max(), "sample", "V must be in [1, 2^31), got ", V);
    int32_t best = 0;   // argmax; the lower id wins a tie
    for (int32_t i = 0; i < int32_t(V); i++) {
        check(!std::isnan(logits[i]) && logits[i] != kInf, "sample", "logit ", i, " is ", logits[i]);
        if (logits[i] > logits[best]) best = i;
    }
    check(logits[best] > -kInf, "sample", "all ", V, " logits are -inf");
    if (opt.temperature == 0) return best;   // greedy: no randomness, so no draw

    // The candidates, most likely first. The order is total (ties by id), so the draw below maps a
    // given uniform to the same token on every run and platform. top_k only sorts its first k.
    std::vector<int32_t> order(size_t(V), 0);
    std::iota(order.begin(), order.end(), 0);
    int64_t K = opt.top_k > 0 ? std::min<int64_t>(opt.top_k, V) : V;
    std::partial_sort(order.begin(), order.begin() + K, order.end(), [logits](int32_t a, int32_t b) {
        // cppcheck-suppress arrayIndexThenCheck ; `a < b` breaks ties between token ids, it is no bounds check
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });

    // p_k ∝ exp((logit_k - max) / temperature); subtracting the max keeps exp() from overflowing.
    // Double, so that a long tail of tiny probabilities still adds up.
    std::vector<double> w(size_t(K), 0.0);
    double max = double(logits[order[0]]), total = 0;
    for (int64_t k = 0; k < K; k++) {
        w[size_t(k)] = std::exp((double(logits[order[size_t(k)]]) - max) / double(opt.temperature));
        total += w[size_t(k)];
    }
    if (opt.top_p < 1) {   // nucleus: the shortest prefix whose share of the mass reaches top_p
        double mass = 0;
        for (int64_t k = 0; k < K; k++) {
            mass += w[size_t(k)];
            if (mass >= double(opt.top_p) * total) { K = k + 1; break; }
        }
        total = mass;
    }

    // Inverse CDF: the first candidate whose cumulative weight passes u * total.
    double target = double(rng.uniform()) * total, cum = 0;
    for (int64_t k = 0; k < K; k++) {
        cum += w[size_t(k)];
        if (target < cum) return order[size_t(k)];
    }
    return order[size_t(K - 1)];   // not reached: cum is summed as total was, and u < 1
}

std::vector<real> next_logits(const GPT& model, const std::vector<int32_t>& context) {
    check(!context.empty(), "next_logits", "the context is empty");
    check_eval(model, "next_logits");
    std::vector<int32_t> window = last_n(context, model.config.block_size);
    int64_t T = int64_t(window.size());
    NoGradGuard no_grad;
    Tensor h = model.hidden(Indices({1, T}, window));    // (1, T, C)
    return model.head(slice(h, 1, T - 1, T)).to_vector();   // (V,): only the last position is needed
}

std::vector<int32_t> generate(const GPT& model, std::vector<int32_t> prompt, int64_t n_tokens, const SampleOptions& opt,
                              Rng& rng, bool use_kv_cache, const std::function<void(int32_t)>& on_token) {
    opt.validated();
    check(!prompt.empty(), "generate", "the prompt is empty: start from at least one token (e.g. \"\\n\")");
    check(n_tokens >= 0, "generate", "n_tokens must be >= 0, got ", n_tokens);
    check_tokens(model, prompt, "generate");
    check_eval(model, "generate");

    int64_t T = model.config.block_size;
    std::vector<int32_t> context = std::move(prompt), out;
    out.reserve(size_t(n_tokens));
    KVCache cache(model.config);
    std::vector<real> logits;   // (V,)
    for (int64_t i = 0; i < n_tokens; i++) {
        if (!use_kv_cache) {
            logits = next_logits(model, context);
        } else {
            // The first token, or the window has slid: every position shifted by one, so the cached keys
            // (built at the old positions) are stale. The last T tokens go through the ordinary batched
            // forward (GEMMs over T rows), which refills the cache as it goes. Otherwise: one new position.
            bool refill = i == 0 || cache.size() == T;
            if (refill) cache.reset();
            std::vector<int32_t> tokens = refill ? last_n(context, T) : std::vector<int32_t>{context.back()};
            logits = model.forward(Indices({1, int64_t(tokens.size())}, tokens), cache).logits.to_vector();
        }
        int32_t next = sample_next(logits.data(), model.config.vocab_size, opt, rng);
        context.push_back(next);
        out.push_back(next);
        if (on_token) on_token(next);
    }
    return out;
}

}  // namespace gs::gpt
