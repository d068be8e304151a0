// causal_attention (autograd/attention.h): a hand-computed two-head case, the fast kernels against the
// naive ones at odd and round sizes (one and several row blocks), the op against the composed reference
// (split / matmul / masked_fill / softmax) forward and backward, causality, identical bits for 1 and
// 2 threads, no tensor allocations in steady state, and bad shapes. Then the cached forward: a
// hand-computed case, fast against naive on awkward shapes, chunks of a sequence against the whole.
// Finite differences: grad/test_attention_grad.cpp.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/attention.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// Forward then backward with the fast or the naive kernels: out, att and dqkv (which starts from
// `dqkv0`, so the += is tested too).
struct Results {
    std::vector<real> out, att, dqkv;
};
Results run_kernels(bool fast, const std::vector<real>& qkv, const std::vector<real>& dout,
                    const std::vector<real>& dqkv0, int64_t B, int64_t T, int64_t C, int64_t NH) {
    Results r{std::vector<real>(size_t(B * T * C), 0), std::vector<real>(size_t(B * NH * T * T), 0), dqkv0};
    (fast ? attention_forward : attention_forward_naive)(r.out.data(), r.att.data(), qkv.data(), B, T, C, NH);
    (fast ? attention_backward : attention_backward_naive)(r.dqkv.data(), dout.data(), qkv.data(), r.att.data(), B,
                                                           T, C, NH);
    return r;
}

// Float sums of up to a few hundred O(1) terms, added in different orders by the two kernels.
void expect_close(const std::vector<real>& got, const std::vector<real>& want, double tol, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); i++)
        ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << what << ", element " << i;
}

}  // namespace

TEST(Attention, HandComputedTwoHeads) {
    // C = 2, NH = 2, hs = 1 (scale 1/sqrt(1) = 1); each row of qkv is [q_h0, q_h1, k_h0, k_h1, v_h0, v_h1].
    // t = 0 sees only itself: y_0 = v_0 = [4, 5] whatever the scores.
    // t = 1, head 0: scores q_1 k_j = 1 * [0, ln3] -> e^ = [1, 3] -> weights [1/4, 3/4]; y = 4/4 + 8*3/4 = 7
    // t = 1, head 1: scores 2 * [0, ln2] = [0, 2 ln2] -> e^ = [1, 4] -> weights [1/5, 4/5]; y = 5/5 + 10*4/5 = 9
    const real ln2 = real(std::log(2.0)), ln3 = real(std::log(3.0));
    Tensor qkv = Tensor::from({1, 2, 6}, {3, -1, 0, 0, 4, 5,   //
                                          1, 2, ln3, ln2, 8, 10});
    Tensor y = causal_attention(qkv, 2);
    ASSERT_EQ(y.shape(), (Shape{1, 2, 2}));
    std::vector<double> want = {4, 5, 7, 9};
    for (size_t i = 0; i < want.size(); i++) EXPECT_NEAR(y.data()[i], want[i], 1e-5) << "element " << i;

    // the saved weights, (B, NH, T, T): head 0 [[1, 0], [1/4, 3/4]], head 1 [[1, 0], [1/5, 4/5]]
    std::vector<real> out(4), att(8);
    attention_forward(out.data(), att.data(), qkv.data(), 1, 2, 2, 2);
    std::vector<double> want_att = {1, 0, 0.25, 0.75, 1, 0, 0.2, 0.8};
    for (size_t i = 0; i < want_att.size(); i++) EXPECT_NEAR(att[i], want_att[i], 1e-6) << "att " << i;
}

