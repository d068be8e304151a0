// Sampling, the KV cache and generate(). See sample.h for the API. The cached forward reuses the
// model's own layers (LayerNorms, Linears, MLP) and replaces only the attention, whose new queries
// must see keys and values computed in earlier calls: attention_cached() below.
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

// For query t (absolute position pos0 + t) and head h:
//   att_j = softmax_j(q · k_j / sqrt(hs)) over j = 0..pos0+t;   out = sum_j att_j v_j
void attention_cached(real* out, const real* qkv, const real* kcache, const real* vcache, int64_t Tn, int64_t pos0,
                      int64_t NH, int64_t hs, int64_t maxT) {
    int64_t C = NH * hs;
    real scale = real(1.0 / std::sqrt(double(hs)));   // keeps the scores' variance from growing with hs
    // Each (t, h) writes only its own hs outputs, so threads never share memory; one new token's
    // attention is too little work to be worth waking the threads for.
#pragma omp parallel for collapse(2) schedule(static) if (Tn * NH * (pos0 + Tn) * hs >= (1 << 18))
    for (int64_t t = 0; t < Tn; t++) {
        for (int64_t h = 0; h < NH; h++) {
            const real* q = qkv + t * 3 * C + h * hs;   // (hs,)
            const real* k = kcache + h * maxT * hs;     // (maxT, hs)
            const real* v = vcache + h * maxT * hs;     // (maxT, hs)
            int64_t n = pos0 + t + 1;                   // causal: positions 0..pos0+t
            std::vector<real> att(size_t(n), 0);        // (n,)
            real max = -kInf;
            for (int64_t j = 0; j < n; j++) {
                real s = 0;
                for (int64_t d = 0; d < hs; d++) s += q[d] * k[j * hs + d];
                att[size_t(j)] = s * scale;
                max = std::max(max, att[size_t(j)]);
            }
            real sum = 0;   // subtracting the max: every exp() is <= 1, so none overflows
            for (int64_t j = 0; j < n; j++) {
                att[size_t(j)] = std::exp(att[size_t(j)] - max);
                sum += att[size_t(j)];
            }
            real* o = out + t * C + h * hs;   // (hs,)
            std::fill(o, o + hs, real(0));
            for (int64_t j = 0; j < n; j++) {
                real a = att[size_t(j)] / sum;
                for (int64_t d = 0; d < hs; d++) o[d] += a * v[j * hs + d];
            }
        }
    }
}

KVCache::KVCache(const GPTConfig& cfg)
    : L_(cfg.validated().n_layer), NH_(cfg.n_head), T_(cfg.block_size), hs_(cfg.n_embd / cfg.n_head),
      C_(cfg.n_embd), k_(size_t(L_ * NH_ * T_ * hs_), 0), v_(size_t(L_ * NH_ * T_ * hs_), 0) {}

std::vector<real> KVCache::forward(const GPT& model, const std::vector<int32_t>& new_tokens) {
    const GPTConfig& cfg = model.config;
    int64_t Tn = int64_t(new_tokens.size());
    check(cfg.n_layer == L_ && cfg.n_head == NH_ && cfg.n_embd == C_ && cfg.block_size == T_, "KVCache",
          "the model (n_layer ", cfg.n_layer, ", n_head ", cfg.n_head, ", n_embd ", cfg.n_embd, ", block_size ",
          cfg.block_size, ") does not match the cache (", L_, ", ", NH_, ", ", C_, ", ", T_, ")");
    check_eval(model, "KVCache");
    check(Tn >= 1, "KVCache", "forward needs at least one new token");
    check(n_ + Tn <= T_, "KVCache", "cannot add ", Tn, " tokens to ", n_, " cached positions: block_size is only ",
          T_);
    check_tokens(model, new_tokens, "KVCache");

    NoGradGuard no_grad;
    const Transformer& tr = model.transformer;
    std::vector<int32_t> positions(size_t(Tn), 0);
    std::iota(positions.begin(), positions.end(), int32_t(n_));   // the new tokens continue the sequence
    Tensor x = tr.drop.forward(tr.wte.forward(Indices({1, Tn}, new_tokens)) +
                               tr.wpe.forward(Indices({Tn}, positions)));   // (1, Tn, C)
    for (int64_t l = 0; l < L_; l++) {
        const Block& b = *tr.h[size_t(l)];
        Tensor qkv = b.attn.c_attn.forward(b.ln_1.forward(x));   // (1, Tn, 3C)
        real* kc = k_.data() + l * NH_ * T_ * hs_;                 // (NH, T, hs)
        real* vc = v_.data() + l * NH_ * T_ * hs_;                 // (NH, T, hs)
        const real* src = qkv.data();
        for (int64_t t = 0; t < Tn; t++)
            for (int64_t h = 0; h < NH_; h++) {
                const real* kt = src + t * 3 * C_ + C_ + h * hs_;   // k and v follow q in each row
                std::copy(kt, kt + hs_, kc + (h * T_ + n_ + t) * hs_);
                std::copy(kt + C_, kt + C_ + hs_, vc + (h * T_ + n_ + t) * hs_);
            }
        Tensor y = Tensor::empty({1, Tn, C_});
        attention_cached(y.data(), src, kc, vc, Tn, n_, NH_, hs_, T_);
        x = x + b.attn.resid_dropout.forward(b.attn.c_proj.forward(y));
        x = x + b.mlp.forward(b.ln_2.forward(x));
    }
    n_ += Tn;
    // Only the last position's logits are wanted; ln_f works row by row, so slice before it.
    Tensor last = tr.ln_f.forward(slice(x, 1, Tn - 1, Tn));   // (1, 1, C)
    return model.head(last).to_vector();                      // (V,)
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
        } else if (i == 0 || cache.size() == T) {
            // The first token, or the window has slid: every position shifted by one, so the cached
            // keys (built with the old positions) are stale. Rebuild from the last T tokens.
            cache.reset();
            logits = cache.forward(model, last_n(context, T));
        } else {
            logits = cache.forward(model, {context.back()});
        }
        int32_t next = sample_next(logits.data(), model.config.vocab_size, opt, rng);
        context.push_back(next);
        out.push_back(next);
        if (on_token) on_token(next);
    }
    return out;
}

}  // namespace gs::gpt
