// The `gpt` program: train a character-level GPT, sample from it, evaluate it.
//   gpt train  --data FILE [--out DIR] [model and optimiser flags]
//   gpt sample --ckpt DIR [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--top-p P]
//   gpt eval   --ckpt DIR --data FILE [--split all|train|val]
// Every error is one line on stderr and a non-zero exit status.
#include "autograd/omp.h"
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/sample.h"
#include "gpt/train.h"

using namespace gs;

namespace {

// ---- flags ----

struct Flag {
    const char* name;   // "--lr"
    const char* help;
    std::variant<int64_t*, uint64_t*, real*, std::string*, bool*> target;   // bool: a switch, no value
};

struct Command {
    const char* name;
    const char* usage;
    std::vector<Flag> flags;
};

[[noreturn]] void usage_error(const Command& cmd, const std::string& msg) {
    throw std::invalid_argument(std::string("gpt ") + cmd.name + ": " + msg + " (see gpt " + cmd.name + " --help)");
}

void print_help(const Command& cmd) {
    std::printf("usage: gpt %s %s\n\n", cmd.name, cmd.usage);
    for (const Flag& f : cmd.flags) std::printf("  %-18s %s\n", f.name, f.help);
    std::printf("  %-18s %s\n", "--help", "show this help");
}

template <typename T> T parse_number(const Command& cmd, const char* flag, const std::string& s) {
    char* end = nullptr;
    errno = 0;
    T v;
    if constexpr (std::is_same_v<T, real>) v = real(std::strtod(s.c_str(), &end));
    else if constexpr (std::is_same_v<T, uint64_t>) v = std::strtoull(s.c_str(), &end, 10);
    else v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno == ERANGE || (std::is_same_v<T, uint64_t> && s[0] == '-'))
        usage_error(cmd, std::string(flag) + " expects " + (std::is_same_v<T, real> ? "a number" : "an integer") +
                             ", got '" + s + "'");
    return v;
}

// Returns false if --help was asked for (and printed).
bool parse_flags(const Command& cmd, int argc, char** argv) {
    for (int i = 0; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help(cmd);
            return false;
        }
        const Flag* flag = nullptr;
        for (const Flag& f : cmd.flags)
            if (arg == f.name) flag = &f;
        if (!flag) usage_error(cmd, "unknown flag '" + arg + "'");
        if (auto b = std::get_if<bool*>(&flag->target)) {
            **b = true;
            continue;
        }
        if (i + 1 >= argc) usage_error(cmd, arg + " needs a value");
        std::string value = argv[++i];
        std::visit(
            [&](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                if constexpr (std::is_same_v<T, std::string>) *p = value;
                else if constexpr (!std::is_same_v<T, bool>) *p = parse_number<T>(cmd, flag->name, value);
            },
            flag->target);
    }
    return true;
}

void set_threads(const Command& cmd, int64_t threads) {
    if (threads < 0) usage_error(cmd, "--threads must be >= 1, got " + std::to_string(threads));
    if (threads > 0) omp_set_num_threads(int(threads));
}

// ---- subcommands ----

void on_sigint(int) { g_stop_training.store(true); std::signal(SIGINT, SIG_DFL); }   // a second Ctrl-C kills

