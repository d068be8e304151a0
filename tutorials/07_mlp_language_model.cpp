// Chapter 7: from bigram to attention. An MLP language model of Tiny Shakespeare, then averaging the past.
// You will learn: a model that reads the last T characters (Bengio et al., 2003): each character becomes a
// learned vector (an embedding), the T vectors are concatenated and pass through a tanh hidden layer to V
// logits; why longer contexts cannot be counted; that it beats chapter 6's bigram on held-out text, and by
// more the longer its context; and "averaging the past" three ways (a loop, a matmul with a lower-triangular
// matrix, a softmax over masked scores), checked equal: the step from here to self-attention (chapter 9).
// Assumes: chapters 1-6. Library code used: nn/layers.h, nn/optim.h, gpt/data.h, autograd/{embedding,mask,
// softmax,matmul,shape}.h. Usage: 07_mlp_language_model [--quick] [path/to/tinyshakespeare.txt]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "autograd/elementwise.h"
#include "autograd/mask.h"
#include "autograd/matmul.h"
#include "autograd/shape.h"
#include "autograd/softmax.h"
#include "gpt/data.h"
#include "nn/io/svg.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;

namespace {

double max_diff(const Tensor& a, const Tensor& b) {
    double m = 0;
    for (int64_t i = 0; i < a.numel(); i++) m = std::fmax(m, std::fabs(double(a.data()[i]) - double(b.data()[i])));
    return m;
}

// Context (B, T) of character ids -> logits (B, V) for the character that follows.
struct MLPLM : nn::Module {
    nn::Embedding wte;         // (V, d): one learned vector per character
    nn::Linear hidden, head;   // (T*d -> H), (H -> V)
    MLPLM(int64_t V, int64_t T, int64_t d, int64_t H, Rng& rng)
        : wte(V, d, rng, 1.0f), hidden(T * d, H, true, rng, real(1 / std::sqrt(double(T * d)))),
          head(H, V, true, rng) {   // head std 0.02: logits start near 0, so the first loss is near ln V
        register_module("wte", wte);
        register_module("hidden", hidden);
        register_module("head", head);
    }
    Tensor forward(const Indices& ctx) const {
        Tensor e = reshape(wte.forward(ctx), {ctx.size(0), -1});   // (B, T, d) -> (B, T*d): concatenated
        return head.forward(tanh(hidden.forward(e)));              // (B, H) -> (B, V)
    }
};

// Every position i >= T of `toks` as one example: context toks[i-T .. i-1], target toks[i].
std::pair<Indices, Indices> all_examples(const std::vector<int32_t>& toks, int64_t T) {
    std::vector<int32_t> ctx, tgt;
    for (size_t i = size_t(T); i < toks.size(); i++) {
        ctx.insert(ctx.end(), toks.begin() + int64_t(i) - T, toks.begin() + int64_t(i));
        tgt.push_back(toks[i]);
    }
    return {Indices({int64_t(tgt.size()), T}, ctx), Indices({int64_t(tgt.size())}, tgt)};
}

// The share of `toks`'s positions whose preceding T characters never occur in `train`.
double unseen_share(const std::vector<int32_t>& train, const std::vector<int32_t>& toks, int64_t T, int64_t V) {
    auto key = [&](const std::vector<int32_t>& s, size_t i) {   // s[i-T .. i-1] as one base-V number
        uint64_t k = 0;
        for (size_t j = i - size_t(T); j < i; j++) k = k * uint64_t(V) + uint64_t(s[j]);
        return k;
    };
    std::unordered_set<uint64_t> seen;
    for (size_t i = size_t(T); i < train.size(); i++) seen.insert(key(train, i));
    size_t unseen = 0;
    for (size_t i = size_t(T); i < toks.size(); i++) unseen += !seen.count(key(toks, i));
    return double(unseen) / double(toks.size() - size_t(T));
}

}  // namespace