TEST(Attention, FastMatchesNaiveAtOddAndRoundSizes) {
    // the fast kernels cut T into row blocks of 48: T = 48 is one whole block, 64, 100 and 130 end ragged
    uint64_t seed = 1;
    for (int64_t T : {1, 5, 17, 48, 64, 100, 130})
        for (int64_t hs : {3, 8, 32})
            for (int64_t NH : {1, 2, 3, 4})
                for (int64_t B : {1, 2, 3}) {
                    if (T >= 100 && (NH > 2 || B > 2)) continue;   // the naive kernel is slow there
                    int64_t C = NH * hs;
                    std::string what = "B " + std::to_string(B) + " T " + std::to_string(T) + " NH " +
                                       std::to_string(NH) + " hs " + std::to_string(hs);
                    std::vector<real> qkv = random_vec(B * T * 3 * C, seed++), dout = random_vec(B * T * C, seed++);
                    std::vector<real> dqkv0 = random_vec(B * T * 3 * C, seed++);
                    Results fast = run_kernels(true, qkv, dout, dqkv0, B, T, C, NH);
                    Results ref = run_kernels(false, qkv, dout, dqkv0, B, T, C, NH);
                    expect_close(fast.out, ref.out, 1e-5, what + ", out");
                    expect_close(fast.att, ref.att, 1e-5, what + ", att");
                    expect_close(fast.dqkv, ref.dqkv, 1e-5, what + ", dqkv");
                }
}

TEST(Attention, MaskedWeightsAreExactlyZeroAndRowsSumToOne) {
    int64_t B = 2, T = 70, NH = 3, C = 24;
    std::vector<real> qkv = random_vec(B * T * 3 * C, 5, 2), out(size_t(B * T * C)), att(size_t(B * NH * T * T), 7);
    attention_forward(out.data(), att.data(), qkv.data(), B, T, C, NH);
    for (int64_t r = 0; r < B * NH * T; r++) {
        int64_t t = r % T;
        double sum = 0;
        for (int64_t j = 0; j < T; j++) {
            real a = att[size_t(r * T + j)];
            if (j > t) {
                ASSERT_EQ(a, 0) << "row " << r << " key " << j;
            }
            sum += a;
        }
        ASSERT_NEAR(sum, 1, 1e-5) << "row " << r;
    }
}

TEST(Attention, MatchesTheComposedOpsForwardAndBackward) {
    struct Size {
        int64_t B, T, C, NH;
    };
    for (Size s : {Size{2, 4, 8, 2}, Size{3, 17, 12, 4}, Size{1, 70, 32, 1}, Size{2, 33, 6, 3}}) {
        SCOPED_TRACE("B " + std::to_string(s.B) + " T " + std::to_string(s.T) + " C " + std::to_string(s.C));
        Tensor x1 = Tensor::from({s.B, s.T, 3 * s.C}, random_vec(s.B * s.T * 3 * s.C, 11, 1.5)).requires_grad_();
        Tensor x2 = Tensor::from(x1.shape(), x1.to_vector()).requires_grad_();
        Tensor dy = Tensor::from({s.B, s.T, s.C}, random_vec(s.B * s.T * s.C, 12));
        Tensor y1 = causal_attention(x1, s.NH), y2 = causal_attention_reference(x2, s.NH);
        expect_close(y1.to_vector(), y2.to_vector(), 1e-5, "forward");
        y1.backward(dy);
        y2.backward(dy);
        expect_close(x1.grad_tensor().to_vector(), x2.grad_tensor().to_vector(), 1e-5, "backward");
    }
}

TEST(Attention, OutputsDoNotDependOnLaterPositions) {
    int64_t B = 2, T = 9, C = 12, NH = 3;
    Tensor qkv = Tensor::from({B, T, 3 * C}, random_vec(B * T * 3 * C, 21));
    std::vector<real> before = causal_attention(qkv, NH).to_vector();
    for (int64_t t = 0; t < T; t++) {
        Tensor changed = Tensor::from(qkv.shape(), qkv.to_vector());
        for (int64_t b = 0; b < B; b++)   // every q, k and v after position t
            for (int64_t i = (b * T + t + 1) * 3 * C; i < (b + 1) * T * 3 * C; i++) changed.data()[i] += 1;
        std::vector<real> after = causal_attention(changed, NH).to_vector();
        for (int64_t b = 0; b < B; b++) {
            for (int64_t i = b * T * C; i < (b * T + t + 1) * C; i++)   // positions <= t: bit for bit
                ASSERT_EQ(before[size_t(i)], after[size_t(i)]) << "t " << t << " element " << i;
            if (t + 1 < T) {   // and position t + 1 does see the change
                EXPECT_NE(before[size_t((b * T + t + 1) * C)], after[size_t((b * T + t + 1) * C)]);
            }
        }
    }
}

