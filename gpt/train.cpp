// The training loop, phase by phase (see train.h): the options' checks, setup (the data, --out, the
// model, a resume), evaluate + checkpoint, the stop, one optimisation step, the progress line, and
// train() that runs them in nanoGPT's order.
#include "gpt/train.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>

#include "autograd/elementwise.h"
#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/memory.h"
#include "gpt/plot.h"
#include "gpt/run_dir.h"
#include "nn/clip.h"
#include "nn/io/crc32.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace gs::gpt {

const TrainOptions& TrainOptions::validated() const {
    const char* op = "gpt train";
    const int64_t int_max = std::numeric_limits<int32_t>::max();   // the batcher's B, T and counts are ints
    auto finite_at_least_zero = [](real x) { return std::isfinite(x) && x >= 0; };
    check(!data.empty(), op, "--data is required");
    check(!out.empty(), op, "--out must not be empty");
    check(!(resume && overwrite), op, "--resume and --overwrite contradict each other");
    check(model.n_layer >= 1, op, "--n-layer must be >= 1, got ", model.n_layer);
    check(model.n_head >= 1, op, "--n-head must be >= 1, got ", model.n_head);
    check(model.n_embd >= 1 && model.n_embd % model.n_head == 0, op, "--n-embd (", model.n_embd,
          ") must be a positive multiple of --n-head (", model.n_head, ")");
    check(model.block_size >= 1 && model.block_size <= int_max, op, "--block-size must be in [1, ", int_max, "], got ",
          model.block_size);
    check(model.dropout >= 0 && model.dropout < 1, op, "--dropout must be in [0, 1), got ", model.dropout);
    check(batch_size >= 1 && batch_size <= int_max, op, "--batch-size must be in [1, ", int_max, "], got ", batch_size);
    check(grad_accum >= 1, op, "--grad-accum must be >= 1, got ", grad_accum);
    int64_t tokens;
    check(!__builtin_mul_overflow(batch_size * model.block_size, grad_accum, &tokens), op,
          "--batch-size x --block-size x --grad-accum (", batch_size, " x ", model.block_size, " x ", grad_accum,
          ") tokens per step overflows int64");
    check(max_iters >= 0, op, "--max-iters must be >= 0, got ", max_iters);
    check(finite_at_least_zero(lr), op, "--lr must be a finite number >= 0, got ", lr);
    check(finite_at_least_zero(min_lr) && min_lr <= lr, op, "--min-lr must be a finite number in [0, --lr = ", lr,
          "], got ", min_lr);
    check(warmup_iters >= 0, op, "--warmup-iters must be >= 0, got ", warmup_iters);
    check(lr_decay_iters >= warmup_iters, op, "--lr-decay-iters (", lr_decay_iters, ") must be >= --warmup-iters (",
          warmup_iters, ")");
    check(finite_at_least_zero(weight_decay), op, "--weight-decay must be a finite number >= 0, got ", weight_decay);
    check(beta1 >= 0 && beta1 < 1, op, "--beta1 must be in [0, 1), got ", beta1);
    check(beta2 >= 0 && beta2 < 1, op, "--beta2 must be in [0, 1), got ", beta2);
    check(finite_at_least_zero(grad_clip), op, "--grad-clip must be a finite number >= 0 (0 turns it off), got ",
          grad_clip);
    check(eval_interval >= 1, op, "--eval-interval must be >= 1, got ", eval_interval);
    check(eval_iters >= 1 && eval_iters <= int_max, op, "--eval-iters must be in [1, ", int_max, "], got ", eval_iters);
    return *this;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- setup ----

// The data file, tokenized and split, and its fingerprint for the state.
struct Corpus {
    CharTokenizer tok;
    Dataset ds;
    int64_t bytes;
    uint32_t crc32;
};

Corpus read_corpus(const TrainOptions& opt) {
    std::string text = read_text_file(opt.data);
    CharTokenizer tok = CharTokenizer::from_text(text, opt.data);
    Dataset ds(text, tok, opt.data);
    const int64_t T = opt.model.block_size;
    for (Split s : {Split::train, Split::val})
        check(int64_t(ds.tokens(s).size()) >= T + 1, "gpt train", "the ", split_name(s), " split of ", opt.data, " has ",
              ds.tokens(s).size(), " tokens, fewer than block_size + 1 = ", T + 1);
    return Corpus{tok, std::move(ds), int64_t(text.size()), io::crc32(text)};
}

// What the state records about the run, to refuse resuming a different one.
RunSettings settings_of(const TrainOptions& o, const Corpus& c) {
    RunSettings s;
    s.seed = o.seed, s.batch_size = o.batch_size, s.grad_accum = o.grad_accum;
    s.data = o.data, s.data_bytes = c.bytes, s.data_crc32 = c.crc32;
    s.lr = o.lr, s.min_lr = o.min_lr, s.warmup_iters = o.warmup_iters, s.lr_decay_iters = o.lr_decay_iters;
    s.weight_decay = o.weight_decay, s.beta1 = o.beta1, s.beta2 = o.beta2, s.grad_clip = o.grad_clip;
    return s;
}

// Creates and locks --out, then refuses an earlier run there unless --resume or --overwrite says what
// to do with it, and a directory that cannot be written. Nothing of a run is written yet.
std::unique_ptr<RunLock> take_out_dir(const TrainOptions& opt) {
    const std::string state = opt.out + "/state.safetensors";
    if (opt.resume && ::access(state.c_str(), F_OK) != 0)
        throw std::runtime_error("gpt train: --resume: there is no " + state + " to continue");
    make_dirs(opt.out);
    auto lock = std::make_unique<RunLock>(opt.out);
    std::vector<std::string> found = run_files(opt.out);
    if (!opt.resume && !opt.overwrite && !found.empty()) {
        std::string names;
        for (const std::string& f : found) names += (names.empty() ? "" : ", ") + f;
        throw std::runtime_error("gpt train: " + opt.out + " already holds a run (" + names +
                                 "): continue it with --resume, choose a new --out, or replace it with --overwrite");
    }
    check_writable(opt.out);
    return lock;
}

// Decay the matrices (every weight with 2 or more dims, the tied embedding included, as nanoGPT
// does); leave biases and LayerNorm weights alone: shrinking them toward 0 has no regularising use.
std::vector<nn::ParamGroup> param_groups(const GPT& model, real weight_decay) {
    nn::ParamGroup decay{{}, weight_decay}, no_decay{{}, 0};
    for (auto& [name, p] : model.named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    return {decay, no_decay};
}

// Everything a run holds from one phase to the next.
struct Run {
    TrainOptions opt;
    Corpus corpus;
    std::unique_ptr<RunLock> lock;
    GPT model;
    nn::AdamW optim;
    Rng data_rng;
    std::vector<Batch> eval_train, eval_val;   // fixed batches, so evals at different steps compare
    std::string model_path, state_path;
    TrainState st;
    RunLog log;

    Run(const TrainOptions& o, Corpus c)
        : opt(o), corpus(std::move(c)), lock(take_out_dir(opt)), model(opt.model, opt.seed),
          optim(param_groups(model, opt.weight_decay), opt.lr, opt.beta1, opt.beta2), data_rng(opt.seed, 3),
          eval_train(batches(Split::train, opt.seed + 1)), eval_val(batches(Split::val, opt.seed + 2)),
          model_path(opt.out + "/model.safetensors"), state_path(opt.out + "/state.safetensors") {
        st.run = settings_of(opt, corpus);
    }
    std::vector<Batch> batches(Split s, uint64_t seed) const {
        return corpus.ds.eval_batches(s, int(opt.batch_size), int(opt.model.block_size), int(opt.eval_iters), seed);
    }
    bool say() const { return !opt.quiet; }
};

// ---- resuming ----

std::string fingerprint(const std::string& path, int64_t bytes, uint32_t crc) {
    return path + " (" + std::to_string(bytes) + " bytes, CRC-32 " + io::crc32_hex(crc) + ")";
}

// A resume must continue the same run: the batches depend on the seed, the batch size and the data,
// so a change there is refused. The schedule and the optimizer's settings may change, with a note.
void check_same_run(const Run& run, const RunSettings& was) {
    const RunSettings& now = run.st.run;
    auto refuse = [&](const std::string& flag, const std::string& then, const std::string& given) {
        throw std::runtime_error("gpt train: --resume: the run in " + run.opt.out + " was started with " + flag + " " +
                                 then + ", not " + given + "; resume with the same, or start a new run");
    };
    if (now.seed != was.seed) refuse("--seed", std::to_string(was.seed), std::to_string(now.seed));
    if (now.batch_size != was.batch_size)
        refuse("--batch-size", std::to_string(was.batch_size), std::to_string(now.batch_size));
    if (now.grad_accum != was.grad_accum)
        refuse("--grad-accum", std::to_string(was.grad_accum), std::to_string(now.grad_accum));
    if (now.data_bytes != was.data_bytes || now.data_crc32 != was.data_crc32)
        refuse("--data", fingerprint(was.data, was.data_bytes, was.data_crc32),
               fingerprint(now.data, now.data_bytes, now.data_crc32));
    if (!run.say()) return;
    if (now.data != was.data) std::printf("note: --data %s holds the same text as %s\n", now.data.c_str(), was.data.c_str());
    auto note = [](const char* flag, double then, double given) {
        if (then != given) std::printf("note: %s changed from %g to %g for the rest of the run\n", flag, then, given);
    };
    note("--lr", was.lr, now.lr);
    note("--min-lr", was.min_lr, now.min_lr);
    note("--warmup-iters", double(was.warmup_iters), double(now.warmup_iters));
    note("--lr-decay-iters", double(was.lr_decay_iters), double(now.lr_decay_iters));
    note("--weight-decay", was.weight_decay, now.weight_decay);
    note("--beta1", was.beta1, now.beta1);
    note("--beta2", was.beta2, now.beta2);
    note("--grad-clip", was.grad_clip, now.grad_clip);
}

// Loads the state and checks everything else the run left before any of it is overwritten: the best
// model (its checksum, and that it is this run's model) and the log (present and as far as the state).
void resume(Run& run) {
    RunSettings now = run.st.run;
    run.st = load_train_state(run.state_path, run.model, run.corpus.tok, run.optim);
    RunSettings was = run.st.run;
    run.st.run = now;
    check_same_run(run, was);
    run.data_rng.set_state(run.st.data_rng);
    run.model.dropout_rng.set_state(run.st.dropout_rng);
    LoadedModel best = load_model(run.model_path);
    if (config_metadata(best.model->config) != config_metadata(run.model.config) ||
        best.tok.to_string() != run.corpus.tok.to_string())
        throw std::runtime_error("gpt train: --resume: " + run.model_path + " holds another model than " + run.state_path);
    const std::string log_path = run.opt.out + "/log.csv";
    if (::access(log_path.c_str(), F_OK) != 0)
        throw std::runtime_error("gpt train: --resume: " + log_path + " is missing, so the run's history would restart at "
                                 "iteration " + std::to_string(run.st.iter) + "; restore it, or start over with --overwrite");
    run.log = read_run_log(log_path, run.st.iter);   // rows from before the resume point
}

// ---- the loop's phases ----

// Mean loss over fixed batches, in eval mode (dropout off, so no random draws) and without a graph.
double mean_loss(GPT& model, const std::vector<Batch>& batches) {
    NoGradGuard no_grad;
    model.eval();
    double sum = 0;
    for (const Batch& b : batches) sum += double(model.forward(b.x, b.y).loss.item());
    model.train();
    return sum / double(batches.size());
}

void save_state(Run& run, int64_t iter) {
    run.st.iter = iter;
    run.st.data_rng = run.data_rng.state();
    run.st.dropout_rng = run.model.dropout_rng.state();
    save_train_state(run.state_path, run.model, run.corpus.tok, run.optim, run.st);
}

[[noreturn]] void not_finite(const Run& run, const std::string& what, int64_t iter, const std::string& saving) {
    throw std::runtime_error("gpt train: " + what + " is not finite at iteration " + std::to_string(iter) + "; stopped" +
                             saving + ", the last good checkpoint in " + run.opt.out + " is untouched");
}

// Whether training can go on from these weights: all finite, and one fixed batch gives a finite loss
// and gradient. Weights blown up to 1e30 can still give a finite loss (LayerNorm divides the overflow
// away) while their gradient is not, so this is the check a step makes, made before every save. Eval
// mode: dropout draws nothing, so the run's random streams are untouched.
bool weights_usable(Run& run) {
    for (const Tensor& p : run.model.parameters())
        for (int64_t i = 0; i < p.numel(); i++)
            if (!std::isfinite(p.data()[i])) return false;
    run.model.eval();
    const Batch& b = run.eval_train.front();
    Tensor loss = run.model.forward(b.x, b.y).loss;
    loss.backward();
    double norm = nn::clip_grad_norm(run.model.parameters(), std::numeric_limits<real>::infinity());
    run.model.zero_grad();
    run.model.train();
    return std::isfinite(loss.item()) && std::isfinite(norm);
}

// The mean train and val loss; the best model if val improved; the log; the state.
EvalRow evaluate_and_checkpoint(Run& run, int64_t iter, bool tty) {
    double tl = mean_loss(run.model, run.eval_train), vl = mean_loss(run.model, run.eval_val);
    if (!std::isfinite(tl) || !std::isfinite(vl)) not_finite(run, "eval loss", iter, "");
    if (!weights_usable(run)) not_finite(run, "the gradient", iter, "");
    run.log.evals.push_back({iter, tl, vl});
    bool best = vl < run.st.best_val;
    if (best) {
        run.st.best_val = vl;
        save_model(run.model_path, run.model, run.corpus.tok, {{"iter", std::to_string(iter)}});
    }
    // the log first: a log ahead of the state is trimmed on resume, a state ahead of the log would lose
    // the rows in between
    write_run_log(run.opt.out, run.log);
    save_state(run, iter);
    if (run.say()) {
        std::printf("%sstep %lld: train loss %.4f, val loss %.4f%s\n", tty ? "\r\033[K" : "", (long long)iter, tl, vl,
                    best ? " (best, saved)" : "");
        std::fflush(stdout);
    }
    return {iter, tl, vl};
}

// A stop comes between steps, so the weights are those of a step no eval has seen: one that diverged
// must not become the state every resume starts from.
void save_on_stop(Run& run, int64_t iter) {
    if (!weights_usable(run)) not_finite(run, "the loss or gradient after the last step", iter, " without saving the state");
    write_run_log(run.opt.out, run.log);
    save_state(run, iter);
    if (run.say()) std::printf("\ninterrupted: state saved at iteration %lld; continue with --resume\n", (long long)iter);
}

// lr from the schedule; the mean loss of grad_accum micro-batches; backward; clip; AdamW; zero grads.
StepRow optimisation_step(Run& run, int64_t iter) {
    const TrainOptions& o = run.opt;
    real lr = nn::cosine_lr(iter, o.lr, o.min_lr, o.warmup_iters, o.lr_decay_iters);
    run.optim.lr = lr;
    double loss_sum = 0;
    for (int64_t micro = 0; micro < o.grad_accum; micro++) {
        Batch b = run.corpus.ds.get_batch(Split::train, int(o.batch_size), int(o.model.block_size), run.data_rng);
        Tensor loss = run.model.forward(b.x, b.y).loss;
        loss_sum += double(loss.item());
        // each micro-batch's mean is scaled by 1/grad_accum, so the summed grads are the big batch's mean
        (o.grad_accum > 1 ? loss * real(1.0 / double(o.grad_accum)) : loss).backward();
    }
    double loss = loss_sum / double(o.grad_accum);
    real max_norm = o.grad_clip > 0 ? o.grad_clip : std::numeric_limits<real>::infinity();
    double norm = nn::clip_grad_norm(run.model.parameters(), max_norm);
    if (!std::isfinite(loss)) not_finite(run, "loss", iter, "");
    if (!std::isfinite(norm)) not_finite(run, "gradient norm", iter, "");
    run.optim.step();
    run.model.zero_grad();
    return {iter, loss, double(lr), norm};
}

// The live progress line: iteration, loss, lr, tokens/s and the ETA from the latest steps' times.
struct Progress {
    bool tty, quiet;
    int64_t max_iters, tokens_per_step;
    Clock::time_point t0 = Clock::now();
    std::deque<double> recent = {};   // seconds of the latest steps

    void step(const StepRow& r, double seconds) {
        recent.push_back(seconds);
        if (recent.size() > 20) recent.pop_front();
        double avg = 0;
        for (double s : recent) avg += s;
        avg /= double(recent.size());
        if (!tty && (quiet || (r.iter + 1) % 100 != 0)) return;
        std::printf("%siter %lld/%lld | loss %.4f | lr %.2e | %.0f tok/s | %s elapsed | ETA %s%s", tty ? "\r\033[K" : "",
                    (long long)r.iter + 1, (long long)max_iters, r.loss, r.lr, double(tokens_per_step) / avg,
                    time_str(seconds_since(t0)).c_str(), time_str(avg * double(max_iters - r.iter - 1)).c_str(),
                    tty ? "" : "\n");
        std::fflush(stdout);
    }
    static std::string time_str(double s) {
        char buf[32];
        if (s < 90) std::snprintf(buf, sizeof buf, "%.0fs", s);
        else std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
        return buf;
    }
};

// Reads and checks everything, then builds the run; only after every check has passed does it touch
// --out's files (--overwrite's removals, the sweep of stale temp files).
std::unique_ptr<Run> set_up(const TrainOptions& options) {
    TrainOptions opt = options.validated();
    Corpus corpus = read_corpus(opt);
    opt.model.vocab_size = corpus.tok.vocab_size();
    MemoryEstimate need = training_memory(opt.model, opt.batch_size, opt.eval_iters, corpus.bytes);
    check_fits_in_memory(need, "gpt train", "this run", "use a smaller model (--n-layer, --n-embd), --batch-size or --block-size");
    auto run = std::make_unique<Run>(opt, std::move(corpus));
    if (opt.resume) resume(*run);
    if (opt.overwrite)   // the earlier run's files go only now, with every check passed
        for (const char* f : {"state.safetensors", "log.csv", "model.safetensors", "loss.svg"}) ::unlink((opt.out + "/" + f).c_str());
    remove_stale_temp_files(opt.out);
    if (run->say()) {
        if (opt.resume) std::printf("resuming %s at iteration %lld\n", run->state_path.c_str(), (long long)run->st.iter);
        std::printf("gpt train: %lld parameters, vocab %d, %zu train / %zu val tokens, %lld tokens per step, %s of memory\n",
                    (long long)run->model.num_parameters(), run->corpus.tok.vocab_size(), run->corpus.ds.train.size(),
                    run->corpus.ds.val.size(), (long long)(opt.batch_size * opt.model.block_size * opt.grad_accum),
                    need.str().c_str());
    }
    return run;
}

}  // namespace

TrainResult train(const TrainOptions& options, const std::atomic<bool>* stop) {
    std::unique_ptr<Run> run_ptr = set_up(options);
    Run& run = *run_ptr;
    const TrainOptions& opt = run.opt;
    const int64_t start = run.st.iter;
    TrainResult res;
    res.iters = start;
    if (!run.log.evals.empty()) res.train_loss = run.log.evals.back().train, res.val_loss = run.log.evals.back().val;
    if (opt.resume && start >= opt.max_iters) {   // nothing left to run: say so and touch nothing
        if (run.say())
            std::printf("the run in %s is already at iteration %lld of --max-iters %lld: nothing to do\n", opt.out.c_str(),
                        (long long)start, (long long)opt.max_iters);
        res.already_done = true;
    }
    const bool tty = run.say() && ::isatty(STDOUT_FILENO);
    Progress progress{tty, opt.quiet, opt.max_iters, opt.batch_size * opt.model.block_size * opt.grad_accum};
    for (int64_t iter = start; !res.already_done; iter++) {
        const bool last = iter == opt.max_iters;
        if ((iter % opt.eval_interval == 0 && !(opt.resume && iter == start)) || last) {
            EvalRow e = evaluate_and_checkpoint(run, iter, tty);
            res.train_loss = e.train, res.val_loss = e.val;
        }
        if (last) break;
        if (stop && stop->load()) {
            save_on_stop(run, iter);
            res.interrupted = true;
            break;
        }
        Clock::time_point t = Clock::now();
        StepRow row = optimisation_step(run, iter);
        run.log.steps.push_back(row);
        res.iters = iter + 1;
        progress.step(row, seconds_since(t));
    }
    res.best_val = run.st.best_val;
    res.seconds = seconds_since(progress.t0);
    return res;
}

}  // namespace gs::gpt
