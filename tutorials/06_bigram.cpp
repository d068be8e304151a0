// Chapter 6: a bigram language model of Tiny Shakespeare, first by counting, then by gradient descent.
// You will learn: characters as token ids (CharTokenizer); a language model as a table of next-character
// probabilities P(b | a); the negative log likelihood (NLL) that scores it; sampling text from it; and
// that a V×V table of logits trained with cross_entropy learns the same table as counting, because the
// gradient, (predicted count − actual count) / N, vanishes exactly at the counted probabilities.
// Assumes: chapters 1-5 (tensors, softmax, Adam). Library code used: gpt/data.h, gpt/tokenizer.h,
// autograd/embedding.h, autograd/softmax.h, nn/optim.h. Usage: 06_bigram [path/to/tinyshakespeare.txt]
// (by default data/tinyshakespeare.txt, relative to where it runs: the repository root)
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/embedding.h"
#include "autograd/softmax.h"
#include "gpt/data.h"
#include "nn/optim.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;

namespace {

using Table = std::vector<double>;   // (V, V): entry a*V + b is P(next = b | current = a)

// Mean of -log P(b | a) over every consecutive pair (a, b) of the tokens.
double nll(const std::vector<int32_t>& toks, const Table& P, int V) {
    double total = 0;
    for (size_t i = 0; i + 1 < toks.size(); i++) total -= std::log(P[size_t(toks[i] * V + toks[i + 1])]);
    return total / double(toks.size() - 1);
}

// n characters, each drawn from the row of the one before, starting after `start`.
std::string sample(const Table& P, int V, int32_t start, int n, Rng& rng, const CharTokenizer& tok) {
    std::vector<int32_t> out;
    for (int32_t a = start; int(out.size()) < n; out.push_back(a)) {
        double u = rng.uniform(), cum = 0;
        int32_t b = 0;   // the first b whose cumulative probability passes u
        while (b < V - 1 && (cum += P[size_t(a * V + b)]) <= u) b++;
        a = b;
    }
    return tok.decode(out);
}

// What cross_entropy(embedding(W, x), y) computes, in double, from a double copy of the logits table.
double batch_nll(const std::vector<double>& W, const Batch& b, int V) {
    double total = 0;
    for (int64_t n = 0; n < b.x.numel(); n++) {
        const double* row = W.data() + b.x.data()[n] * V;
        double m = row[0], s = 0;
        for (int c = 0; c < V; c++) m = std::fmax(m, row[c]);
        for (int c = 0; c < V; c++) s += std::exp(row[c] - m);
        total += m + std::log(s) - row[b.y.data()[n]];
    }
    return total / double(b.x.numel());
}

}  // namespace

