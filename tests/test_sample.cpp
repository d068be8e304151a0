// Tests of gpt/sample and of the GPT's cached forward (gpt/model.h) it runs: the sampler against
// probabilities derived by hand, the cached forward against a full recompute at every step (inside the
// window and while it slides, with and without bias, for several layer and head counts, one sequence
// and two), and generate() giving the same tokens with and without the cache.
// The cached attention kernel itself is tested in test_attention.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "gpt/sample.h"

using namespace gs;
using namespace gs::gpt;

namespace {

constexpr int64_t kBlock = 16, kVocab = 20;

std::unique_ptr<GPT> small_gpt(real dropout = 0, int64_t n_layer = 2, int64_t n_head = 2, int64_t n_embd = 32,
                               bool bias = true) {
    GPTConfig c;
    c.n_layer = n_layer;
    c.n_head = n_head;
    c.n_embd = n_embd;
    c.block_size = kBlock;
    c.vocab_size = kVocab;
    c.bias = bias;
    c.dropout = dropout;
    auto model = std::make_unique<GPT>(c, 1234);
    model->eval();
    return model;
}

// The shapes the cache is checked at: with and without bias, one to four layers, one to four heads
// (head sizes 8, 16 and 12).
std::vector<std::unique_ptr<GPT>> several_gpts() {
    std::vector<std::unique_ptr<GPT>> m;
    m.push_back(small_gpt(0, 2, 2, 32, true));
    m.push_back(small_gpt(0, 3, 4, 48, false));
    m.push_back(small_gpt(0, 1, 1, 8, false));
    m.push_back(small_gpt(0, 4, 3, 36, true));
    return m;
}

std::string describe(const GPT& m) {
    const GPTConfig& c = m.config;
    return "n_layer " + std::to_string(c.n_layer) + " n_head " + std::to_string(c.n_head) + " n_embd " +
           std::to_string(c.n_embd) + (c.bias ? " bias" : " no bias");
}

// The cached forward as generate() runs it: the next tokens at positions cache.size().., logits (V,).
std::vector<real> cached(const GPT& m, KVCache& cache, const std::vector<int32_t>& tokens) {
    return m.forward(Indices({1, int64_t(tokens.size())}, tokens), cache).logits.to_vector();
}

std::vector<int32_t> random_tokens(int64_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> t;
    for (int64_t i = 0; i < n; i++) t.push_back(int32_t(rng.below(uint32_t(kVocab))));
    return t;
}

double max_abs_diff(const std::vector<real>& a, const std::vector<real>& b) {
    EXPECT_EQ(a.size(), b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); i++)
        worst = std::max(worst, std::fabs(double(a[i]) - double(b[i])));
    return worst;
}

// Frequencies of each token over n draws.
std::vector<double> frequencies(const std::vector<real>& logits, const SampleOptions& opt, int n, uint64_t seed) {
    Rng rng(seed);
    std::vector<double> f(logits.size(), 0);
    for (int i = 0; i < n; i++) f[size_t(sample_next(logits.data(), int64_t(logits.size()), opt, rng))] += 1.0 / n;
    return f;
}

std::vector<real> log_probs(const std::vector<double>& p) {
    std::vector<real> l;
    for (double x : p) l.push_back(real(std::log(x)));
    return l;
}

template <typename F> std::string error_of(F&& f) {
    try { f(); } catch (const std::invalid_argument& e) { return e.what(); }
    return "(no exception)";
}

}  // namespace

// ---- sample_next -----------------------------------------------------------------------------------

