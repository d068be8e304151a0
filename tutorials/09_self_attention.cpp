// Chapter 9: self-attention, step by step.
// You will learn: how tokens become vectors (a token table with one row per vocabulary entry, plus a
// position table); how each position makes a query, a key and a value; how softmax(Q Kᵀ / sqrt(d_k)) V
// mixes the values; why a causal mask makes the model a decoder that can learn next-token prediction;
// why the scores are divided by sqrt(d_k); and why the output multiplies V = X·W_V, not W_V.
// Assumes: chapters 1-8 (tensors, backprop through matmul and softmax, gradcheck, embeddings, chapter 7's
// masked averaging of the past). Library code used: autograd/{embedding,matmul,shape,mask,softmax,reduce,
// gradcheck}.h; nn/io/svg.h draws the attention weights as a heat map.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/embedding.h"
#include "autograd/gradcheck.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using namespace gs;

namespace {

const std::string kVocab = " abcdefghijklmnopqrstuvwxyz";   // V = 27 characters; a token's id is its index here
const int T = 6, C = 4;   // tokens, embedding width (= d_k: one head, no output projection in this chapter)
tut::Checks claim;

Indices encode(const std::string& s) {
    std::vector<int32_t> ids;
    for (char ch : s) ids.push_back(int32_t(kVocab.find(ch)));
    return Indices({int64_t(s.size())}, ids);
}
double max_abs_diff(const Tensor& a, const Tensor& b, int64_t row0, int64_t row1) {   // rows [row0, row1) of (T, C)
    double m = 0;
    for (int64_t i = row0 * C; i < row1 * C; i++) m = std::fmax(m, std::fabs(a.data()[i] - b.data()[i]));
    return m;
}

// The weights as a table (row = query position, column = key position; '-' = hidden by the mask).
void show_attention(const Tensor& att, const std::string& text) {   // att (T, T)
    std::printf("row = query position, column = key position\n    ");
    for (char ch : text) std::printf("      %c", ch);
    for (int i = 0; i < T; i++) {
        std::printf("\n  %c |", text[size_t(i)]);
        for (int j = 0; j < T; j++) {
            real w = att.data()[i * T + j];
            std::printf(j > i && w == 0 ? "      -" : " %6.3f", w);   // exactly 0 above the diagonal: masked
        }
    }
    std::printf("\n");
}

struct Attention {
    Tensor wte, wpe, w_q, w_k, w_v;   // (V, C), (block_size, C), three (C, C)
    // idx (T) -> output (T, C); the (T, T) attention weights go to *att if asked for
    Tensor forward(const Indices& idx, bool causal, Tensor* att = nullptr) const {
        int64_t n = idx.numel();
        std::vector<int32_t> pos;
        for (int32_t t = 0; t < int32_t(n); t++) pos.push_back(t);
        Tensor x = embedding(wte, idx) + embedding(wpe, Indices({n}, pos));   // (T, C): which token + where
        Tensor q = matmul(x, w_q), k = matmul(x, w_k), v = matmul(x, w_v);     // (T, C) each
        Tensor scores = matmul(q, transpose(k, 0, 1)) / real(std::sqrt(double(C)));   // (T, T)
        if (causal) scores = masked_fill(scores, causal_mask(n), -std::numeric_limits<real>::infinity());
        Tensor a = softmax(scores, 1);   // (T, T), each row sums to 1
        if (att) *att = a;
        return matmul(a, v);             // (T, C): row i is a weighted average of the value rows
    }
};

}  // namespace