TEST(Attention, OneAndTwoThreadsGiveTheSameBits) {
    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    int64_t B = 3, T = 100, C = 96, NH = 3;
    std::vector<real> qkv = random_vec(B * T * 3 * C, 31), dout = random_vec(B * T * C, 32);
    std::vector<real> dqkv0 = random_vec(B * T * 3 * C, 33);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    Results one = run_kernels(true, qkv, dout, dqkv0, B, T, C, NH);
    omp_set_num_threads(2);
    Results two = run_kernels(true, qkv, dout, dqkv0, B, T, C, NH);
    omp_set_num_threads(saved);
    EXPECT_EQ(one.out, two.out);
    EXPECT_EQ(one.att, two.att);
    EXPECT_EQ(one.dqkv, two.dqkv);
}

TEST(Attention, SteadyStateMakesNoNewTensorBuffers) {
    // the saved softmax and the output come back from the caching allocator after the first step
    Tensor qkv = Tensor::from({2, 40, 48}, random_vec(2 * 40 * 48, 41)).requires_grad_();
    Tensor dy = Tensor::from({2, 40, 16}, random_vec(2 * 40 * 16, 42));
    auto step = [&] { causal_attention(qkv, 2).backward(dy); };
    step();
    step();
    AllocStats before = alloc_stats();
    for (int i = 0; i < 5; i++) step();
    EXPECT_EQ(alloc_stats().heap_allocs, before.heap_allocs);
}

TEST(Attention, NoGraphUnderNoGrad) {
    Tensor qkv = Tensor::from({1, 3, 6}, random_vec(18, 51)).requires_grad_();
    NoGradGuard guard;
    Tensor y = causal_attention(qkv, 1);
    EXPECT_TRUE(y.is_leaf());
    EXPECT_FALSE(y.requires_grad());
}

TEST(Attention, EmptyBatchOrSequence) {
    EXPECT_EQ(causal_attention(Tensor::zeros({0, 3, 6}), 2).shape(), (Shape{0, 3, 2}));
    Tensor qkv = Tensor::zeros({2, 0, 6}).requires_grad_();
    Tensor y = causal_attention(qkv, 1);
    EXPECT_EQ(y.shape(), (Shape{2, 0, 2}));
    y.backward(Tensor::zeros({2, 0, 2}));
    EXPECT_EQ(qkv.grad_tensor().shape(), (Shape{2, 0, 6}));
}

TEST(Attention, BadShapesNameTheOpAndShapes) {
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({4, 6}), 1); }),
              "causal_attention: qkv must be (B, T, 3C), got [4, 6]");
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({1, 2, 4, 6}), 1); }),
              "causal_attention: qkv must be (B, T, 3C), got [1, 2, 4, 6]");
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({2, 3, 10}), 1); }),
              "causal_attention: qkv's last dim must be 3C (q, k, v side by side), got 10 in [2, 3, 10]");
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({2, 3, 18}), 4); }),
              "causal_attention: C = 6 (qkv is [2, 3, 18]) does not split into n_head = 4 heads of equal, "
              "non-zero size");
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({2, 3, 18}), 0); }),
              "causal_attention: C = 6 (qkv is [2, 3, 18]) does not split into n_head = 0 heads of equal, "
              "non-zero size");
    EXPECT_EQ(error_of([] { causal_attention(Tensor::zeros({2, 3, 0}), 1); }),
              "causal_attention: C = 0 (qkv is [2, 3, 0]) does not split into n_head = 1 heads of equal, "
              "non-zero size");
}

TEST(Attention, ReferenceAppliesDropoutToTheWeights) {
    // dropout_p near 1 zeroes every weight of a small case with this seed's draws; p = 0 is the identity
    Tensor qkv = Tensor::from({1, 4, 6}, random_vec(24, 61));
    Rng a(3), b(3);
    EXPECT_EQ(causal_attention_reference(qkv, 1, 0, &a).to_vector(), causal_attention_reference(qkv, 1).to_vector());
    EXPECT_EQ(a.next_u32(), b.next_u32());   // p = 0 draws nothing
    Rng r(5);
    std::vector<real> dropped = causal_attention_reference(qkv, 1, real(0.5), &r).to_vector();
    EXPECT_NE(dropped, causal_attention_reference(qkv, 1).to_vector());
    EXPECT_EQ(error_of([&] { causal_attention_reference(qkv, 1, real(0.5)); }),
              "causal_attention_reference: dropout 0.5 needs an Rng");
}