TEST(Sample, OptionsAreValidatedNamingTheOptionAndValue) {
    SampleOptions ok;
    EXPECT_NO_THROW(ok.validated());
    SampleOptions t; t.temperature = real(-0.5);
    EXPECT_EQ(error_of([&] { t.validated(); }), "sample: temperature must be >= 0 (0 = greedy), got -0.5");
    SampleOptions tn; tn.temperature = std::numeric_limits<real>::quiet_NaN();
    EXPECT_THROW(tn.validated(), std::invalid_argument);
    SampleOptions k; k.top_k = -1;
    EXPECT_EQ(error_of([&] { k.validated(); }), "sample: top_k must be >= 0 (0 = off), got -1");
    SampleOptions p0; p0.top_p = 0;
    EXPECT_EQ(error_of([&] { p0.validated(); }), "sample: top_p must be in (0, 1] (1 = off), got 0");
    SampleOptions p2; p2.top_p = real(1.5);
    EXPECT_NE(error_of([&] { p2.validated(); }).find("top_p must be in (0, 1] (1 = off), got 1.5"), std::string::npos);
    std::vector<real> logits = {0, 1};
    Rng rng(1);
    EXPECT_THROW(sample_next(logits.data(), 2, p0, rng), std::invalid_argument);
}

TEST(Sample, BadLogitsAreRejected) {
    Rng rng(1);
    SampleOptions opt;
    real inf = std::numeric_limits<real>::infinity();
    std::vector<real> nan = {0, std::numeric_limits<real>::quiet_NaN(), 1};
    std::string msg = error_of([&] { sample_next(nan.data(), 3, opt, rng); });
    EXPECT_NE(msg.find("sample: logit 1 is nan"), std::string::npos) << msg;
    std::vector<real> pinf = {0, inf};
    EXPECT_THROW(sample_next(pinf.data(), 2, opt, rng), std::invalid_argument);
    std::vector<real> ninf = {-inf, -inf};
    EXPECT_EQ(error_of([&] { sample_next(ninf.data(), 2, opt, rng); }), "sample: all 2 logits are -inf");
    EXPECT_THROW(sample_next(ninf.data(), 0, opt, rng), std::invalid_argument);
}

TEST(Sample, TemperatureZeroIsArgmaxAndDrawsNothing) {
    std::vector<real> logits = {0.5, 2.0, -1.0, 1.9};
    SampleOptions opt; opt.temperature = 0;
    Rng rng(3), untouched(3);
    for (int i = 0; i < 10; i++) EXPECT_EQ(sample_next(logits.data(), 4, opt, rng), 1);
    EXPECT_EQ(rng.next_u32(), untouched.next_u32());   // greedy left the stream where it was
    std::vector<real> tie = {1, 3, 0, 3};              // a tie goes to the lower id
    EXPECT_EQ(sample_next(tie.data(), 4, opt, rng), 1);
}

TEST(Sample, TopK1AndTinyTopPAreArgmax) {
    std::vector<real> logits = {0.5, 2.0, -1.0, 1.9, 1.99};
    SampleOptions k1; k1.top_k = 1;
    SampleOptions p; p.top_p = real(1e-6);
    Rng rng(5);
    for (int i = 0; i < 200; i++) {
        EXPECT_EQ(sample_next(logits.data(), 5, k1, rng), 1);
        EXPECT_EQ(sample_next(logits.data(), 5, p, rng), 1);
    }
    std::vector<real> tie = {3, 1, 3};   // top_k 1 keeps the lower id of a tie
    for (int i = 0; i < 50; i++) EXPECT_EQ(sample_next(tie.data(), 3, k1, rng), 0);
}

// Exactly one uniform per token, mapped through the inverse CDF in descending-probability order:
// p = [0.1, 0.2, 0.7] is walked as ids 2, 1, 0 with cumulative 0.7, 0.9, 1.0.
TEST(Sample, OneUniformPerTokenThroughTheInverseCdf) {
    std::vector<real> logits = log_probs({0.1, 0.2, 0.7});
    SampleOptions opt;
    Rng rng(11), mirror(11);
    for (int i = 0; i < 2000; i++) {
        float u = mirror.uniform();
        int32_t got = sample_next(logits.data(), 3, opt, rng);
        int32_t want = u < 0.7f ? 2 : u < 0.9f ? 1 : 0;
        // right at a boundary the rounding of log() and exp() may tip either way
        bool near_edge = std::fabs(u - 0.7f) < 1e-5f || std::fabs(u - 0.9f) < 1e-5f;
        if (!near_edge) {
            EXPECT_EQ(got, want) << "u = " << u;
        }
    }
    EXPECT_EQ(rng.next_u32(), mirror.next_u32());   // the two streams are still in step
}

