// Tests of exercises 08.1-13.2, chapters 08-13. Causal attention forward against the library's naive kernel
// (output and saved weights, zeros above the diagonal included) and backward against causal_attention and
// gradcheck, at the sizes tests/grad/test_attention_grad.cpp uses; GELU's backward against gelu; the pre-LN
// block against gpt::Block::forward; the cosine schedule against nn::cosine_lr at every step; clip_grad_norm
// against nn::clip_grad_norm; top-k and top-p against what the library's sampler (gpt::sample_next) draws.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/attention.h"
#include "autograd/elementwise.h"
#include "gpt/model.h"
#include "gpt/sample.h"
#include "nn/clip.h"
#include "nn/schedule.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

struct Size {
    int64_t B, T, C, NH;
};
const Size kSizes[] = {{2, 5, 6, 2}, {2, 3, 4, 4}, {1, 1, 3, 1}, {1, 7, 9, 3}, {1, 20, 4, 1}};

std::string size_str(const Size& s) {
    return "qkv [" + std::to_string(s.B) + ", " + std::to_string(s.T) + ", " + std::to_string(3 * s.C) +
           "] (B, T, 3C), NH = " + std::to_string(s.NH) + ", head size " + std::to_string(s.C / s.NH);
}

}  // namespace

TEST(Ex09_1, AttentionForward) {
    Rng rng(91);
    for (const Size& s : kSizes) {
        Case c{"09.1", size_str(s),
               "per head h: s_tj = q_t·k_j / sqrt(hs) for j <= t; att_t = softmax over j <= t, and 0 for j > t; "
               "out_t = sum_j att_tj v_j. q_t of head h is qkv[(b*T + t)*3C + h*hs ...], k is C further, v 2C"};
        Tensor qkv = Tensor::randn({s.B, s.T, 3 * s.C}, rng, 0, real(1.5));
        std::vector<real> out(size_t(s.B * s.T * s.C), 0), att(size_t(s.B * s.NH * s.T * s.T), 0);
        attention_forward_naive(out.data(), att.data(), qkv.data(), s.B, s.T, s.C, s.NH);
        std::vector<real> got(out.size(), 7), got_att(att.size(), 7);
        if (!attempt(c, [&] { ex::attention_forward(got.data(), got_att.data(), qkv.data(), s.B, s.T, s.C, s.NH); }))
            return;
        if (!expect_close(c, "att", {s.B, s.NH, s.T, s.T}, att, got_att)) return;
        if (!expect_close(c, "out", {s.B, s.T, s.C}, out, got)) return;
    }
}

TEST(Ex09_2, AttentionBackward) {
    Rng rng(92);
    for (const Size& s : kSizes) {
        Case c{"09.2", size_str(s),
               "reverse the forward: da_tj = dy_t·v_j and dv_j += att_tj dy_t; ds_tj = att_tj (da_tj - sum_j' "
               "att_tj' da_tj'); dq_t += ds_tj k_j / sqrt(hs) and dk_j += ds_tj q_t / sqrt(hs)"};
        // std 1.5: scores spread enough that no softmax is near uniform (a missing term would hide there)
        Tensor qkv = Tensor::randn({s.B, s.T, 3 * s.C}, rng, 0, real(1.5)).requires_grad_();
        int64_t NH = s.NH;
        auto yours = [NH](const std::vector<Tensor>& in) {
            const Tensor& x = in[0];
            int64_t B = x.size(0), T = x.size(1), C = x.size(2) / 3;
            Tensor y = Tensor::empty({B, T, C}), att = Tensor::empty({B, NH, T, T});
            attention_forward_naive(y.data(), att.data(), x.data(), B, T, C, NH);
            y.set_backward("attention (yours)", {x}, [x, att, B, T, C, NH](const Tensor& out) {
                ex::attention_backward(x.grad(), out.grad(), x.data(), att.data(), B, T, C, NH);
            });
            return y;
        };
        auto library = [NH](const std::vector<Tensor>& in) { return causal_attention(in[0], NH); };
        if (!expect_backward(c, yours, library, {qkv}, {"dqkv"})) return;
    }
}