// ---- the cached forward ---------------------------------------------------------------------------

namespace {

// Runs the fast or the naive cached kernel on copies of the caches; returns out, k cache, v cache.
struct CachedResults {
    std::vector<real> out, k, v;
};
CachedResults run_cached(bool fast, const std::vector<real>& qkv, std::vector<real> k, std::vector<real> v,
                         int64_t B, int64_t Tn, int64_t Tq, int64_t pos0, int64_t maxT, int64_t C, int64_t NH) {
    std::vector<real> out(size_t(B * Tq * C), real(-7));
    (fast ? attention_cached_forward : attention_cached_forward_naive)(out.data(), k.data(), v.data(), qkv.data(), B,
                                                                      Tn, Tq, pos0, maxT, C, NH);
    return {out, k, v};
}

}  // namespace

// One head, hs = 2, scale 1/sqrt(2). Rows of qkv are [q | k | v]:
//   position 0: q0 = [1, 1], k0 = [0, 5], v0 = [4, 8];  position 1: q1 = [sqrt 2, 0], k1 = [ln 3, 7], v1 = [0, -4]
//   query 0 sees only position 0: out0 = v0 = [4, 8]
//   query 1: scores q1·k / sqrt(2) = [0, ln 3] -> softmax [1/4, 3/4]; out1 = [4, 8]/4 + 3 [0, -4]/4 = [1, -1]
TEST(AttentionCached, HandComputedCaseAndTheCacheItWrites) {
    real s2 = real(std::sqrt(2.0)), ln3 = real(std::log(3.0));
    std::vector<real> qkv = {1, 1, 0, 5, 4, 8,   //
                             s2, 0, ln3, 7, 0, -4};
    std::vector<real> k(6, 9), v(6, 9), out(4);   // maxT = 3: the last row stays as it was
    attention_cached_forward(out.data(), k.data(), v.data(), qkv.data(), 1, 2, 2, 0, 3, 2, 1);
    std::vector<double> want = {4, 8, 1, -1};
    for (size_t i = 0; i < 4; i++) EXPECT_NEAR(out[i], want[i], 1e-5) << "element " << i;
    EXPECT_EQ(k, (std::vector<real>{0, 5, ln3, 7, 9, 9}));
    EXPECT_EQ(v, (std::vector<real>{4, 8, 0, -4, 9, 9}));
    // query 1 alone, with position 0 already in the cache: the same output, and the same cache
    std::vector<real> k1 = {0, 5, 9, 9, 9, 9}, v1 = {4, 8, 9, 9, 9, 9}, one(2);
    attention_cached_forward(one.data(), k1.data(), v1.data(), qkv.data() + 6, 1, 1, 1, 1, 3, 2, 1);
    EXPECT_NEAR(one[0], 1, 1e-5);
    EXPECT_NEAR(one[1], -1, 1e-5);
    EXPECT_EQ(k1, k);
    EXPECT_EQ(v1, v);
}