int main(int argc, char** argv) {
    tut::Checks claim;
    try {
        std::string path = tut::find_data(tut::parse_args(argc, argv).data), text = read_text_file(path);
        CharTokenizer tok = CharTokenizer::from_text(text, path);
        Dataset ds(text, tok, path);   // the first 90% of the characters train, the rest validate
        const int V = tok.vocab_size();
        auto id = [&](const char* c) { return size_t(tok.encode(c)[0]); };
        Rng rng(1337);

        tut::banner("1. The data: characters as token ids");
        std::printf("%s: %zu characters, vocabulary of V = %d; train %zu tokens, val %zu\n", path.c_str(),
                    ds.train.size() + ds.val.size(), V, ds.train.size(), ds.val.size());
        std::vector<int32_t> first(ds.train.begin(), ds.train.begin() + 12);
        std::string ids;
        for (int32_t i : first) ids += " " + std::to_string(i);
        std::printf("the first 12: \"%s\" ->%s\n", tok.decode(first).c_str(), ids.c_str());

        tut::banner("2. Counting: P(b | a) = count(a, b) / count(a, anything)");
        Table counts(size_t(V * V), 0), P(counts.size()), P_smooth(counts.size());
        for (size_t i = 0; i + 1 < ds.train.size(); i++) counts[size_t(ds.train[i] * V + ds.train[i + 1])]++;
        for (int a = 0; a < V; a++) {
            double row = 0;
            for (int b = 0; b < V; b++) row += counts[size_t(a * V + b)];
            for (int b = 0; b < V; b++) {   // the smoothed table adds 1 to every count: no pair is impossible
                P[size_t(a * V + b)] = row > 0 ? counts[size_t(a * V + b)] / row : 1.0 / V;
                P_smooth[size_t(a * V + b)] = (counts[size_t(a * V + b)] + 1) / (row + V);
            }
        }
        const size_t qu = id("q") * V + id("u"), th = id("t") * V + id("h");
        std::printf("count(q, u) = %.0f, count(q, *) = %.0f: P(u | q) = %.4f;  P(h | t) = %.4f\n", counts[qu],
                    counts[qu] / P[qu], P[qu], P[th]);
        const double nll_count = nll(ds.train, P, V);
        std::printf("NLL on train: uniform model log V = %.4f, counting model %.4f;  on val (smoothed) %.4f\n",
                    std::log(double(V)), nll_count, nll(ds.val, P_smooth, V));
        std::printf("a sample:\n%s\n", sample(P, V, int32_t(id("\n")), 250, rng, tok).c_str());

        tut::banner("3. The same model learned: a V×V table of logits W, loss = cross_entropy");
        // The logits of position n are row W[x_n] (embedding is a row lookup) and P(b | a) = softmax(W[a])[b].
        // loss = mean over the N positions of -log softmax(W[x_n])[y_n], whose gradient is
        //   dW[a, b] = (n_a P(b | a) - n_ab) / N      (n_a: positions with x = a; n_ab: those with y = b too)
        // It is zero exactly when P(b | a) = n_ab / n_a: the counting answer. At the start W = 0, P = 1/V.
        Tensor W = Tensor::zeros({V, V}).requires_grad_();
        Batch b0 = ds.get_batch(Split::train, 32, 256, rng);
        cross_entropy(embedding(W, b0.x), b0.y).backward();
        const double N = double(b0.x.numel());
        Table n_ab(size_t(V * V), 0), n_a(size_t(V), 0), Wd(W.data(), W.data() + V * V);
        for (int64_t n = 0; n < b0.x.numel(); n++) {
            n_a[size_t(b0.x.data()[n])]++;
            n_ab[size_t(b0.x.data()[n] * V + b0.y.data()[n])]++;
        }
        auto closed = [&](size_t k) { return (n_a[k / size_t(V)] / V - n_ab[k]) / N; };
        double closed_diff = 0, fd_rel = 0;
        for (size_t k = 0; k < Wd.size(); k++) closed_diff = std::fmax(closed_diff, std::fabs(W.grad()[k] - closed(k)));
        for (const char* pair : {"qu", "th", "e "}) {   // finite differences of batch_nll, in double
            size_t k = id(std::string(1, pair[0]).c_str()) * V + id(std::string(1, pair[1]).c_str());
            double keep = Wd[k];
            Wd[k] = keep + 1e-4;
            double up = batch_nll(Wd, b0, V);
            Wd[k] = keep - 1e-4;
            double fd = (up - batch_nll(Wd, b0, V)) / 2e-4;
            Wd[k] = keep;
            fd_rel = std::fmax(fd_rel, std::fabs(W.grad()[k] - fd) / std::fabs(fd));
            std::printf("  dW[%c, %c]  library %11.7f   (n_a/V - n_ab)/N %11.7f   finite diff %11.7f\n", pair[0],
                        pair[1] == ' ' ? '_' : pair[1], W.grad()[k], closed(k), fd);
        }
        claim(closed_diff < 1e-6, "cross_entropy's gradient equals (n_a P(b|a) - n_ab) / N in all %d entries (max "
              "|diff| = %.1e)", V * V, closed_diff);
        claim(fd_rel < 1e-3, "3 of its entries match double-precision finite differences (max relative diff = %.1e)",
              fd_rel);

        tut::banner("4. Training W with Adam on random batches of 16 x 256 positions");
        auto learned = [&] {   // the learned table: the softmax of each row of W
            NoGradGuard no_grad;
            Tensor S = softmax(W, 1);
            return Table(S.data(), S.data() + V * V);
        };
        const int steps = 500;
        const float lr = 0.3f;
        nn::Adam opt({W}, lr);
        std::printf("  %5s  %10s  %10s\n", "step", "batch loss", "train NLL");
        for (int step = 1; step <= steps; step++) {
            Batch b = ds.get_batch(Split::train, 16, 256, rng);
            Tensor loss = cross_entropy(embedding(W, b.x), b.y);
            opt.zero_grad();
            loss.backward();
            opt.lr = lr * (1 - 0.95f * float(step) / steps);   // smaller steps at the end average out batch noise
            opt.step();
            if (step == 1 || step % 50 == 0)
                std::printf("  %5d  %10.4f  %10.4f\n", step, loss.item(), nll(ds.train, learned(), V));
        }
        Table PL = learned();
        const double nll_learned = nll(ds.train, PL, V);
        std::printf("P(u | q): counted %.4f, learned %.4f;  P(h | t): counted %.4f, learned %.4f\n", P[qu], PL[qu],
                    P[th], PL[th]);
        std::printf("NLL on train: learned %.4f, counting %.4f;  on val: learned %.4f, counting (smoothed) %.4f\n",
                    nll_learned, nll_count, nll(ds.val, PL, V), nll(ds.val, P_smooth, V));
        std::printf("a sample from the learned model:\n%s\n", sample(PL, V, int32_t(id("\n")), 250, rng, tok).c_str());
        claim(nll_learned - nll_count < 0.02 && nll_learned >= nll_count - 1e-6, "learned bigram NLL %.4f within 0.02 "
              "of counting NLL %.4f (and not below it: on train, no bigram table beats the counts)", nll_learned,
              nll_count);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "06_bigram: %s\n", e.what());
        return 1;
    }
    return claim.summary();
}