int cmd_train(int argc, char** argv) {
    TrainOptions o;
    bool bias = false, no_bias = false;
    int64_t threads = 0;
    Command cmd{"train", "--data FILE [--out DIR] [flags]   (defaults: nanoGPT's CPU Shakespeare run)", {
        {"--data", "UTF-8 text file to train on (required)", &o.data},
        {"--out", "output directory (default out)", &o.out},
        {"--n-layer", "transformer blocks (default 4)", &o.model.n_layer},
        {"--n-head", "attention heads (default 4)", &o.model.n_head},
        {"--n-embd", "embedding width, a multiple of n-head (default 128)", &o.model.n_embd},
        {"--block-size", "context length (default 64)", &o.model.block_size},
        {"--batch-size", "sequences per micro-batch (default 12)", &o.batch_size},
        {"--grad-accum", "micro-batches per step (default 1)", &o.grad_accum},
        {"--max-iters", "training steps (default 2000)", &o.max_iters},
        {"--lr", "peak learning rate (default 1e-3)", &o.lr},
        {"--min-lr", "learning rate at the end of the decay (default 1e-4)", &o.min_lr},
        {"--warmup-iters", "linear warmup steps (default 100)", &o.warmup_iters},
        {"--lr-decay-iters", "cosine decay ends here (default 2000)", &o.lr_decay_iters},
        {"--weight-decay", "AdamW decoupled weight decay on matrices (default 0.1)", &o.weight_decay},
        {"--beta2", "AdamW beta2 (default 0.99)", &o.beta2},
        {"--grad-clip", "clip the global grad norm to this, 0 = off (default 1.0)", &o.grad_clip},
        {"--dropout", "dropout probability (default 0)", &o.model.dropout},
        {"--bias", "use biases in Linear and LayerNorm layers (default off)", &bias},
        {"--no-bias", "no biases (the default)", &no_bias},
        {"--eval-interval", "evaluate and checkpoint every N steps (default 250)", &o.eval_interval},
        {"--eval-iters", "batches per split at each evaluation (default 20)", &o.eval_iters},
        {"--seed", "random seed (default 1337)", &o.seed},
        {"--threads", "OpenMP threads (default: OMP_NUM_THREADS or every core)", &threads},
        {"--resume", "continue the run saved in --out", &o.resume},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (bias && no_bias) usage_error(cmd, "--bias and --no-bias contradict each other");
    o.model.bias = bias;
    set_threads(cmd, threads);
    std::signal(SIGINT, on_sigint);
    TrainResult r = train(o);
    if (r.interrupted) return 130;
    std::printf("\ndone: %lld iterations in %.1f s on %d threads; train loss %.4f, val loss %.4f (best %.4f)\n",
                (long long)r.iters, r.seconds, omp_get_max_threads(), r.train_loss, r.val_loss, r.best_val);
    std::printf("model: %s/model.safetensors   sample: build/gpt sample --ckpt %s\n", o.out.c_str(), o.out.c_str());
    return 0;
}

int cmd_sample(int argc, char** argv) {
    std::string ckpt, prompt = "\n";
    int64_t tokens = 500, threads = 0, top_k = 0;
    uint64_t seed = 1337;
    bool no_cache = false;
    SampleOptions so;
    so.temperature = real(0.8);
    Command cmd{"sample", "--ckpt DIR [flags]", {
        {"--ckpt", "directory holding model.safetensors (required)", &ckpt},
        {"--prompt", "text to continue (default a newline)", &prompt},
        {"--tokens", "characters to generate (default 500)", &tokens},
        {"--temperature", "divide logits by this; 0 = always the likeliest (default 0.8)", &so.temperature},
        {"--top-k", "sample among the k likeliest only, 0 = off (default 0)", &top_k},
        {"--top-p", "sample among the likeliest whose probability sums to p, in (0, 1] (default 1)", &so.top_p},
        {"--seed", "random seed (default 1337)", &seed},
        {"--no-kv-cache", "recompute the whole context for every token", &no_cache},
        {"--threads", "OpenMP threads", &threads},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (ckpt.empty()) usage_error(cmd, "--ckpt is required");
    if (tokens < 0) usage_error(cmd, "--tokens must be >= 0, got " + std::to_string(tokens));
    if (top_k < 0) usage_error(cmd, "--top-k must be >= 0, got " + std::to_string(top_k));
    so.top_k = int(top_k);
    so.validated();
    set_threads(cmd, threads);
    LoadedModel m = load_model(ckpt + "/model.safetensors");
    std::vector<int32_t> ids = m.tok.encode(prompt, "prompt");
    m.model->eval();
    Rng rng(seed);
    std::fputs(prompt.c_str(), stdout);
    generate(*m.model, ids, tokens, so, rng, !no_cache, [&](int32_t id) {
        std::fputs(m.tok.decode({id}).c_str(), stdout);
        std::fflush(stdout);
    });
    std::fputs("\n", stdout);
    return 0;
}

int cmd_eval(int argc, char** argv) {
    std::string ckpt, data, split = "all";
    int64_t batch = 32, threads = 0;
    Command cmd{"eval", "--ckpt DIR --data FILE [--split all|train|val]", {
        {"--ckpt", "directory holding model.safetensors (required)", &ckpt},
        {"--data", "UTF-8 text file (required)", &data},
        {"--split", "all: the whole file; train: its first 90%; val: its last 10% (default all)", &split},
        {"--batch-size", "windows per forward pass (default 32)", &batch},
        {"--threads", "OpenMP threads", &threads},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (ckpt.empty() || data.empty()) usage_error(cmd, "--ckpt and --data are required");
    if (split != "all" && split != "train" && split != "val") usage_error(cmd, "--split must be all, train or val, got '" + split + "'");
    if (batch < 1) usage_error(cmd, "--batch-size must be >= 1, got " + std::to_string(batch));
    set_threads(cmd, threads);
    LoadedModel m = load_model(ckpt + "/model.safetensors");
    std::vector<int32_t> tokens = m.tok.encode(read_text_file(data), data);
    if (split != "all") {
        Dataset ds(tokens);
        tokens = ds.tokens(split == "train" ? Split::train : Split::val);
    }
    int T = int(m.model->config.block_size);
    NoGradGuard no_grad;
    m.model->eval();
    double sum = 0;
    int64_t count = 0;
    for (const Batch& b : sequential_windows(tokens, T, int(batch))) {
        int64_t n = b.y.numel();
        sum += double(m.model->forward(b.x, b.y).loss.item()) * double(n);   // mean over the batch -> sum
        count += n;
    }
    std::printf("%s (%s): mean cross-entropy %.4f nats over %lld predictions (%lld windows of %d)\n", data.c_str(),
                split.c_str(), sum / double(count), (long long)count, (long long)(count / T), T);
    return 0;
}

void print_usage() {
    std::printf(
        "usage: gpt <command> [flags]\n\n"
        "  train   train a character-level GPT on a text file\n"
        "  sample  generate text from a trained model\n"
        "  eval    mean cross-entropy of a trained model on a text file\n\n"
        "gpt <command> --help lists a command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        print_usage();
        return argc < 2 ? 2 : 0;
    }
    std::string cmd = argv[1];
    try {
        if (cmd == "train") return cmd_train(argc - 2, argv + 2);
        if (cmd == "sample") return cmd_sample(argc - 2, argv + 2);
        if (cmd == "eval") return cmd_eval(argc - 2, argv + 2);
        std::fprintf(stderr, "gpt: unknown command '%s' (expected train, sample or eval)\n", cmd.c_str());
        return 2;
    } catch (const std::exception& e) {
        if (isatty(STDOUT_FILENO)) std::fputs("\n", stdout);   // end a progress line first
        std::fflush(stdout);
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