TEST(Sample, FrequenciesMatchAKnownDistribution) {
    std::vector<double> p = {0.1, 0.2, 0.7};
    std::vector<double> f = frequencies(log_probs(p), SampleOptions(), 20000, 17);
    for (size_t i = 0; i < p.size(); i++) EXPECT_NEAR(f[i], p[i], 0.015) << "token " << i;
}

// Temperature T turns p_i into p_i^(1/T) / sum. From p = [0.1, 0.2, 0.7]:
//   T = 2:   sqrt(p) = [0.3162, 0.4472, 0.8367], sum 1.6001 -> [0.1976, 0.2795, 0.5229]   (flatter)
//   T = 0.5: p^2 = [0.01, 0.04, 0.49], sum 0.54           -> [0.0185, 0.0741, 0.9074]   (sharper)
TEST(Sample, TemperatureSpreadsOrSharpens) {
    std::vector<real> logits = log_probs({0.1, 0.2, 0.7});
    SampleOptions hot; hot.temperature = 2;
    SampleOptions cold; cold.temperature = real(0.5);
    std::vector<double> fh = frequencies(logits, hot, 20000, 19), fc = frequencies(logits, cold, 20000, 23);
    std::vector<double> want_h = {0.1976, 0.2795, 0.5229}, want_c = {0.0185, 0.0741, 0.9074};
    for (size_t i = 0; i < 3; i++) {
        EXPECT_NEAR(fh[i], want_h[i], 0.015) << "T = 2, token " << i;
        EXPECT_NEAR(fc[i], want_c[i], 0.015) << "T = 0.5, token " << i;
    }
}

TEST(Sample, TopKOnlyEverDrawsTheKLargest) {
    std::vector<real> logits = {0.3, 1.0, -0.5, 0.9, 0.2, 0.8, 0.0};   // the 3 largest: ids 1, 3, 5
    SampleOptions opt; opt.top_k = 3;
    std::vector<double> f = frequencies(logits, opt, 5000, 29);
    for (size_t i = 0; i < f.size(); i++) {
        if (i == 1 || i == 3 || i == 5) {
            EXPECT_GT(f[i], 0.2) << "token " << i;
        } else {
            EXPECT_EQ(f[i], 0) << "token " << i;
        }
    }
    // renormalised over the three: e^1, e^0.9, e^0.8 over their sum = [0.3672, 0.3322, 0.3006]
    EXPECT_NEAR(f[1], 0.3672, 0.025);
    EXPECT_NEAR(f[5], 0.3006, 0.025);
}

// p = [0.1, 0.2, 0.3, 0.4], top_p 0.6: 0.4 < 0.6, 0.4 + 0.3 >= 0.6, so the nucleus is {3, 2},
// renormalised to [4/7, 3/7] = [0.5714, 0.4286].
TEST(Sample, TopPKeepsTheNucleus) {
    SampleOptions opt; opt.top_p = real(0.6);
    std::vector<double> f = frequencies(log_probs({0.1, 0.2, 0.3, 0.4}), opt, 20000, 31);
    EXPECT_EQ(f[0], 0);
    EXPECT_EQ(f[1], 0);
    EXPECT_NEAR(f[2], 3.0 / 7, 0.015);
    EXPECT_NEAR(f[3], 4.0 / 7, 0.015);
}