TEST(Ex08_1, GeluBackward) {
    Rng rng(101);
    for (const Shape& shape : {Shape{9}, Shape{3, 4}, Shape{1}}) {
        Case c{"08.1", "x " + shape_str(shape),
               "GELU(x) = 0.5 x (1 + t), t = tanh(k (x + c x^3)): dx += dy * (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2))"};
        Tensor x = Tensor::randn(shape, rng, 0, 2);
        if (shape == Shape{9})
            for (int64_t i = 0; i < 9; i++) x.data()[i] = real(i - 4);   // -4 .. 4, with 0
        x.requires_grad_();
        auto yours = [](const std::vector<Tensor>& in) {
            const Tensor& t = in[0];
            Tensor y;
            {
                NoGradGuard no_grad;
                y = gelu(t);
            }
            y.set_backward("gelu (yours)", {t}, [t](const Tensor& out) {
                ex::gelu_backward(t.grad(), t.data(), out.grad(), t.numel());
            });
            return y;
        };
        auto library = [](const std::vector<Tensor>& in) { return gelu(in[0]); };
        if (!expect_backward(c, yours, library, {x}, {"dx"})) return;
    }
}

TEST(Ex10_1, BlockForward) {
    gpt::GPTConfig cfg;
    cfg.n_layer = 1;
    cfg.n_head = 2;
    cfg.n_embd = 8;
    cfg.block_size = 8;
    cfg.vocab_size = 10;
    cfg.bias = true;
    Rng init(102), dropout(103), rng(104);
    gpt::Block block(cfg, init, dropout);
    for (const Shape& shape : {Shape{2, 3, 8}, Shape{1, 1, 8}}) {
        Case c{"10.1", "x " + shape_str(shape) + " (B, T, C), n_head 2",
               "pre-LN: x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)): each sublayer reads a normalised copy "
               "and adds onto the residual stream, which itself is never normalised"};
        Tensor x = Tensor::randn(shape, rng).requires_grad_();
        Tensor got, expected = block.forward(x.detach());
        if (!attempt(c, [&] { got = ex::block_forward(block, x.detach()); })) return;
        if (!got.defined() || got.shape() != expected.shape())
            return fail(c, "expected an output of shape " + shape_str(expected.shape()) + ", got " +
                               (got.defined() ? shape_str(got.shape()) : "an undefined Tensor"));
        if (!expect_close(c, "out", expected.shape(), expected.data(), got.data())) return;
        // a forward made of the library's ops has the library's backward: the gradient must come out right
        auto yours = [&block](const std::vector<Tensor>& in) { return ex::block_forward(block, in[0]); };
        auto library = [&block](const std::vector<Tensor>& in) { return block.forward(in[0]); };
        if (!expect_backward(c, yours, library, {x}, {"dx"})) return;
    }
}

TEST(Ex11_1, CosineLr) {
    struct Row { real max_lr, min_lr; int64_t warmup, decay; };
    const Row cases[] = {{real(6e-4), real(6e-5), 10, 50}, {1, real(0.1), 0, 20}, {1, 0, 5, 5}, {real(0.5), real(0.5), 3, 9}};
    for (const Row& r : cases) {
        int64_t steps = r.decay + 6;   // past the end of the decay too
        Case c{"11.1", "max_lr " + fmt(r.max_lr) + ", min_lr " + fmt(r.min_lr) + ", warmup_iters " + std::to_string(r.warmup) +
                           ", decay_iters " + std::to_string(r.decay) + ", lr[step] for step 0.." + std::to_string(steps - 1),
               "step < warmup: max_lr (step + 1) / (warmup + 1); then min_lr + 0.5 (1 + cos(pi r)) (max_lr - min_lr) with "
               "r = (step - warmup) / (decay - warmup), r = 0 if decay == warmup; min_lr after decay_iters"};
        std::vector<real> expected, got;
        for (int64_t s = 0; s < steps; s++) expected.push_back(nn::cosine_lr(s, r.max_lr, r.min_lr, r.warmup, r.decay));
        if (!attempt(c, [&] {
                for (int64_t s = 0; s < steps; s++) got.push_back(ex::cosine_lr(s, r.max_lr, r.min_lr, r.warmup, r.decay));
            }))
            return;
        if (!expect_close(c, "lr", {steps}, expected, got, 1e-15, 1e-7)) return;
    }
}

