// Chapter 11: training a character-level GPT on Tiny Shakespeare.
// You will learn: the whole GPT (gpt/model.h) and where its parameters sit; why the loss starts at ln V;
// the training loop written out step by step (get_batch, forward, backward, clip_grad_norm, cosine_lr,
// AdamW with decay groups, zero_grad); evaluating on fixed batches; and saving a checkpoint, loading it
// back and checking that the reloaded model computes the very same logits.
// Assumes: chapters 1-10. Library code used: gpt/model.h, gpt/data.h, gpt/checkpoint.h, nn/optim.h,
// nn/schedule.h, nn/clip.h. Usage: 11_training_a_gpt [--quick] [path/to/tinyshakespeare.txt]
#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/shape.h"
#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/sample.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;

namespace {

// Mean loss over fixed batches: eval mode (chapter 8: no dropout) and no graph, so it measures without training.
double mean_loss(GPT& model, const std::vector<Batch>& batches) {
    NoGradGuard no_grad;
    model.eval();
    double sum = 0;
    for (const Batch& b : batches) sum += double(model.forward(b.x, b.y).loss.item());
    model.train();
    return sum / double(batches.size());
}

// Chapter 6's counting bigram (add-one smoothed), scored on val: the baseline a GPT must beat.
double bigram_val_nll(const Dataset& ds, int V) {
    std::vector<double> counts(size_t(V * V), 1), rows(size_t(V), V);
    for (size_t i = 0; i + 1 < ds.train.size(); i++)
        counts[size_t(ds.train[i] * V + ds.train[i + 1])]++, rows[size_t(ds.train[i])]++;
    double nll = 0;
    for (size_t i = 0; i + 1 < ds.val.size(); i++)
        nll -= std::log(counts[size_t(ds.val[i] * V + ds.val[i + 1])] / rows[size_t(ds.val[i])]);
    return nll / double(ds.val.size() - 1);
}

}  // namespace