TEST(Sample, MinusInfinityLogitsAreNeverDrawn) {
    real inf = std::numeric_limits<real>::infinity();
    std::vector<real> logits = {-inf, 0, -inf, 0, -inf};
    std::vector<double> f = frequencies(logits, SampleOptions(), 2000, 37);
    EXPECT_EQ(f[0] + f[2] + f[4], 0);
    EXPECT_NEAR(f[1], 0.5, 0.05);
}

// ---- the cached forward ------------------------------------------------------------------------------

TEST(SampleKVCache, NextLogitsIsTheLastRowOfTheFullForward) {
    auto model = small_gpt();
    std::vector<int32_t> ctx = random_tokens(9, 1);
    std::vector<real> last = next_logits(*model, ctx);
    NoGradGuard no_grad;
    Tensor full = model->forward(Indices({1, 9}, ctx)).logits;   // (1, 9, V)
    std::vector<real> row(full.data() + 8 * kVocab, full.data() + 9 * kVocab);
    EXPECT_LE(max_abs_diff(last, row), 1e-6);
}

// Every step, in the window and for two more windows past it (where the window slides and the cache
// is refilled by one batched forward, as generate() does), the cached logits equal a full recompute.
TEST(SampleKVCache, MatchesFullRecomputeAtEveryStepAndWhileSliding) {
    for (const auto& model : several_gpts()) {
        SCOPED_TRACE(describe(*model));
        std::vector<int32_t> stream = random_tokens(3 + 3 * kBlock, 2);
        std::vector<int32_t> ctx(stream.begin(), stream.begin() + 3);
        KVCache cache(model->config);
        EXPECT_LE(max_abs_diff(cached(*model, cache, ctx), next_logits(*model, ctx)), 1e-5);   // prefill of 3
        for (size_t i = 3; i < stream.size(); i++) {
            ctx.push_back(stream[i]);
            std::vector<real> got;
            if (cache.size() == kBlock) {
                cache.reset();
                got = cached(*model, cache, std::vector<int32_t>(ctx.end() - kBlock, ctx.end()));
            } else {
                got = cached(*model, cache, {stream[i]});
            }
            ASSERT_LE(max_abs_diff(got, next_logits(*model, ctx)), 1e-5) << "context length " << ctx.size();
        }
        EXPECT_EQ(cache.size(), kBlock);
    }
}

// The cache's rows are the keys and values the full forward computes: after a prefill and single
// steps, the logits of every position (not only the last) come out of the full forward too.
TEST(SampleKVCache, EveryPositionOfTheWindowMatchesTheFullForward) {
    auto model = small_gpt(0, 3, 4, 48, false);
    std::vector<int32_t> t = random_tokens(kBlock, 8);
    NoGradGuard no_grad;
    Tensor full = model->forward(Indices({1, kBlock}, t)).logits;   // (1, kBlock, V)
    KVCache cache(model->config);
    for (int64_t p = 0; p < kBlock; p++) {
        std::vector<real> got = cached(*model, cache, {t[size_t(p)]});
        std::vector<real> row(full.data() + p * kVocab, full.data() + (p + 1) * kVocab);
        ASSERT_LE(max_abs_diff(got, row), 1e-5) << "position " << p;
    }
}

TEST(SampleKVCache, ChunkedPrefillEqualsOnePrefill) {
    auto model = small_gpt();
    std::vector<int32_t> t = random_tokens(11, 3);
    KVCache whole(model->config), chunks(model->config);
    std::vector<real> a = cached(*model, whole, t);
    cached(*model, chunks, std::vector<int32_t>(t.begin(), t.begin() + 4));
    std::vector<real> b = cached(*model, chunks, std::vector<int32_t>(t.begin() + 4, t.end()));
    EXPECT_LE(max_abs_diff(a, b), 1e-5);
    EXPECT_EQ(chunks.size(), 11);
}