namespace {

// Parameters with grads ~ N(0, scale^2); the third has no grad.
std::vector<Tensor> params_with_grads(Rng& rng, real scale) {
    std::vector<Tensor> ps = {Tensor::randn({3, 4}, rng).requires_grad_(), Tensor::randn({5}, rng).requires_grad_(),
                              Tensor::randn({2, 2}, rng).requires_grad_(), Tensor::randn({1}, rng).requires_grad_()};
    for (size_t k : {size_t(0), size_t(1), size_t(3)}) {
        Tensor g = Tensor::randn(ps[k].shape(), rng, 0, scale);
        for (int64_t i = 0; i < g.numel(); i++) ps[k].grad()[i] = g.data()[i];
    }
    return ps;
}

std::vector<Tensor> copies(const std::vector<Tensor>& ps) {
    std::vector<Tensor> out;
    for (const Tensor& p : ps) {
        Tensor c = copy_of(p);
        if (p.has_grad())
            for (int64_t i = 0; i < p.numel(); i++) c.grad()[i] = p.grad()[i];
        out.push_back(c);
    }
    return out;
}

}  // namespace

TEST(Ex11_2, ClipGradNorm) {
    Rng rng(112);
    struct Row { real scale, max_norm; std::string what; };
    const Row cases[] = {{2, 1, "grads ~ N(0, 4), max_norm 1 (clipped)"}, {real(0.1), 5, "grads ~ N(0, 0.01), max_norm 5 (not clipped)"},
                         {3, real(0.5), "grads ~ N(0, 9), max_norm 0.5 (clipped)"}};
    for (const Row& r : cases) {
        Case c{"11.2", "parameters p0 [3, 4], p1 [5], p2 [2, 2] (no grad), p3 [1]; " + r.what,
               "one norm over every grad together, sqrt(sum of squares); above max_norm multiply each grad by max_norm / "
               "(norm + 1e-6); return the norm from before clipping; skip parameters without a grad (has_grad())"};
        std::vector<Tensor> ps = params_with_grads(rng, r.scale), mine = copies(ps);
        real expected = nn::clip_grad_norm(ps, r.max_norm), got = 0;
        if (!attempt(c, [&] { got = ex::clip_grad_norm(mine, r.max_norm); })) return;
        if (!expect_close(c, "the returned norm", {}, &expected, &got)) return;
        for (size_t k = 0; k < ps.size(); k++) {
            if (!ps[k].has_grad()) {
                if (mine[k].has_grad()) return fail(c, "p" + std::to_string(k) + " had no grad and should still have none");
                continue;
            }
            if (!expect_close(c, "p" + std::to_string(k) + ".grad", ps[k].shape(), ps[k].grad(), mine[k].grad())) return;
        }
    }
}

namespace {

constexpr real kInf = std::numeric_limits<real>::infinity();

// The tokens the library's sampler ever returns for these logits and options, over 4000 draws. The cases
// below keep every token that may be drawn at 5% or more, so none of them is missed by chance.
std::vector<bool> drawn_by_sampler(const std::vector<real>& logits, const gpt::SampleOptions& opt) {
    Rng rng(1234);
    std::vector<bool> drawn(logits.size(), false);
    for (int i = 0; i < 4000; i++) drawn[size_t(gpt::sample_next(logits.data(), int64_t(logits.size()), opt, rng))] = true;
    return drawn;
}

std::string list(const std::vector<real>& v) {
    std::string s = "{";
    for (size_t i = 0; i < v.size(); i++) s += (i ? ", " : "") + fmt(double(v[i]));
    return s + "}";
}

// Your filtered logits against the sampler: a token is kept if it is finite, and must then be unchanged.
void expect_kept(const Case& c, const std::vector<real>& logits, const std::vector<bool>& keep, const std::vector<real>& got) {
    for (size_t i = 0; i < logits.size(); i++) {
        bool kept = std::isfinite(double(got[i]));
        if (kept != bool(keep[i]))
            return fail(c, "token " + std::to_string(i) + " (logit " + fmt(double(logits[i])) + ") should be " +
                               (keep[i] ? "kept (the sampler draws it)" : "removed, set to -inf (the sampler never draws it)") +
                               ", got " + fmt(double(got[i])));
        if (kept && got[i] != logits[i])
            return fail(c, "token " + std::to_string(i) + " is kept but its logit changed from " + fmt(double(logits[i])) +
                               " to " + fmt(double(got[i])) + ": only the removed tokens change, to -inf");
    }
}

}  // namespace

