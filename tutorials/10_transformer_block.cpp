// Chapter 10: the transformer block.
// You will learn: what a GPT-2 block computes (pre-LN: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))),
// with multi-head attention splitting C into NH heads of hs = C / NH; the shape of every intermediate;
// where the 12C² + 13C parameters sit; how far a finite-difference check can be trusted in float; and
// that a block is expressive enough to memorise one batch of text (loss to near zero with AdamW).
// Assumes: chapters 1-9 (layer norm's backward, nn::Linear and AdamW, cross_entropy, GELU and residual
// connections, self-attention). Library code used: gpt/model.h (Block, CausalSelfAttention, MLP),
// nn/layers.h, nn/optim.h; tutorials/draw.h draws the block with the shapes part 1 prints.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "nn/optim.h"
#include "gpt/model.h"
#include "gpt/tokenizer.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using namespace gs;

namespace {

tut::Checks claim;
std::vector<std::string> shapes;   // every shape part 1 prints, in order, for the figure
const Tensor& show(const char* what, const Tensor& t) {
    std::printf("  %-47s %s\n", what, shape_str(t.shape()).c_str());
    shapes.push_back(shape_str(t.shape()));
    return t;
}

// The block's sizes, in the GPT's config (the fields a block does not use keep their defaults).
gpt::GPTConfig block_config(int64_t C, int64_t NH, int64_t n_layer) {
    gpt::GPTConfig cfg;
    cfg.n_embd = C, cfg.n_head = NH, cfg.n_layer = n_layer, cfg.dropout = 0, cfg.bias = true;
    return cfg;
}

// A next-token model with one block: token + position embeddings -> Block -> LayerNorm -> Linear head.
struct TinyLM : nn::Module {
    nn::Embedding wte, wpe;   // (V, C), (T, C)
    gpt::Block block;
    nn::LayerNorm ln_f;
    nn::Linear lm_head;       // C -> V (GPT ties it to wte; kept separate here)
    TinyLM(int64_t V, int64_t T, const gpt::GPTConfig& cfg, Rng& rng, Rng& drop_rng)
        : wte(V, cfg.n_embd, rng), wpe(T, cfg.n_embd, rng), block(cfg, rng, drop_rng), ln_f(cfg.n_embd, true),
          lm_head(cfg.n_embd, V, false, rng) {
        register_module("wte", wte);
        register_module("wpe", wpe);
        register_module("block", block);
        register_module("ln_f", ln_f);
        register_module("lm_head", lm_head);
    }
    Tensor forward(const Indices& idx) const {   // idx (B, T) -> logits (B, T, V)
        std::vector<int32_t> pos;
        for (int32_t t = 0; t < int32_t(idx.shape()[1]); t++) pos.push_back(t);
        Tensor x = wte.forward(idx) + wpe.forward(Indices({idx.shape()[1]}, pos));   // (B, T, C)
        return lm_head.forward(ln_f.forward(block.forward(x)));
    }
};

}  // namespace