// Two sequences in one cache: each row's logits are those of its own sequence alone.
TEST(SampleKVCache, ABatchOfTwoMatchesEachSequenceAlone) {
    auto model = small_gpt(0, 2, 4, 32, false);
    std::vector<int32_t> a = random_tokens(kBlock, 11), b = random_tokens(kBlock, 12);
    KVCache both(model->config, 2), one_a(model->config), one_b(model->config);
    for (int64_t p = 0; p < kBlock; p += 5) {   // chunks of 5, 5, 5 and 1 tokens
        int64_t n = std::min<int64_t>(5, kBlock - p);
        std::vector<int32_t> ca(a.begin() + p, a.begin() + p + n), cb(b.begin() + p, b.begin() + p + n), ab = ca;
        ab.insert(ab.end(), cb.begin(), cb.end());
        Tensor logits = model->forward(Indices({2, n}, ab), both).logits;   // (2, 1, V)
        ASSERT_EQ(logits.shape(), (Shape{2, 1, kVocab}));
        std::vector<real> row0(logits.data(), logits.data() + kVocab), row1(logits.data() + kVocab, logits.data() + 2 * kVocab);
        EXPECT_LE(max_abs_diff(row0, cached(*model, one_a, ca)), 1e-5) << "position " << p;
        EXPECT_LE(max_abs_diff(row1, cached(*model, one_b, cb)), 1e-5) << "position " << p;
    }
}

TEST(SampleKVCache, BuildsNoGraphAndLeavesGradModeAsItWas) {
    auto model = small_gpt();
    KVCache cache(model->config);
    ASSERT_TRUE(grad_enabled());
    Tensor logits = model->forward(Indices({1, 3}, {1, 2, 3}), cache).logits;
    EXPECT_FALSE(logits.requires_grad());
    EXPECT_TRUE(grad_enabled());
}

TEST(SampleKVCache, RefusesToOverflowBlockSize) {
    auto model = small_gpt();
    KVCache cache(model->config);
    EXPECT_EQ(error_of([&] { cached(*model, cache, random_tokens(kBlock + 1, 4)); }),
              "GPT: cannot add 17 tokens to the 0 positions in the KV cache: block_size is only 16");
    cached(*model, cache, random_tokens(kBlock - 1, 4));
    cached(*model, cache, {3});
    EXPECT_EQ(cache.size(), kBlock);
    EXPECT_THROW(cached(*model, cache, {3}), std::invalid_argument);
    EXPECT_EQ(cache.size(), kBlock);   // unchanged by the refused call
    EXPECT_THROW(cached(*model, cache, {}), std::invalid_argument);
    cache.reset();
    EXPECT_EQ(cache.size(), 0);
    EXPECT_NO_THROW(cached(*model, cache, {3}));
}

TEST(SampleKVCache, RejectsTokensOutsideTheVocabularyAndAWrongModel) {
    auto model = small_gpt();
    KVCache cache(model->config);
    cached(*model, cache, {1, 2});
    EXPECT_EQ(error_of([&] { cached(*model, cache, {5, 20}); }),
              "GPT: token id 20 at position 1 is outside the vocabulary of 20");
    EXPECT_THROW(cached(*model, cache, {-1}), std::invalid_argument);
    EXPECT_EQ(cache.size(), 2);   // nothing appended
    GPTConfig other = model->config;
    other.n_layer = 3;
    KVCache wrong(other);
    EXPECT_EQ(error_of([&] { cached(*model, wrong, {1}); }), "GPT: the KV cache has 3 layers, the model 2");
    other = model->config;
    other.n_head = 4;
    KVCache heads(other);
    EXPECT_NE(error_of([&] { cached(*model, heads, {1}); }).find("the KV cache's layers are [1, 4, 16, 8]"),
              std::string::npos);
    KVCache pair(model->config, 2);   // a cache for two sequences, given one
    EXPECT_THROW(cached(*model, pair, {1}), std::invalid_argument);
    EXPECT_EQ(pair.size(), 0);
}