TEST(AttentionCached, FastMatchesNaiveOnAwkwardShapes) {
    // Tn around the 48-row blocks, pos0 from empty to nearly full, head sizes 1..32, spare capacity, and
    // all queries or only the last Tq
    struct Case {
        int64_t B, Tn, Tq, pos0, spare, NH, hs;
    };
    std::vector<Case> cases = {{1, 1, 1, 0, 0, 1, 1},     {1, 1, 1, 63, 0, 4, 32},   {2, 1, 1, 17, 5, 3, 8},
                               {3, 2, 2, 0, 1, 2, 3},     {1, 5, 5, 11, 0, 4, 8},    {2, 47, 47, 0, 3, 2, 16},
                               {1, 48, 48, 1, 0, 3, 5},   {1, 49, 49, 30, 2, 1, 32}, {2, 64, 64, 0, 0, 4, 32},
                               {1, 100, 100, 7, 9, 2, 12}, {3, 13, 13, 50, 0, 4, 7}, {1, 130, 130, 0, 0, 1, 4},
                               {2, 64, 1, 0, 0, 4, 32},   {1, 100, 53, 3, 1, 2, 12}, {3, 7, 2, 9, 0, 3, 5}};
    uint64_t seed = 100;
    for (const Case& c : cases) {
        int64_t C = c.NH * c.hs, maxT = c.pos0 + c.Tn + c.spare;
        std::string what = "B " + std::to_string(c.B) + " Tn " + std::to_string(c.Tn) + " Tq " + std::to_string(c.Tq) +
                           " pos0 " + std::to_string(c.pos0) + " maxT " + std::to_string(maxT) + " NH " +
                           std::to_string(c.NH) + " hs " + std::to_string(c.hs);
        std::vector<real> qkv = random_vec(c.B * c.Tn * 3 * C, seed++);
        std::vector<real> k = random_vec(c.B * c.NH * maxT * c.hs, seed++), v = random_vec(c.B * c.NH * maxT * c.hs, seed++);
        CachedResults fast = run_cached(true, qkv, k, v, c.B, c.Tn, c.Tq, c.pos0, maxT, C, c.NH);
        CachedResults ref = run_cached(false, qkv, k, v, c.B, c.Tn, c.Tq, c.pos0, maxT, C, c.NH);
        expect_close(fast.out, ref.out, 1e-5, what + ", out");
        EXPECT_EQ(fast.k, ref.k) << what;   // copies: the same bits
        EXPECT_EQ(fast.v, ref.v) << what;
        for (int64_t bh = 0; bh < c.B * c.NH; bh++)   // rows outside pos0 .. pos0+Tn-1 untouched
            for (int64_t t = 0; t < maxT; t++)
                if (t < c.pos0 || t >= c.pos0 + c.Tn)
                    for (int64_t d = 0; d < c.hs; d++) {
                        size_t i = size_t((bh * maxT + t) * c.hs + d);
                        ASSERT_EQ(fast.k[i], k[i]) << what << ", row " << t;
                        ASSERT_EQ(fast.v[i], v[i]) << what << ", row " << t;
                    }
    }
}

// The last query alone is the last row of all the queries.
TEST(AttentionCached, LastOnlyIsTheLastRow) {
    Tensor qkv = Tensor::from({2, 9, 36}, random_vec(2 * 9 * 36, 75));
    Tensor k1 = Tensor::zeros({2, 3, 12, 4}), v1 = Tensor::zeros({2, 3, 12, 4});
    Tensor k2 = Tensor::zeros({2, 3, 12, 4}), v2 = Tensor::zeros({2, 3, 12, 4});
    std::vector<real> all = causal_attention_cached(qkv, 3, k1, v1, 2).to_vector();   // (2, 9, 12)
    Tensor last = causal_attention_cached(qkv, 3, k2, v2, 2, true);
    ASSERT_EQ(last.shape(), (Shape{2, 1, 12}));
    for (int64_t b = 0; b < 2; b++)
        for (int64_t c = 0; c < 12; c++) EXPECT_EQ(last.data()[b * 12 + c], all[size_t((b * 9 + 8) * 12 + c)]);
    EXPECT_EQ(k1.to_vector(), k2.to_vector());   // every key and value written either way
    EXPECT_EQ(v1.to_vector(), v2.to_vector());
}

// A sequence fed in chunks (a prefill, then single tokens, then a chunk) gives the outputs that
// causal_attention gives for the whole sequence at once.
TEST(AttentionCached, ChunksOfASequenceMatchTheWholeSequence) {
    int64_t B = 2, T = 70, C = 24, NH = 3, hs = C / NH, maxT = 80;
    std::vector<real> qkv = random_vec(B * T * 3 * C, 71);
    std::vector<real> whole = causal_attention(Tensor::from({B, T, 3 * C}, qkv), NH).to_vector();
    std::vector<real> k(size_t(B * NH * maxT * hs)), v(k.size());
    std::vector<int64_t> chunks = {20, 1, 1, 1, 47};
    int64_t pos = 0;
    for (int64_t n : chunks) {
        std::vector<real> part(size_t(B * n * 3 * C)), out(size_t(B * n * C));
        for (int64_t b = 0; b < B; b++)
            std::copy(qkv.begin() + (b * T + pos) * 3 * C, qkv.begin() + (b * T + pos + n) * 3 * C,
                      part.begin() + b * n * 3 * C);
        attention_cached_forward(out.data(), k.data(), v.data(), part.data(), B, n, n, pos, maxT, C, NH);
        for (int64_t b = 0; b < B; b++)
            for (int64_t i = 0; i < n * C; i++)
                ASSERT_NEAR(out[size_t(b * n * C + i)], whole[size_t((b * T + pos) * C + i)], 1e-5)
                    << "chunk at " << pos << ", batch " << b << ", element " << i;
        pos += n;
    }
    EXPECT_EQ(pos, T);
}