int main() try {
    Rng rng(8), drop_rng(9);
    const int64_t B = 2, T = 5, C = 16, NH = 4, hs = C / NH;
    gpt::Block block(block_config(C, NH, /*n_layer=*/1), rng, drop_rng);

    tut::banner(tut::fmt("1. Shapes through one block: B = %lld, T = %lld, C = %lld, NH = %lld heads of hs = %lld",
                         (long long)B, (long long)T, (long long)C, (long long)NH, (long long)hs));
    Tensor x = show("x", Tensor::randn({B, T, C}, rng));
    const gpt::CausalSelfAttention& at = block.attn;
    Tensor fused = show("c_attn(ln_1(x))   q, k, v side by side", at.c_attn.forward(block.ln_1.forward(x)));
    std::vector<Tensor> qkv = split(fused, C, 2);
    auto heads = [&](const Tensor& t) { return transpose(reshape(t, {B, T, NH, hs}), 1, 2); };
    Tensor q = show("q, k, v split into heads", heads(qkv[0])), k = heads(qkv[1]), v = heads(qkv[2]);
    Tensor att = matmul(q, transpose(k, 2, 3)) / real(std::sqrt(double(hs)));
    att = show("softmax(mask(q k^T / sqrt(hs)))   per head", softmax(masked_fill(att, causal_mask(T), -INFINITY), 3));
    Tensor y = show("att v   weighted sums of values, per head", matmul(att, v));
    y = show("heads side by side again", reshape(transpose(y, 1, 2), {B, T, C}));
    Tensor h = show("h = x + c_proj(y)   first residual", x + at.c_proj.forward(y));
    Tensor f = show("c_fc(ln_2(h))   the MLP widens to 4C", block.mlp.c_fc.forward(block.ln_2.forward(h)));
    Tensor out = show("out = h + c_proj(gelu(...))   second residual", h + block.mlp.c_proj.forward(gelu(f)));
    Tensor ref = block.forward(x);
    double diff = 0;
    for (int64_t i = 0; i < out.numel(); i++) diff = std::fmax(diff, std::fabs(out.data()[i] - ref.data()[i]));
    claim(diff == 0 && ref.shape() == x.shape(), "the step-by-step block equals gpt::Block::forward (max |diff| = %g), "
          "shape %s in and out", diff, shape_str(ref.shape()).c_str());
    std::string sizes = tut::fmt("B = %lld, T = %lld, C = %lld, NH = %lld, hs = %lld", (long long)B, (long long)T,
                                 (long long)C, (long long)NH, (long long)hs);
    tut::save_figure(draw::block(shapes, sizes), "10", "block");

    tut::banner("2. Parameters: 12C² + 13C per block");
    int64_t part[4] = {}, counted = 0;   // ln_1, attn, ln_2, mlp: the first word of each name
    const std::string parts[4] = {"ln_1", "attn", "ln_2", "mlp"};
    for (const auto& [name, p] : block.named_parameters()) {
        std::printf("  %-22s %-10s %6lld\n", name.c_str(), shape_str(p.shape()).c_str(), (long long)p.numel());
        for (int i = 0; i < 4; i++) part[i] += name.rfind(parts[i] + ".", 0) == 0 ? p.numel() : 0;
        counted += p.numel();
    }
    const int64_t expect[4] = {2 * C, 4 * C * C + 4 * C, 2 * C, 8 * C * C + 5 * C};
    std::printf("  per part: ln_1 %lld (2C), attn %lld (4C² + 4C), ln_2 %lld (2C), mlp %lld (8C² + 5C)\n",
                (long long)part[0], (long long)part[1], (long long)part[2], (long long)part[3]);
    bool parts_ok = counted == 12 * C * C + 13 * C;
    for (int i = 0; i < 4; i++) parts_ok = parts_ok && part[i] == expect[i];
    gpt::Block gpt2_block(block_config(768, 12, 12), rng, drop_rng);
    claim(parts_ok && gpt2_block.num_parameters() == 12 * 768 * 768 + 13 * 768, "parameters per block = 12C² + 13C, "
          "each part as derived: %lld at C = 16, %lld at GPT-2 small's C = 768", (long long)counted,
          (long long)gpt2_block.num_parameters());

    tut::banner("3. Gradients vs finite differences, in float");
    Tensor w = Tensor::randn(x.shape(), rng);   // L = sum(w * block(x)), so every output counts differently
    x.requires_grad_();
    sum(w * block.forward(x)).backward();
    auto L = [&] {   // the same L, summed in double, with no graph: what the finite differences nudge
        NoGradGuard no_grad;
        Tensor o = block.forward(x);
        double sum_wo = 0;
        for (int64_t i = 0; i < o.numel(); i++) sum_wo += double(w.data()[i]) * double(o.data()[i]);
        return sum_wo;
    };
    // w ± eps is rounded to float, so tut::finite_diff divides by the step actually taken, not by 2 eps.
    auto fd = [&](const Tensor& p, int64_t i, double eps) { return tut::finite_diff(L, p, i, eps); };
    // One entry, many steps: a big eps suffers truncation error (~eps²), a small one float rounding (~1e-7 |L| / eps).
    const Tensor& cw = block.mlp.c_fc.weight;
    double g441 = cw.grad()[441], err_at[6];
    const double epss[6] = {1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5};
    std::printf("  dL/d mlp.c_fc.weight[441]: autograd %.6f\n", g441);
    for (int e = 0; e < 6; e++) {
        double num = fd(cw, 441, epss[e]);
        err_at[e] = std::fabs(num - g441);
        std::printf("    eps %.0e  finite diff %.6f  |diff| %.1e\n", epss[e], num, err_at[e]);
    }
    claim(err_at[2] < err_at[0] && err_at[2] < err_at[5], "in float, eps 1e-2 (|diff| %.1e) beats eps 1 (%.1e, "
          "truncation) and eps 1e-5 (%.1e, rounding)", err_at[2], err_at[0], err_at[5]);
    // Then a spread of entries from every parameter and from x, at eps 1e-2.
    double worst = 0;
    int64_t n_checked = 0, n_bad = 0;
    std::vector<Tensor> all = block.parameters();
    all.push_back(x);
    for (const Tensor& p : all)
        for (int64_t i = 0; i < p.numel(); i += 1 + p.numel() / 7) {
            double num = fd(p, i, 1e-2), d = std::fabs(p.grad()[i] - num);
            worst = std::fmax(worst, d);
            n_bad += !(d <= 2e-4 + 1e-3 * std::fabs(num));
            n_checked++;
        }
    claim(n_bad == 0, "float finite differences of a block: %lld of %lld entries (about 7 per parameter, and x) within "
          "|diff| <= 2e-4 + 1e-3 |numeric| at eps 1e-2 (max |diff| %.1e)", (long long)(n_checked - n_bad),
          (long long)n_checked, worst);

    tut::banner("4. A block memorises one batch: next-character prediction, AdamW");
    const std::string text = "First Citizen:\nBefore we proceed any further, hear me speak.\nAll:\nSpeak, speak.";
    gpt::CharTokenizer tok = gpt::CharTokenizer::from_text(text);   // chapter 6's characters as ids
    std::vector<int32_t> ids = tok.encode(text);
    const int Bt = 4, Tt = 16;   // four rows of 16 characters; each target is the character after its input
    std::vector<int32_t> in(ids.begin(), ids.begin() + Bt * Tt), tg(ids.begin() + 1, ids.begin() + Bt * Tt + 1);
    Indices idx({Bt, Tt}, in), targets({Bt, Tt}, tg);
    TinyLM lm(tok.vocab_size(), Tt, block_config(24, 4, 1), rng, drop_rng);
    nn::AdamW opt({{lm.parameters(), 0.0}}, real(3e-3), real(0.9), real(0.95));   // no decay: we want to memorise
    std::printf("vocab %d characters, batch (%d, %d), %lld parameters; bar: 10 # per decade of loss above 1e-4\n",
                tok.vocab_size(), Bt, Tt, (long long)lm.num_parameters());
    const int steps = 300;
    double first = 0, last = 0;
    for (int step = 0; step <= steps; step++) {
        Tensor loss = cross_entropy(lm.forward(idx), targets);
        last = loss.item();
        if (step == 0) first = last;
        if (step % 25 == 0)
            std::printf("  step %3d  loss %6.4f  %s\n", step, last,
                        std::string(size_t(std::fmax(0, 10 * (std::log10(last) + 4))), '#').c_str());
        if (step == steps) break;
        opt.zero_grad();
        loss.backward();
        opt.step();
    }
    Indices pred = argmax(lm.forward(idx), 2);   // (B, T): the most likely next character at every position
    std::vector<int32_t> guess = pred.to_vector();
    int right = 0;
    for (size_t i = 0; i < Bt * Tt; i++) right += guess[i] == tg[i];
    std::printf("row 1 targets   \"%s\"\nrow 1 predicted \"%s\"\n",
                tok.decode({tg.begin() + Tt, tg.begin() + 2 * Tt}).c_str(),
                tok.decode({guess.begin() + Tt, guess.begin() + 2 * Tt}).c_str());
    claim(last < 0.05 && last < first / 50, "block overfits one batch: loss %.2f -> %.2g in %d steps", first, last,
          steps);
    claim(right == Bt * Tt, "after training, argmax predicts %d of %d next characters of the batch", right, Bt * Tt);
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