int main(int argc, char** argv) try {
    tut::Checks claim;
    const tut::Args args = tut::parse_args(argc, argv);
    const bool quick = args.quick;   // a few seconds instead of a minute: for CI
    const std::string path = tut::find_data(args.data), text = read_text_file(path);
    CharTokenizer tok = CharTokenizer::from_text(text, path);
    Dataset ds(text, tok, path);
    const int V = tok.vocab_size();

    tut::banner("1. The model: embeddings, n_layer blocks, ln_f, and the token table again as the head");
    GPTConfig cfg;   // smaller than `gpt train`'s 4 x 128, so that a real run takes seconds, not minutes
    cfg.n_layer = 3, cfg.n_head = 4, cfg.n_embd = 96, cfg.block_size = 64, cfg.vocab_size = V;
    const int64_t L = cfg.n_layer, C = cfg.n_embd, T = cfg.block_size, B = 16, iters = quick ? 60 : 500;
    GPT model(cfg, 1337);
    std::printf("%s: V = %d characters; train %zu tokens, val %zu\n", path.c_str(), V, ds.train.size(), ds.val.size());
    std::printf("config: n_layer %lld, n_head %lld, n_embd %lld, block_size %lld, no biases, dropout 0; batch %lld x "
                "%lld tokens, %lld iterations%s\n", (long long)L, (long long)cfg.n_head, (long long)C, (long long)T,
                (long long)B, (long long)T, (long long)iters, quick ? " (--quick)" : "");
    int64_t blocks = 0;
    for (const auto& [name, p] : model.named_parameters())
        if (name.rfind("transformer.h.", 0) == 0) blocks += p.numel();
        else std::printf("  %-28s %-10s %7lld\n", name.c_str(), shape_str(p.shape()).c_str(), (long long)p.numel());
    std::printf("  %-28s %-10s %7lld   (12C² + 2C each: no biases, so LayerNorms have only a gain)\n",
                "transformer.h.0-2.*", "", (long long)blocks);
    const int64_t formula = V * C + T * C + L * (12 * C * C + 2 * C) + C;
    claim(model.num_parameters() == formula && blocks == L * (12 * C * C + 2 * C), "parameters = VC + TC + L(12C² + 2C)"
          " + C = %lld: the head reuses the token table (no separate V x C matrix)", (long long)formula);

    Rng data_rng(1337, 3);   // the streams and seeds `gpt train` uses, so that its losses match these exactly
    std::vector<Batch> eval_train = ds.eval_batches(Split::train, int(B), int(T), 8, 1338);   // the same batches at
    std::vector<Batch> eval_val = ds.eval_batches(Split::val, int(B), int(T), 8, 1339);       // every evaluation
    const double loss0 = mean_loss(model, eval_val);
    std::printf("val loss at initialisation %.4f; a uniform guess over V characters scores ln V = %.4f\n", loss0,
                std::log(double(V)));
    claim(std::fabs(loss0 - std::log(double(V))) < 0.05, "untrained val loss %.4f is within 0.05 of ln %d = %.4f: "
          "small initial weights give near-equal logits", loss0, V, std::log(double(V)));

    tut::banner("2. The optimizer: AdamW, decaying the matrices only");
    nn::ParamGroup decay{{}, real(0.1)}, no_decay{{}, 0};
    int64_t n_decay = 0;
    for (const auto& [name, p] : model.named_parameters())
        (p.dim() >= 2 ? decay : no_decay).params.push_back(p), n_decay += p.dim() >= 2 ? p.numel() : 0;
    std::printf("decay 0.1: %zu matrices, %lld numbers;  decay 0: %zu LayerNorm gains, %lld numbers\n",
                decay.params.size(), (long long)n_decay, no_decay.params.size(), (long long)(formula - n_decay));
    const real max_lr = real(3e-3), min_lr = real(3e-4), clip = 1;
    const int64_t warmup = quick ? 10 : 30, eval_every = quick ? 30 : 100;
    nn::AdamW opt({decay, no_decay}, max_lr, real(0.9), real(0.99));
    std::printf("lr: linear warmup to %.0e over %lld steps, cosine down to %.0e at step %lld; grad clip %.1f\n",
                double(max_lr), (long long)warmup, double(min_lr), (long long)iters, double(clip));

    tut::banner("3. The training loop");
    std::printf("%5s %9s %11s %14s %8s %8s   (batch loss, lr, norm: the steps since the last row)\n", "step", "lr",
                "batch loss", "norm max/mean", "train", "val");
    const std::vector<Tensor> params = model.parameters();
    std::vector<double> steps, batch_losses, eval_steps, train_curve, val_curve;   // for the figure
    double loss_sum = 0, norm_sum = 0, norm_max = 0, worst_after = 0, val = loss0;
    int64_t n_clipped = 0, since = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    for (int64_t it = 0;; it++) {
        if (it % eval_every == 0 || it == iters) {   // the loss on the fixed batches, and how training went
            double tr = mean_loss(model, eval_train);
            val = it == 0 ? loss0 : mean_loss(model, eval_val);
            eval_steps.push_back(double(it)), train_curve.push_back(tr), val_curve.push_back(val);
            if (it == 0) std::printf("%5d %9s %11s %14s", 0, "-", "-", "-");
            else std::printf("%5lld %9.2e %11.4f %7.2f/%-6.2f", (long long)it, double(opt.lr), loss_sum / double(since),
                             norm_max, norm_sum / double(since));
            std::printf(" %8.4f %8.4f\n", tr, val);
            loss_sum = norm_sum = norm_max = 0, since = 0;
        }
        if (it == iters) break;
        Batch b = ds.get_batch(Split::train, int(B), int(T), data_rng);   // 1. B random windows, y = x shifted
        Tensor loss = model.forward(b.x, b.y).loss;                          // 2. forward: mean cross-entropy
        loss.backward();                                                     // 3. backward: every parameter's grad
        double norm = nn::clip_grad_norm(params, clip), after = 0;          // 4. rescale grads if their norm > 1
        for (const Tensor& p : params) after += p.has_grad() ? nn::sum_squares(p.grad(), p.numel()) : 0;
        worst_after = std::fmax(worst_after, std::sqrt(after));              //    (measured again, for a check)
        opt.lr = nn::cosine_lr(it, max_lr, min_lr, warmup, iters);           // 5. this step's learning rate
        opt.step();                                                          // 6. AdamW update
        model.zero_grad();                                                   // 7. drop grads: backward adds to them
        n_clipped += norm > clip, since++;
        loss_sum += double(loss.item()), norm_sum += norm, norm_max = std::fmax(norm_max, norm);
        steps.push_back(double(it)), batch_losses.push_back(double(loss.item()));
    }
    std::printf("%lld steps in %.1f s: %.0f tokens/s (evaluations included)\n", (long long)iters, seconds(),
                double(iters * B * T) / seconds());
    claim(worst_after <= clip * 1.0001, "clip_grad_norm rescaled %lld of %lld steps; after it every global grad norm "
          "was <= %.1f (largest %.4f)", (long long)n_clipped, (long long)iters, double(clip), worst_after);
    const double need = quick ? 0.5 : 1.5, bigram = bigram_val_nll(ds, V);
    claim(val < loss0 - need, "val loss fell from %.2f to %.2f (by more than %.1f) in %lld steps", loss0, val, need,
          (long long)iters);
    std::printf("chapter 6's counting bigram (add-one smoothed) scores %.4f on val\n", bigram);
    if (!quick)
        claim(val < bigram, "the GPT's val loss %.4f beats the bigram's %.4f: it uses more than the last character",
              val, bigram);
    tut::save_figure(draw::losses(steps, batch_losses, eval_steps, train_curve, val_curve, bigram, formula), "11",
                     quick ? "loss_quick" : "loss");

    tut::banner("4. Save a checkpoint, load it back");
    const std::string file = quick ? "out/tutorials/11/quick/model.safetensors" : "out/tutorials/11/model.safetensors";
    std::filesystem::create_directories(quick ? "out/tutorials/11/quick" : "out/tutorials/11");
    save_model(file, model, tok, {{"iter", std::to_string(iters)}});
    LoadedModel back = load_model(file);
    std::printf("wrote %s: %lld parameters, iter %s, vocabulary of %d\n", file.c_str(),
                (long long)back.model->num_parameters(), back.metadata["iter"].c_str(), back.tok.vocab_size());
    model.eval(), back.model->eval();
    NoGradGuard no_grad;
    Tensor a = model.forward(eval_val[0].x).logits, z = back.model->forward(eval_val[0].x).logits;   // (B, T, V)
    double diff = 0;
    for (int64_t i = 0; i < a.numel(); i++) diff = std::fmax(diff, std::fabs(double(a.data()[i]) - z.data()[i]));
    const GPTConfig& c2 = back.model->config;
    bool same_cfg = c2.n_layer == L && c2.n_head == cfg.n_head && c2.n_embd == C && c2.block_size == T &&
                    c2.vocab_size == V && c2.bias == cfg.bias;
    claim(diff == 0 && same_cfg && back.tok.chars() == tok.chars(), "the reloaded model has the same config and "
          "vocabulary and gives identical logits on a val batch (%lld values, max |diff| = %g)", (long long)a.numel(),
          diff);
    SampleOptions so;
    so.temperature = real(0.8);
    Rng sample_rng(42);
    std::vector<int32_t> ids = generate(*back.model, tok.encode("\n"), 300, so, sample_rng, true);
    std::printf("a sample from the reloaded model (temperature 0.8; chapter 13 explains sampling):\n%s\n",
                tok.decode(ids).c_str());
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "11_training_a_gpt: %s\n", e.what());
    return 1;
}
