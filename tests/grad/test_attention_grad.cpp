// Finite-difference checks (double build) of causal_attention's gradient with respect to qkv: one
// head and several, head size 1 and odd ones, a single position, and T past the fast kernel's first
// row block (48); the naive reference kernels, wrapped as an op the same way; and the fused op
// against the composed ops to double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "autograd/attention.h"
#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"

using namespace gs;

namespace {

struct Size {
    int64_t B, T, C, NH;
};
// (B, T, C, NH): several heads, hs = 1, one position, odd hs, and T = 70 (row blocks of 48 and 22)
const Size kSizes[] = {{2, 5, 6, 2}, {2, 3, 4, 4}, {1, 1, 3, 1}, {1, 7, 9, 3}, {1, 70, 2, 1}};

std::string name(const Size& s) {
    return "B " + std::to_string(s.B) + " T " + std::to_string(s.T) + " C " + std::to_string(s.C) + " NH " +
           std::to_string(s.NH);
}

// The naive kernels as an op, so the reference backward is held to finite differences too.
Tensor naive_attention(const Tensor& qkv, int64_t NH) {
    int64_t B = qkv.size(0), T = qkv.size(1), C = qkv.size(2) / 3;
    Tensor y = Tensor::empty({B, T, C}), att = Tensor::empty({B, NH, T, T});
    attention_forward_naive(y.data(), att.data(), qkv.data(), B, T, C, NH);
    y.set_backward("naive_attention", {qkv}, [qkv, att, B, T, C, NH](const Tensor& out) {
        attention_backward_naive(qkv.grad(), out.grad(), qkv.data(), att.data(), B, T, C, NH);
    });
    return y;
}

void expect_grads(Tensor (*op)(const Tensor&, int64_t), const Size& s, uint64_t seed) {
    Rng rng(seed);
    // std 1.5: scores spread enough that no softmax is near uniform (a wrong term would hide there)
    Tensor qkv = Tensor::randn({s.B, s.T, 3 * s.C}, rng, 0, real(1.5)).requires_grad_();
    int64_t NH = s.NH;
    GradcheckResult r = gradcheck([op, NH](const std::vector<Tensor>& in) { return op(in[0], NH); }, {qkv});
    EXPECT_TRUE(r.ok) << name(s) << "\n" << r.report;
    EXPECT_EQ(r.checked, qkv.numel()) << name(s);
}

}  // namespace

TEST(AttentionGrad, FusedOpAtSeveralSizes) {
    uint64_t seed = 80;
    for (const Size& s : kSizes) expect_grads(causal_attention, s, seed++);
}

TEST(AttentionGrad, NaiveKernelsAtSeveralSizes) {
    uint64_t seed = 90;
    for (const Size& s : kSizes) expect_grads(naive_attention, s, seed++);
}

TEST(AttentionGrad, FusedEqualsComposedToDoublePrecision) {
    Rng rng(99);
    int64_t B = 2, T = 67, C = 12, NH = 3, hs = C / NH;
    Tensor x1 = Tensor::randn({B, T, 3 * C}, rng).requires_grad_();
    Tensor x2 = Tensor::from(x1.shape(), x1.to_vector()).requires_grad_();
    Tensor dy = Tensor::randn({B, T, C}, rng);
    Tensor y1 = causal_attention(x1, NH);
    std::vector<Tensor> p = split(x2, C, 2);
    auto heads = [&](const Tensor& t) { return transpose(reshape(t, {B, T, NH, hs}), 1, 2); };
    Tensor att = matmul(heads(p[0]), transpose(heads(p[1]), 2, 3)) * real(1.0 / std::sqrt(double(hs)));
    att = softmax(masked_fill(att, causal_mask(T), -std::numeric_limits<real>::infinity()), 3);
    Tensor y2 = reshape(transpose(matmul(att, heads(p[2])), 1, 2), {B, T, C});
    y1.backward(dy);
    y2.backward(dy);
    for (int64_t i = 0; i < y1.numel(); i++) ASSERT_NEAR(y1.data()[i], y2.data()[i], 1e-12) << "y " << i;
    for (int64_t i = 0; i < x1.numel(); i++) ASSERT_NEAR(x1.grad()[i], x2.grad()[i], 1e-12) << "dqkv " << i;
}