TEST(Ex13_1, TopKFilter) {
    struct Row { std::vector<real> logits; int k; };
    const std::vector<Row> cases = {
        {{1.5, -0.3, 2.7, 0.2, 2.6, -1.0, 0.9, 3.1}, 3},
        {{1, 3, 3, 2}, 2},                     // a tie inside the top k
        {{2, 3, 3, 1}, 1},                     // a tie at the k-th place: the lower id stays
        {{0.5, -kInf, 1.0, -kInf}, 3},         // fewer finite logits than k
        {{0.1, 0.4, -0.2}, 0},                 // k = 0: no filtering
        {{0.1, 0.4, -0.2}, 5},                 // k > V: keep all
    };
    for (const Row& r : cases) {
        Case c{"13.1", "logits " + list(r.logits) + ", k = " + std::to_string(r.k),
               "keep the k largest logits (a tie at the k-th place goes to the lower id), set the others to -inf; "
               "k = 0 means no filtering"};
        gpt::SampleOptions opt;
        opt.top_k = r.k;
        opt.temperature = real(1e6);   // nearly uniform over what top-k keeps: every kept token is drawn often
        std::vector<bool> keep = drawn_by_sampler(r.logits, opt);
        std::vector<real> got = r.logits;
        if (!attempt(c, [&] { ex::top_k_filter(got.data(), int64_t(got.size()), r.k); })) return;
        expect_kept(c, r.logits, keep, got);
        if (testing::Test::HasFailure()) return;
    }
}

TEST(Ex13_2, TopPFilter) {
    // logits = log(probabilities) + an offset: the softmax gives the probabilities back
    auto from_probs = [](std::vector<double> p, double offset) {
        std::vector<real> l;
        for (double x : p) l.push_back(x == 0 ? -kInf : real(std::log(x) + offset));
        return l;
    };
    struct Row { std::vector<real> logits; real p; std::string what; };
    const std::vector<Row> cases = {
        {from_probs({0.08, 0.35, 0.12, 0.25, 0.2}, 1.7), real(0.75), "probabilities {0.08, 0.35, 0.12, 0.25, 0.2}"},
        {from_probs({0.08, 0.35, 0.12, 0.25, 0.2}, -3), real(0.3), "probabilities {0.08, 0.35, 0.12, 0.25, 0.2}"},
        {from_probs({0.08, 0.35, 0.12, 0.25, 0.2}, 0), real(0.95), "probabilities {0.08, 0.35, 0.12, 0.25, 0.2}"},
        {from_probs({0.3, 0.3, 0.2, 0.2}, 0.5), real(0.5), "probabilities {0.3, 0.3, 0.2, 0.2}"},
        {from_probs({0.3, 0.3, 0.2, 0.2}, 0.5), real(0.7), "probabilities {0.3, 0.3, 0.2, 0.2} (a tie at the edge)"},
        {from_probs({0.5, 0, 0.3, 0.2}, 2), real(0.6), "probabilities {0.5, 0 (logit -inf), 0.3, 0.2}"},
        {from_probs({0.6, 0.1, 0.3}, 0), real(1), "probabilities {0.6, 0.1, 0.3}"},
    };
    for (const Row& r : cases) {
        Case c{"13.2", r.what + ", top_p = " + fmt(r.p),
               "most likely first (ties: lower id first), keep tokens until their probabilities add up to top_p, "
               "including the one that reaches it; softmax the logits first (they are not probabilities)"};
        gpt::SampleOptions opt;
        opt.top_p = r.p;
        std::vector<bool> keep = drawn_by_sampler(r.logits, opt);
        std::vector<real> got = r.logits;
        if (!attempt(c, [&] { ex::top_p_filter(got.data(), int64_t(got.size()), r.p); })) return;
        expect_kept(c, r.logits, keep, got);
        if (testing::Test::HasFailure()) return;
    }
}
