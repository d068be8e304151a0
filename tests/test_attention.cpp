// causal_attention (autograd/attention.h): a hand-computed two-head case, the fast kernels against the
// naive ones at odd and round sizes (one and several row blocks), the op against the composed ops
// (split / matmul / masked_fill / softmax) forward and backward, causality, identical bits for 1 and
// 2 threads, no tensor allocations in steady state, and bad shapes.
// Finite differences: grad/test_attention_grad.cpp.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/attention.h"
#include "autograd/elementwise.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"

using namespace gs;

namespace {

template <typename F> std::string error_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected std::invalid_argument";
    return "";
}

std::vector<real> random_vec(int64_t n, uint64_t seed, real std = 1) {
    Rng rng(seed);
    std::vector<real> v(size_t(n), 0);
    for (real& x : v) x = real(rng.normal()) * std;
    return v;
}

// The attention nanoGPT writes, from the general ops: split, heads as (B, NH, T, hs), scores, mask,
// softmax, weighted sum, heads side by side again.
Tensor composed_attention(const Tensor& qkv, int64_t NH) {
    int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3, hs = C / NH;
    std::vector<Tensor> parts = split(qkv, C, 2);
    auto heads = [&](const Tensor& t) { return transpose(reshape(t, {B, T, NH, hs}), 1, 2); };
    Tensor q = heads(parts[0]), k = heads(parts[1]), v = heads(parts[2]);
    Tensor att = matmul(q, transpose(k, 2, 3)) * real(1.0 / std::sqrt(double(hs)));
    att = softmax(masked_fill(att, causal_mask(T), -std::numeric_limits<real>::infinity()), 3);
    return reshape(transpose(matmul(att, v), 1, 2), {B, T, C});
}

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
        Tensor y1 = causal_attention(x1, s.NH), y2 = composed_attention(x2, s.NH);
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