int main() try {
    Rng rng(7);
    auto w = [&](int64_t rows) { return Tensor::randn({rows, C}, rng, 0, real(0.5)); };
    Attention m{Tensor::randn({int64_t(kVocab.size()), C}, rng), w(8), w(C), w(C), w(C)};

    tut::banner("1. Tokens to vectors: the token table has one row per vocabulary entry");
    std::string text = "attend";
    Indices idx = encode(text);
    std::printf("text \"%s\" -> ids", text.c_str());
    for (int32_t id : idx.to_vector()) std::printf(" %d", id);
    std::printf("\nwte %s = [vocab_size, n_embd],  wpe %s = [block_size, n_embd]\n",
                shape_str(m.wte.shape()).c_str(), shape_str(m.wpe.shape()).c_str());
    // mistake (c): a token table with one row per *position* cannot even look up 't' (id 20)
    std::string err = tut::error_of([&] { embedding(Tensor::randn({T, C}, rng), idx); });
    std::printf("a token table sized [T, n_embd] = [%d, %d] instead: %s\n", T, C, err.c_str());
    claim(!err.empty() && tut::error_of([&] { embedding(m.wte, encode(kVocab)); }).empty(), "a token table sized by "
          "sequence length [%d, %d] rejects token ids >= %d; [vocab_size, n_embd] = %s accepts all %zu", T, C, T,
          shape_str(m.wte.shape()).c_str(), kVocab.size());

    tut::banner("2. Scores, mask, softmax, weighted sum");
    Tensor att, out = m.forward(idx, true, &att);
    std::printf("x, Q, K, V %s;  scores and weights %s;  output = weights · V %s\n", shape_str({T, C}).c_str(),
                shape_str(att.shape()).c_str(), shape_str(out.shape()).c_str());
    std::printf("attention weights = softmax(mask(Q Kᵀ / sqrt(d_k))):\n");
    show_attention(att, text);
    tut::save_figure(draw::attention(att, text), "09", "attention");
    double row_err = 0;
    for (real r : sum(att, 1).to_vector()) row_err = std::fmax(row_err, std::fabs(r - 1));
    claim(row_err < 1e-6, "every row of attention weights sums to 1 (max |sum - 1| = %.1e)", row_err);

    tut::banner("3. The mask makes a decoder: editing token 3 cannot change outputs 0-2");
    Indices edited = encode("attxnd");
    Tensor out2 = m.forward(edited, true);
    double before = max_abs_diff(out, out2, 0, 3), after = max_abs_diff(out, out2, 3, T);
    double leak = max_abs_diff(m.forward(idx, false), m.forward(edited, false), 0, 3);
    std::printf("\"attend\" -> \"attxnd\"  causal:  max |diff| at positions 0-2 = %g, at 3-5 = %.4f\n", before, after);
    std::printf("                     no mask: max |diff| at positions 0-2 = %.4f (the past sees the future)\n", leak);
    claim(before == 0 && after > 0, "causal: outputs at positions <= 2 unchanged after editing token 3 "
          "(max |diff| = %g); positions 3-5 moved by up to %.4f", before, after);
    claim(leak > 0, "without the mask, editing token 3 changes outputs 0-2 by up to %.4f", leak);

    tut::banner("4. Why divide by sqrt(d_k): q·k has variance d_k, and a wide softmax saturates");
    std::printf("  %-6s %-22s %-22s %s\n", "d_k", "score std (raw/scaled)", "mean max weight", "mean |dL/d logits|");
    double stat[2][3];   // [raw, scaled] x [score std, mean max weight, mean |grad|], kept for the last d_k
    for (int64_t dk : {4, 16, 64, 256, 1024}) {
        Tensor q = Tensor::randn({16, dk}, rng), k = Tensor::randn({16, dk}, rng), g = Tensor::randn({16, 16}, rng);
        Tensor raw = matmul(q, transpose(k, 0, 1));   // (16, 16), entries of variance d_k
        for (int s = 0; s < 2; s++) {
            Tensor logits = (s ? raw / real(std::sqrt(double(dk))) : raw).detach().requires_grad_();
            Tensor a = softmax(logits, 1);
            sum(a * g).backward();   // a random upstream gradient, as a loss would send
            stat[s][0] = std::sqrt(var(logits).item());
            stat[s][1] = mean(max(a, 1)).item();
            stat[s][2] = mean(sqrt(logits.grad_tensor() * logits.grad_tensor())).item();   // mean |grad|
        }
        std::printf("  %-6lld %6.2f / %-13.2f %6.3f / %-13.3f %.2e / %.2e\n", (long long)dk, stat[0][0],
                    stat[1][0], stat[0][1], stat[1][1], stat[0][2], stat[1][2]);
    }
    claim(stat[0][1] > 0.9 && stat[1][1] < 0.7 && stat[1][2] > 10 * stat[0][2], "sqrt(d_k): at d_k = 1024 raw "
          "softmax rows saturate (mean max weight %.3f, gradient %.0fx smaller), scaled rows stay soft (%.3f)",
          stat[0][1], stat[1][2] / stat[0][2], stat[1][1]);

    tut::banner("5. Mistake (a): the weights multiply V = X·W_V, not the matrix W_V");
    err = tut::error_of([&] { matmul(att, m.w_v); });   // (T, T) · (C, C): only fits when T == C
    std::printf("softmax(...)·W_V with T = %d, C = %d: %s\n", T, C, err.c_str());
    // With T == C it runs, but output row 0 is then W_V's row 0 whatever token 0 is: no content flows.
    Tensor a4, a4_edit;   // attention weights of the first four tokens, and after editing token 0
    Tensor right = m.forward(encode("atte"), true, &a4), right_edit = m.forward(encode("ztte"), true, &a4_edit);
    double wrong_moves = max_abs_diff(matmul(a4, m.w_v), matmul(a4_edit, m.w_v), 0, 1);
    double right_moves = max_abs_diff(right, right_edit, 0, 1);
    std::printf("\"atte\" -> \"ztte\", output row 0:  weights·W_V moves %g,  weights·V moves %.4f\n", wrong_moves,
                right_moves);
    claim(!err.empty() && wrong_moves == 0 && right_moves > 0, "weights·W_V fails the shapes when T != C, and when "
          "T == C ignores which token is at position 0 (row 0 moves %g); weights·(X·W_V) follows it (moves %.4f)",
          wrong_moves, right_moves);

    tut::banner("6. Gradients: gradcheck through the whole attention (float build, so a rough check)");
    GradcheckOptions opt;   // float defaults: eps 1e-2, pass if |diff| <= 1e-2 + 5e-2 |numeric|
    std::vector<Tensor> params = {m.wte, m.wpe, m.w_q, m.w_k, m.w_v};
    for (Tensor& p : params) p.requires_grad_();
    // gradcheck nudges these tensors in place; m holds the same tensors, so its forward sees each nudge
    GradcheckResult r = gradcheck([&](const std::vector<Tensor>&) { return m.forward(idx, true); }, params, opt);
    std::printf("%lld entries of dL/d(wte, wpe, W_Q, W_K, W_V) vs central differences: max |diff| = %.1e\n%s",
                (long long)r.checked, r.max_abs_err, r.report.c_str());
    claim(r.ok, "gradcheck of causal attention: %lld gradient entries within |diff| <= %g + %g |numeric| "
          "(max |diff| %.1e)", (long long)r.checked, opt.atol, opt.rtol, r.max_abs_err);
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