TEST(AttentionCached, OneAndTwoThreadsGiveTheSameBits) {
    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    int64_t B = 2, Tn = 60, pos0 = 10, maxT = 70, NH = 4, C = 64;
    std::vector<real> qkv = random_vec(B * Tn * 3 * C, 81), k = random_vec(B * NH * maxT * 16, 82), v = k;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CachedResults one = run_cached(true, qkv, k, v, B, Tn, Tn, pos0, maxT, C, NH);
    omp_set_num_threads(2);
    CachedResults two = run_cached(true, qkv, k, v, B, Tn, Tn, pos0, maxT, C, NH);
    omp_set_num_threads(saved);
    EXPECT_EQ(one.out, two.out);
    EXPECT_EQ(one.k, two.k);
    EXPECT_EQ(one.v, two.v);
}

TEST(AttentionCached, OpStepsMakeNoNewTensorBuffers) {
    Tensor k = Tensor::zeros({1, 2, 32, 8}), v = Tensor::zeros({1, 2, 32, 8});
    Tensor prompt = Tensor::from({1, 20, 48}, random_vec(20 * 48, 91)), one = Tensor::from({1, 1, 48}, random_vec(48, 92));
    auto steps = [&] {
        causal_attention_cached(prompt, 2, k, v, 0);
        for (int64_t p = 20; p < 32; p++) causal_attention_cached(one, 2, k, v, p);
    };
    steps();
    AllocStats before = alloc_stats();
    for (int i = 0; i < 3; i++) steps();
    EXPECT_EQ(alloc_stats().heap_allocs, before.heap_allocs);
}

TEST(AttentionCached, BadArgumentsNameTheOpAndShapes) {
    Tensor k = Tensor::zeros({1, 2, 8, 3}), v = Tensor::zeros({1, 2, 8, 3});
    Tensor qkv = Tensor::zeros({1, 2, 18});
    EXPECT_NO_THROW(causal_attention_cached(qkv, 2, k, v, 6));
    EXPECT_EQ(error_of([&] { causal_attention_cached(qkv, 2, k, v, 7); }),
              "causal_attention_cached: cannot add 2 positions after 7: the cache holds only 8");
    EXPECT_THROW(causal_attention_cached(qkv, 2, k, v, -1), std::invalid_argument);
    EXPECT_EQ(error_of([&] { causal_attention_cached(Tensor::zeros({2, 18}), 2, k, v, 0); }),
              "causal_attention_cached: qkv must be (B, Tn, 3C), got [2, 18]");
    EXPECT_EQ(error_of([&] { causal_attention_cached(qkv, 4, k, v, 0); }),
              "causal_attention_cached: C = 6 (qkv is [1, 2, 18]) does not split into n_head = 4 heads of equal, "
              "non-zero size");
    Tensor wrong = Tensor::zeros({1, 3, 8, 2});
    EXPECT_EQ(error_of([&] { causal_attention_cached(qkv, 2, k, wrong, 0); }),
              "causal_attention_cached: the caches must be (B, NH, maxT, hs) = [1, 2, 8, 3] for qkv [1, 2, 18] and "
              "n_head 2, got k [1, 2, 8, 3] and v [1, 3, 8, 2]");
    EXPECT_THROW(causal_attention_cached(Tensor::zeros({2, 2, 18}), 2, k, v, 0), std::invalid_argument);   // batch 2
    Tensor leaf = Tensor::zeros({1, 2, 18}).requires_grad_();
    EXPECT_EQ(error_of([&] { causal_attention_cached(leaf, 2, k, v, 0); }),
              "causal_attention_cached: has no backward (it is for generation): run it under NoGradGuard");
    NoGradGuard no_grad;   // under it, a leaf that requires grad is fine: nothing records a graph
    EXPECT_NO_THROW(causal_attention_cached(leaf, 2, k, v, 0));
}