int main(int argc, char** argv) {
    tut::Checks claim;
    try {
        const tut::Args args = tut::parse_args(argc, argv);
        const bool quick = args.quick;   // a few seconds, for CI
        const std::string path = tut::find_data(args.data);
        std::string text = read_text_file(path);
        CharTokenizer tok = CharTokenizer::from_text(text, path);
        Dataset ds(text, tok, path);
        const int64_t V = tok.vocab_size(), d = 16, H = 128, B = 256, steps = quick ? 320 : 2000;
        const int64_t contexts[3] = {1, 4, 8}, T8 = 8;
        const size_t n_val = quick ? 10000 : 40000;   // the val targets scored: positions 8 .. n_val + 7

        tut::banner("1. Counting cannot reach far: most long contexts were never seen");
        for (int64_t T : contexts)
            std::printf("  T = %lld: %9.1e possible contexts; %5.1f%% of val positions follow one never seen in "
                        "train\n", (long long)T, std::pow(double(V), double(T)),
                        100 * unseen_share(ds.train, ds.val, T, V));

        tut::banner("2. The model: embed each of the last T characters, concatenate, a tanh layer, V logits");
        std::vector<std::unique_ptr<MLPLM>> models;
        for (int64_t T : contexts) {
            Rng init(42);
            models.emplace_back(new MLPLM(V, T, d, H, init));
        }
        const MLPLM& m8 = *models.back();
        for (const auto& [name, p] : m8.named_parameters())
            std::printf("  %-14s %-10s %6lld\n", name.c_str(), shape_str(p.shape()).c_str(), (long long)p.numel());
        const int64_t formula = V * d + T8 * d * H + H + H * V + V;
        std::printf("  T = 8: %lld parameters = V*d + (T*d)*H + H + H*V + V\n", (long long)m8.num_parameters());
        claim(m8.num_parameters() == formula, "parameters = V*d + T*d*H + H + H*V + V = %lld at T = 8 (the hidden "
              "layer grows with T)", (long long)formula);

        tut::banner("3. Training with Adam: held-out loss against chapter 6's bigram");
        double bigram = 0;   // chapter 6's counting bigram, add-one smoothed, on the val targets the MLPs score
        std::vector<double> counts(size_t(V * V), 1.0), rows(size_t(V), 1.0 * V);
        for (size_t i = 0; i + 1 < ds.train.size(); i++)
            counts[size_t(ds.train[i] * V + ds.train[i + 1])]++, rows[size_t(ds.train[i])]++;
        for (size_t i = size_t(T8); i < size_t(T8) + n_val; i++)
            bigram -= std::log(counts[size_t(ds.val[i - 1] * V + ds.val[i])] / rows[size_t(ds.val[i - 1])]);
        bigram /= double(n_val);
        const real lr = real(1e-2);
        const int64_t every = steps / (quick ? 4 : 8);
        std::vector<std::vector<double>> curves(3);   // val loss at steps 0, every, 2*every, ...
        auto t0 = std::chrono::steady_clock::now();
        for (int k = 0; k < 3; k++) {
            MLPLM& m = *models[size_t(k)];
            const int64_t T = contexts[k];
            auto [vx, vy] = all_examples({ds.val.begin() + (T8 - T), ds.val.begin() + T8 + int64_t(n_val)}, T);
            auto val_loss = [&, &vx = vx, &vy = vy] {   // the same n_val targets for every T, all at once
                NoGradGuard no_grad;
                return double(cross_entropy(m.forward(vx), vy).item());
            };
            Rng rng(1337);
            nn::Adam opt(m.parameters(), lr);
            curves[size_t(k)].push_back(val_loss());
            for (int64_t step = 1; step <= steps; step++) {
                Batch b = ds.get_batch(Split::train, int(B), int(T), rng);   // b.x: B contexts of T characters
                std::vector<int32_t> tgt;   // the character after each context: the last column of b.y
                for (int64_t r = 0; r < B; r++) tgt.push_back(b.y.data()[r * T + T - 1]);
                Tensor loss = cross_entropy(m.forward(b.x), Indices({B}, tgt));
                opt.zero_grad();
                loss.backward();
                opt.lr = lr * real(1 - 0.9 * double(step) / double(steps));   // linear decay to lr / 10
                opt.step();
                if (step % every == 0) curves[size_t(k)].push_back(val_loss());
            }
        }
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("  %5s  %8s  %8s  %8s   val loss; batch %lld, lr %.0e decaying to %.0e\n", "step", "T = 1",
                    "T = 4", "T = 8", (long long)B, double(lr), double(lr) / 10);
        for (size_t i = 0; i < curves[0].size(); i++)
            std::printf("  %5lld  %8.4f  %8.4f  %8.4f\n", (long long)(int64_t(i) * every), curves[0][i],
                        curves[1][i], curves[2][i]);
        const double v1 = curves[0].back(), v4 = curves[1].back(), v8 = curves[2].back();
        std::printf("chapter 6's counting bigram: %.4f on the same %zu val targets; three runs of %lld steps in "
                    "%.1f s\n", bigram, n_val, (long long)steps, secs);
        claim(std::fabs(curves[2][0] - std::log(double(V))) < 0.05, "the untrained model's val loss %.4f is within "
              "0.05 of ln V = %.4f", curves[2][0], std::log(double(V)));
        const double near = quick ? 0.1 : 0.05, margin = quick ? 0.2 : 0.4;
        claim(std::fabs(v1 - bigram) < near, "with T = 1 the MLP is a bigram model and scores like one: %.4f vs "
              "counting %.4f (within %.2f)", v1, bigram, near);
        claim(v4 < bigram - margin && v8 < bigram - margin && std::fabs(v8 - v4) < 0.1, "T = 4 (%.4f) and T = 8 "
              "(%.4f) beat the bigram by more than %.2f; doubling the context moves the loss by less than 0.1", v4, v8,
              margin);

        tut::banner("4. A sample from the T = 8 model");
        Rng srng(7);
        std::vector<int32_t> out(size_t(T8), tok.encode("\n")[0]);   // start from a context of newlines
        for (int i = 0; i < 250; i++) {
            NoGradGuard no_grad;
            Tensor p = softmax(m8.forward(Indices({1, T8}, std::vector<int32_t>(out.end() - T8, out.end()))), 1);
            double u = srng.uniform(), cum = 0;
            int32_t c = 0;   // the first character whose cumulative probability passes u
            while (c < V - 1 && (cum += p.data()[c]) <= u) c++;
            out.push_back(c);
        }
        std::printf("%s\n", tok.decode(std::vector<int32_t>(out.begin() + T8, out.end())).c_str());

        tut::banner("5. Averaging the past, three ways");
        // x: the learned embeddings of 8 characters, (T, d). Position t's average: out[t] = mean of x[0..t].
        const int64_t T = T8;
        Tensor x = m8.wte.forward(Indices({T}, tok.encode("First Ci"))).detach();
        Tensor loop = Tensor::zeros({T, d});
        for (int64_t t = 0; t < T; t++)
            for (int64_t s = 0; s <= t; s++)
                for (int64_t c = 0; c < d; c++) loop.data()[t * d + c] += x.data()[s * d + c] / real(t + 1);
        Tensor W = Tensor::zeros({T, T});   // row t: 1/(t+1) in columns 0..t, 0 after
        for (int64_t t = 0; t < T; t++)
            for (int64_t s = 0; s <= t; s++) W.data()[t * T + s] = real(1) / real(t + 1);
        const real inf = std::numeric_limits<real>::infinity();
        Tensor A = softmax(masked_fill(Tensor::zeros({T, T}), causal_mask(T), -inf), 1);   // every score 0
        auto show = [&](const char* what, const Tensor& M) {
            std::printf("%s\n", what);
            for (int64_t t = 0; t < T; t++) {
                std::printf("  '%c' |", "First Ci"[t]);
                for (int64_t s = 0; s < T; s++) std::printf(" %5.3f", M.data()[t * T + s]);
                std::printf("\n");
            }
        };
        show("softmax(masked zeros): the averaging weights, row t = position t", A);
        const double dm = max_diff(loop, matmul(W, x)), ds_ = max_diff(loop, matmul(A, x)), dw = max_diff(W, A);
        std::printf("max |loop - W x| %.1e,  max |loop - softmax x| %.1e,  max |W - softmax weights| %.1e\n", dm, ds_,
                    dw);
        claim(dm < 1e-6 && ds_ < 1e-6 && dw < 1e-7, "a loop, a lower-triangular matmul and a masked softmax give the "
              "same averages (max |diff| %.1e)", std::fmax(dm, ds_));
        // Scores from the data instead of zeros: position t scores s by x_t . x_s / sqrt(d) (chapter 9 says why).
        Tensor A2 = softmax(masked_fill(matmul(x, transpose(x, 0, 1)) / real(std::sqrt(double(d))), causal_mask(T),
                                        -inf), 1);
        show("softmax(masked x xᵀ / sqrt(d)): weights chosen by content", A2);
        double upper = 0;
        for (int64_t t = 0; t < T; t++)
            for (int64_t s = t + 1; s < T; s++) upper = std::fmax(upper, std::fabs(A2.data()[t * T + s]));
        claim(upper == 0, "content-chosen weights still give the future exactly 0, and row 7 ('i') weighs the earlier "
              "'i' at %.3f, more than the %.3f of plain averaging", A2.data()[7 * T + 1], A.data()[7 * T + 1]);

        tut::banner("Figures");
        const std::string mode = quick ? "_quick" : "";   // a --quick run draws its own copies of the figures
        std::vector<io::Series> lines;
        for (int k = 0; k < 3; k++) {
            std::vector<double> at;
            for (size_t i = 0; i < curves[size_t(k)].size(); i++) at.push_back(double(int64_t(i) * every));
            lines.push_back({"MLP, T = " + std::to_string(contexts[k]), at, curves[size_t(k)]});
        }
        lines.push_back({"counting bigram", {0, double(steps)}, {bigram, bigram}, "#999999"});
        lines.back().dash = "6 3";
        io::ChartOptions co;
        co.title = "Held-out loss: MLP language models against the bigram";
        co.x_label = "training step", co.y_label = "val loss (cross-entropy per character)";
        tut::save_figure(io::line_chart(lines, co), "07", "val_loss" + mode);
        auto heat = [&](const Tensor& M, const std::string& title, const std::string& name) {
            std::vector<double> v;   // the future (s > t) as NaN: drawn as "masked" cells
            for (int64_t t = 0; t < T; t++)
                for (int64_t s = 0; s < T; s++) v.push_back(s > t ? NAN : double(M.data()[t * T + s]));
            io::HeatMapOptions ho;
            ho.title = title, ho.x_label = "position s (read from)", ho.y_label = "position t (reading)";
            ho.row_labels = ho.col_labels = {"F", "i", "r", "s", "t", "␣", "C", "i"};
            ho.nan_text = "masked";
            tut::save_figure(io::heat_map(v, int(T), int(T), ho), "07", name + mode);
        };
        heat(A, "softmax of masked zeros: averaging the past", "averaging_weights");
        heat(A2, "softmax of masked x·xᵀ/√d: weights chosen by content", "content_weights");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "07_mlp_language_model: %s\n", e.what());
        return 1;
    }
    return claim.summary();
}