// ---- generate --------------------------------------------------------------------------------------

TEST(SampleGenerate, SameTokensWithAndWithoutTheCache) {
    SampleOptions sharp; sharp.temperature = real(0.3); sharp.top_k = 8;   // sensitive to the logits
    SampleOptions plain, nucleus; nucleus.top_p = real(0.9);
    for (const auto& model : several_gpts()) {
        SCOPED_TRACE(describe(*model));
        for (const SampleOptions& opt : {plain, sharp, nucleus}) {
            Rng r1(99), r2(99);   // three windows: the cache fills, then slides for two more
            std::vector<int32_t> a = generate(*model, {1, 2, 3}, 3 * kBlock, opt, r1, false);
            std::vector<int32_t> b = generate(*model, {1, 2, 3}, 3 * kBlock, opt, r2, true);
            EXPECT_EQ(a, b);
            EXPECT_EQ(int64_t(a.size()), 3 * kBlock);
            EXPECT_EQ(r1.next_u32(), r2.next_u32());   // both consumed the stream identically
        }
        // a prompt longer than the window: only its last block_size tokens are seen
        Rng r1(5), r2(5);
        std::vector<int32_t> long_prompt = random_tokens(kBlock + 7, 6);
        EXPECT_EQ(generate(*model, long_prompt, 20, plain, r1, false),
                  generate(*model, long_prompt, 20, plain, r2, true));
    }
}

TEST(SampleGenerate, StreamsEachTokenAsItIsDrawn) {
    auto model = small_gpt();
    Rng rng(7);
    std::vector<int32_t> seen;
    auto on_token = [&](int32_t id) { seen.push_back(id); };
    std::vector<int32_t> out = generate(*model, {4}, 25, SampleOptions(), rng, true, on_token);
    EXPECT_EQ(seen, out);
    for (int32_t id : out) EXPECT_TRUE(id >= 0 && id < kVocab);
    Rng r0(7);
    EXPECT_TRUE(generate(*model, {4}, 0, SampleOptions(), r0, true).empty());
}

TEST(SampleGenerate, GreedyIsDeterministicAndDrawsNothing) {
    auto model = small_gpt();
    SampleOptions greedy; greedy.temperature = 0;
    Rng r1(1), r2(2), fresh(1);
    std::vector<int32_t> a = generate(*model, {0, 5}, 30, greedy, r1, true);
    EXPECT_EQ(a, generate(*model, {0, 5}, 30, greedy, r2, false));   // different seeds, same tokens
    EXPECT_EQ(r1.next_u32(), fresh.next_u32());
}

TEST(SampleGenerate, RejectsBadArgumentsBeforeSampling) {
    auto model = small_gpt();
    SampleOptions opt;
    Rng rng(1), untouched(1);
    EXPECT_EQ(error_of([&] { generate(*model, {}, 5, opt, rng, true); }),
              "generate: the prompt is empty: start from at least one token (e.g. \"\\n\")");
    EXPECT_EQ(error_of([&] { generate(*model, {1, 25}, 5, opt, rng, false); }),
              "generate: token id 25 at position 1 is outside the vocabulary of 20");
    EXPECT_THROW(generate(*model, {1}, -1, opt, rng, true), std::invalid_argument);
    SampleOptions bad; bad.top_p = 2;
    EXPECT_THROW(generate(*model, {1}, 5, bad, rng, true), std::invalid_argument);
    EXPECT_EQ(rng.next_u32(), untouched.next_u32());   // nothing was drawn

    auto dropped = small_gpt(real(0.1));
    dropped->train();
    std::string msg = error_of([&] { generate(*dropped, {1}, 5, opt, rng, false); });
    EXPECT_NE(msg.find("call model.eval()"), std::string::npos) << msg;
    KVCache cache(dropped->config);
    EXPECT_NE(error_of([&] { cached(*dropped, cache, {1}); }).find("call model.eval()"), std::string::npos);
}
