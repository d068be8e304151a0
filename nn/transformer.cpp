// MLP, CausalSelfAttention and Block. The attention runs as one fused op (autograd/attention.h) when
// there is no dropout on its weights; with dropout it is written with the general ops (matmul, mask,
// softmax), where each step of the formula is visible. See transformer.h for the shapes.
#include "nn/transformer.h"

#include <cmath>
#include <limits>

#include "autograd/attention.h"
#include "autograd/elementwise.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"

namespace gs::nn {

namespace {
real residual_std(const BlockConfig& cfg) { return real(0.02 / std::sqrt(2.0 * double(cfg.n_layer))); }
}  // namespace

MLP::MLP(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : c_fc(cfg.n_embd, 4 * cfg.n_embd, cfg.bias, init_rng),
      c_proj(4 * cfg.n_embd, cfg.n_embd, cfg.bias, init_rng, residual_std(cfg)),
      dropout(cfg.dropout, dropout_rng) {
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
    register_module("dropout", dropout);
}

Tensor MLP::forward(const Tensor& x) const { return dropout.forward(c_proj.forward(gelu(c_fc.forward(x)))); }

CausalSelfAttention::CausalSelfAttention(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : c_attn(cfg.n_embd, 3 * cfg.n_embd, cfg.bias, init_rng),
      c_proj(cfg.n_embd, cfg.n_embd, cfg.bias, init_rng, residual_std(cfg)),
      attn_dropout(cfg.dropout, dropout_rng),
      resid_dropout(cfg.dropout, dropout_rng),
      n_head(cfg.n_head) {
    check(cfg.n_head > 0 && cfg.n_embd % cfg.n_head == 0, "CausalSelfAttention", "n_embd ", cfg.n_embd,
          " is not divisible by n_head ", cfg.n_head);
    register_module("c_attn", c_attn);
    register_module("c_proj", c_proj);
    register_module("attn_dropout", attn_dropout);
    register_module("resid_dropout", resid_dropout);
}

Tensor CausalSelfAttention::forward(const Tensor& x) const {
    check(x.dim() == 3, "CausalSelfAttention", "expects (B, T, C), got ", x.shape());
    int64_t B = x.size(0), T = x.size(1), C = x.size(2), NH = n_head, hs = C / NH;
    Tensor qkv_all = c_attn.forward(x);   // (B, T, 3C)
    // Dropout on the weights needs them as a (B, NH, T, T) tensor of their own. Without it (p == 0, or
    // eval mode, where dropout is the identity and draws nothing) the fused op computes the same formula
    // as the lines below in one pass and skips the masked half of the scores.
    if (attn_dropout.p == 0 || !attn_dropout.training())
        return resid_dropout.forward(c_proj.forward(causal_attention(qkv_all, NH)));
    std::vector<Tensor> qkv = split(qkv_all, C, 2);   // 3 x (B, T, C)
    auto heads = [&](const Tensor& t) { return transpose(reshape(t, {B, T, NH, hs}), 1, 2); };
    Tensor q = heads(qkv[0]), k = heads(qkv[1]), v = heads(qkv[2]);                  // (B, NH, T, hs)
    // scaled so the scores' variance does not grow with hs, which would saturate the softmax
    Tensor att = matmul(q, transpose(k, 2, 3)) * real(1.0 / std::sqrt(double(hs)));  // (B, NH, T, T)
    att = masked_fill(att, causal_mask(T), -std::numeric_limits<real>::infinity());   // no peeking ahead
    att = attn_dropout.forward(softmax(att, 3));
    Tensor y = matmul(att, v);                                                         // (B, NH, T, hs)
    y = reshape(transpose(y, 1, 2), {B, T, C});                                        // heads side by side
    return resid_dropout.forward(c_proj.forward(y));
}

Block::Block(const BlockConfig& cfg, Rng& init_rng, Rng& dropout_rng)
    : ln_1(cfg.n_embd, cfg.bias), attn(cfg, init_rng, dropout_rng), ln_2(cfg.n_embd, cfg.bias),
      mlp(cfg, init_rng, dropout_rng) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("mlp", mlp);
}

Tensor Block::forward(const Tensor& x) const {
    Tensor h = x + attn.forward(ln_1.forward(x));
    return h + mlp.forward(ln_2.forward(h));
}

}  // namespace gs::nn
