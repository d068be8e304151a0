// The training loop. See train.h for the outline; this file also keeps the run's log (log.csv), the
// loss plot (loss.svg) and the progress line.
#include "gpt/train.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/stat.h>

#include "autograd/elementwise.h"
#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/plot.h"
#include "nn/io/atomic_file.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace gs::gpt {

std::atomic<bool> g_stop_training{false};

void TrainOptions::validate() const {
    check(!data.empty(), "gpt train", "--data is required");
    check(batch_size >= 1, "gpt train", "--batch-size must be >= 1, got ", batch_size);
    check(grad_accum >= 1, "gpt train", "--grad-accum must be >= 1, got ", grad_accum);
    check(max_iters >= 0, "gpt train", "--max-iters must be >= 0, got ", max_iters);
    check(lr >= 0, "gpt train", "--lr must be >= 0, got ", lr);
    check(min_lr >= 0, "gpt train", "--min-lr must be >= 0, got ", min_lr);
    check(warmup_iters >= 0, "gpt train", "--warmup-iters must be >= 0, got ", warmup_iters);
    check(lr_decay_iters >= warmup_iters, "gpt train", "--lr-decay-iters (", lr_decay_iters,
          ") must be >= --warmup-iters (", warmup_iters, ")");
    check(weight_decay >= 0, "gpt train", "--weight-decay must be >= 0, got ", weight_decay);
    check(beta1 >= 0 && beta1 < 1, "gpt train", "beta1 must be in [0, 1), got ", beta1);
    check(beta2 >= 0 && beta2 < 1, "gpt train", "--beta2 must be in [0, 1), got ", beta2);
    check(grad_clip >= 0, "gpt train", "--grad-clip must be >= 0 (0 turns it off), got ", grad_clip);
    check(eval_interval >= 1, "gpt train", "--eval-interval must be >= 1, got ", eval_interval);
    check(eval_iters >= 1, "gpt train", "--eval-iters must be >= 1, got ", eval_iters);
    check(model.n_layer >= 1, "gpt train", "--n-layer must be >= 1, got ", model.n_layer);
    check(model.n_head >= 1, "gpt train", "--n-head must be >= 1, got ", model.n_head);
    check(model.n_embd >= 1 && model.n_embd % model.n_head == 0, "gpt train", "--n-embd (", model.n_embd,
          ") must be a positive multiple of --n-head (", model.n_head, ")");
    check(model.block_size >= 1, "gpt train", "--block-size must be >= 1, got ", model.block_size);
    check(model.dropout >= 0 && model.dropout < 1, "gpt train", "--dropout must be in [0, 1), got ", model.dropout);
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Mean loss over fixed batches, in eval mode (dropout off) and without a graph.
double mean_loss(GPT& model, const std::vector<Batch>& batches) {
    NoGradGuard no_grad;
    model.eval();
    double sum = 0;
    for (const Batch& b : batches) sum += double(model.forward(b.x, b.y).loss.item());
    model.train();
    return sum / double(batches.size());
}

// Decay the matrices (every weight with 2 or more dims, the tied embedding included, as nanoGPT
// does); leave biases and LayerNorm weights alone: shrinking them toward 0 has no regularising use.
std::vector<nn::ParamGroup> param_groups(const GPT& model, real weight_decay) {
    nn::ParamGroup decay{{}, weight_decay}, no_decay{{}, 0};
    for (auto& [name, p] : model.named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    return {decay, no_decay};
}

std::string fmt_time(double s) {
    char buf[32];
    if (s < 90) std::snprintf(buf, sizeof buf, "%.0fs", s);
    else std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    return buf;
}

bool finite(double x) { return std::isfinite(x); }

// mkdir -p: the output directory and any missing parents
void make_dirs(const std::string& path) {
    for (size_t i = 1; i <= path.size(); i++) {
        if (i < path.size() && path[i] != '/') continue;
        std::string prefix = path.substr(0, i);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
            throw std::runtime_error("gpt train: cannot create output directory " + prefix + ": " + std::strerror(errno));
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("gpt train: --out " + path + " exists and is not a directory");
}

// A run killed in the middle of a save leaves its temporary file behind ("state.safetensors.tmp.<pid>.<n>");
// the real files are intact, so the leftovers are only clutter: remove them when a run starts.
void remove_stale_temp_files(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    for (struct dirent* e; (e = ::readdir(d)) != nullptr;) {
        std::string name = e->d_name;
        for (const char* ours : {"model.safetensors.tmp.", "state.safetensors.tmp.", "log.csv.tmp.", "loss.svg.tmp."})
            if (name.rfind(ours, 0) == 0) ::unlink((dir + "/" + name).c_str());
    }
    ::closedir(d);
}

}  // namespace

TrainResult train(const TrainOptions& opt_in) {
    TrainOptions opt = opt_in;
    opt.validate();
    std::string text = read_text_file(opt.data);
    CharTokenizer tok = CharTokenizer::from_text(text, opt.data);
    Dataset ds(text, tok, opt.data);
    opt.model.vocab_size = tok.vocab_size();
    const int64_t B = opt.batch_size, T = opt.model.block_size;
    for (Split s : {Split::train, Split::val})
        check(int64_t(ds.tokens(s).size()) >= T + 1, "gpt train", "the ", split_name(s), " split of ", opt.data, " has ",
              ds.tokens(s).size(), " tokens, fewer than block_size + 1 = ", T + 1);
    make_dirs(opt.out);
    remove_stale_temp_files(opt.out);

    GPT model(opt.model, opt.seed);
    nn::AdamW optim(param_groups(model, opt.weight_decay), opt.lr, opt.beta1, opt.beta2);
    Rng data_rng(opt.seed, 3);
    std::vector<Batch> eval_train = ds.eval_batches(Split::train, int(B), int(T), int(opt.eval_iters), opt.seed + 1);
    std::vector<Batch> eval_val = ds.eval_batches(Split::val, int(B), int(T), int(opt.eval_iters), opt.seed + 2);
    const std::string model_path = opt.out + "/model.safetensors", state_path = opt.out + "/state.safetensors";

    TrainState st;
    RunLog run_log;
    if (opt.resume) {
        st = load_train_state(state_path, model, tok, optim);
        data_rng.set_state(st.data_rng);
        model.dropout_rng.set_state(st.dropout_rng);
        run_log = read_run_log(opt.out + "/log.csv", st.iter);   // rows from before the resume point
        if (!opt.quiet) std::printf("resuming %s at iteration %lld\n", state_path.c_str(), (long long)st.iter);
    }
    if (!opt.quiet)
        std::printf("gpt train: %lld parameters, vocab %d, %zu train / %zu val tokens, %lld tokens per step\n",
                    (long long)model.num_parameters(), tok.vocab_size(), ds.train.size(), ds.val.size(),
                    (long long)(B * T * opt.grad_accum));

    auto save_state = [&](int64_t iter) {
        st.iter = iter;
        st.data_rng = data_rng.state();
        st.dropout_rng = model.dropout_rng.state();
        save_train_state(state_path, model, tok, optim, st);
    };
    const bool tty = !opt.quiet && ::isatty(STDOUT_FILENO);
    TrainResult res;
    const std::vector<Tensor> params = model.parameters();
    std::deque<double> recent;   // seconds of the latest steps, for tokens/s and the ETA
    const Clock::time_point t0 = Clock::now();

    for (int64_t iter = st.iter;; iter++) {
        bool last = iter == opt.max_iters;
        if ((iter % opt.eval_interval == 0 && !(opt.resume && iter == st.iter)) || last) {
            double tl = mean_loss(model, eval_train), vl = mean_loss(model, eval_val);
            if (!finite(tl) || !finite(vl))
                throw std::runtime_error("gpt train: eval loss is not finite at iteration " + std::to_string(iter) +
                                         "; stopped, the last good checkpoint in " + opt.out + " is untouched");
            res.train_loss = tl;
            res.val_loss = vl;
            run_log.evals.push_back({iter, tl, vl});
            bool best = vl < st.best_val;
            if (best) {
                st.best_val = vl;
                save_model(model_path, model, tok, {{"iter", std::to_string(iter)}});
            }
            // the log first: a log ahead of the state is trimmed on resume, a state ahead of the log
            // would lose the rows in between
            write_run_log(opt.out, run_log);
            save_state(iter);
            if (!opt.quiet)
                std::printf("%sstep %lld: train loss %.4f, val loss %.4f%s\n", tty ? "\r\033[K" : "", (long long)iter,
                            tl, vl, best ? " (best, saved)" : "");
        }
        if (last) break;
        if (g_stop_training.load()) {
            write_run_log(opt.out, run_log);
            save_state(iter);
            res.interrupted = true;
            if (!opt.quiet) std::printf("\ninterrupted: state saved at iteration %lld; continue with --resume\n", (long long)iter);
            break;
        }

        Clock::time_point ts = Clock::now();
        real lr = nn::cosine_lr(iter, opt.lr, opt.min_lr, opt.warmup_iters, opt.lr_decay_iters);
        optim.lr = lr;
        double loss_sum = 0;
        for (int64_t micro = 0; micro < opt.grad_accum; micro++) {
            Batch b = ds.get_batch(Split::train, int(B), int(T), data_rng);
            Tensor loss = model.forward(b.x, b.y).loss;
            loss_sum += double(loss.item());
            // each micro-batch's mean is scaled by 1/grad_accum, so the summed grads are the big batch's mean
            (opt.grad_accum > 1 ? loss * real(1.0 / double(opt.grad_accum)) : loss).backward();
        }
        double loss_val = loss_sum / double(opt.grad_accum);
        real max_norm = opt.grad_clip > 0 ? opt.grad_clip : std::numeric_limits<real>::infinity();
        double norm = nn::clip_grad_norm(params, max_norm);
        if (!finite(loss_val) || !finite(norm))
            throw std::runtime_error("gpt train: " + std::string(!finite(loss_val) ? "loss" : "gradient norm") +
                                     " is not finite at iteration " + std::to_string(iter) + " (lr " + std::to_string(lr) +
                                     "); stopped, the last good checkpoint in " + opt.out + " is untouched");
        optim.step();
        model.zero_grad();
        run_log.steps.push_back({iter, loss_val, double(lr), norm});
        res.iters = iter + 1;

        recent.push_back(seconds_since(ts));
        if (recent.size() > 20) recent.pop_front();
        double avg = 0;
        for (double s : recent) avg += s;
        avg /= double(recent.size());
        double tok_s = double(B * T * opt.grad_accum) / avg;
        if (tty || (!opt.quiet && (iter + 1) % 100 == 0))
            std::printf("%siter %lld/%lld | loss %.4f | lr %.2e | %.0f tok/s | %s elapsed | ETA %s%s", tty ? "\r\033[K" : "",
                        (long long)iter + 1, (long long)opt.max_iters, loss_val, double(lr), tok_s,
                        fmt_time(seconds_since(t0)).c_str(), fmt_time(avg * double(opt.max_iters - iter - 1)).c_str(),
                        tty ? "" : "\n");
        std::fflush(stdout);
    }
    res.iters = std::max(res.iters, st.iter);
    res.best_val = st.best_val;
    res.seconds = seconds_since(t0);
    return res;
}

}  // namespace gs::gpt
