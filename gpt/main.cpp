// The `gpt` program: train a GPT, sample from it, evaluate it, export it, train a BPE tokenizer for it.
//   gpt train  --data FILE [--out DIR] [--tokenizer DIR | --init-from DIR] [model and optimiser flags]
//   gpt sample --ckpt DIR [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--top-p P]
//   gpt eval   --ckpt DIR --data FILE [--split all|train|val]
//   gpt export --format hf --ckpt DIR --out DIR2
//   gpt tokenizer train --data FILE --vocab-size N --out DIR [--overwrite]
// --ckpt is a run's output directory or a Hugging Face GPT-2 directory (config.json, model.safetensors
// and the tokenizer files; gpt/hf.h).
// Every error is one line on stderr and exit status 1. SIGINT, SIGTERM and SIGHUP stop training after
// saving its state (exit status 128 + the signal's number); a second one kills at once.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "autograd/omp.h"
#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/hf.h"
#include "gpt/memory.h"
#include "gpt/sample.h"
#include "gpt/tokenizer_train.h"
#include "gpt/train.h"
#include "nn/io/json.h"
#include "nn/io/utf8.h"

using namespace gs;
using namespace gs::gpt;

namespace {

// The program as it was started (argv[0], e.g. build/gpt), for the commands that the messages suggest next.
std::string g_program = "gpt";

// ---- flags ----

struct Flag {
    const char* name;   // "--lr"
    const char* help;
    std::variant<int64_t*, uint64_t*, real*, std::string*, bool*> target;   // bool: a switch, no value
    const char* default_text = nullptr;   // shown instead of the target's initial value
};

struct Command {
    const char* name;
    const char* usage;
    std::vector<Flag> flags;
    std::set<std::string> given = {};   // the flags on the command line, filled by parse_flags
};

[[noreturn]] void usage_error(const Command& cmd, const std::string& msg) {
    throw std::invalid_argument(std::string("gpt ") + cmd.name + ": " + msg + " (see gpt " + cmd.name + " --help)");
}

std::string number_str(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

// " (default 12)", from the value the target holds before parsing: the option structs' initial values.
std::string default_of(const Flag& f) {
    if (f.default_text) return std::string(" (default ") + f.default_text + ")";
    return std::visit(
        [](auto* p) -> std::string {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, bool>) return "";
            else if constexpr (std::is_same_v<T, std::string>) return p->empty() ? "" : " (default " + *p + ")";
            else if constexpr (std::is_same_v<T, real>) return " (default " + number_str(double(*p)) + ")";
            else return " (default " + std::to_string(*p) + ")";
        },
        f.target);
}

// Integers are digits with an optional '-': no spaces, no '+', no "1e3", within 64 bits. Numbers are
// finite decimals. Ranges are checked by each command, which knows what it can hold.
template <typename T> T parse_number(const Command& cmd, const char* flag, const std::string& s) {
    constexpr bool is_real = std::is_same_v<T, real>, is_unsigned = std::is_same_v<T, uint64_t>;
    auto bad = [&](const char* what) {
        usage_error(cmd, std::string(flag) + " expects " + what + ", got '" + s + "'");
    };
    const char* want = is_real ? "a finite number" : is_unsigned ? "an integer >= 0" : "an integer";
    const char* allowed = is_real ? "0123456789+-.eE" : is_unsigned ? "0123456789" : "0123456789-";
    if (s.empty() || s.find_first_not_of(allowed) != std::string::npos) bad(want);
    char* end = nullptr;
    errno = 0;
    T v;
    if constexpr (is_real) v = real(std::strtod(s.c_str(), &end));
    else if constexpr (is_unsigned) v = std::strtoull(s.c_str(), &end, 10);
    else v = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0') bad(want);
    if (errno == ERANGE || (is_real && !std::isfinite(double(v)))) bad(is_real ? "a finite number" : "an integer within 64 bits");
    return v;
}

// Returns false if --help was asked for (and printed, with every flag's default).
bool parse_flags(Command& cmd, int argc, char** argv) {
    std::vector<std::string> defaults;
    for (const Flag& f : cmd.flags) defaults.push_back(default_of(f));
    for (int i = 0; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::printf("usage: gpt %s %s\n\n", cmd.name, cmd.usage);
            for (size_t k = 0; k < cmd.flags.size(); k++)
                std::printf("  %-18s %s%s\n", cmd.flags[k].name, cmd.flags[k].help, defaults[k].c_str());
            std::printf("  %-18s %s\n", "--help", "show this help");
            return false;
        }
        const Flag* flag = nullptr;
        for (const Flag& f : cmd.flags)
            if (arg == f.name) flag = &f;
        if (!flag) usage_error(cmd, "unknown flag '" + arg + "'");
        cmd.given.insert(flag->name);
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

// ---- resources ----

const char* kThreadsHelp = "OpenMP threads, at most 4 per hardware thread";
const char* kThreadsDefault = "OMP_NUM_THREADS, or one per core";

// OpenMP makes as many threads as it is told; far past the cores that is only overhead, and at 100000
// the runtime crashes. So at most 4 per hardware thread.
void set_threads(const Command& cmd, int64_t threads) {
    const int64_t max = 4 * int64_t(std::max(1u, std::thread::hardware_concurrency()));
    if (cmd.given.count("--threads")) {
        if (threads < 1 || threads > max)
            usage_error(cmd, "--threads must be in [1, " + std::to_string(max) + "] (4 per hardware thread), got " +
                                 std::to_string(threads));
        omp_set_num_threads(int(threads));
    } else if (omp_get_max_threads() > max) {
        usage_error(cmd, "OMP_NUM_THREADS asks for " + std::to_string(omp_get_max_threads()) + " threads, more than " +
                             std::to_string(max) + " (4 per hardware thread); set it lower or pass --threads");
    }
}

// Standard output is the product of sample and eval: a write that fails (a full disk, a closed stdout)
// is an error, not a silent exit 0. fwrite, not fputs: a generated U+0000 is a character like any other.
void write_stdout(const std::string& s, const Command& cmd) {
    if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size() || std::fflush(stdout) != 0)
        throw std::runtime_error(std::string("gpt ") + cmd.name + ": cannot write to standard output: " + std::strerror(errno));
}

// ---- subcommands ----

// The flag train() reads between steps. It lives here, not in the library: the program owns its signals.
std::atomic<bool> g_stop{false};
volatile sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) {
    g_stop_signal = sig;
    g_stop.store(true);   // lock-free, so safe in a handler; SA_RESETHAND makes a second signal kill
}

void catch_stop_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
    // a closed terminal or reader must not kill the run halfway through saving: writes just fail
    ::signal(SIGPIPE, SIG_IGN);
}

// --init-from: the model's shape is the directory's; a model flag that says otherwise is refused, not
// silently overridden. --dropout stays the run's choice.
void take_model_config(const Command& cmd, TrainOptions& o) {
    GPTConfig from = model_dir_config(o.init_from);
    auto refuse = [&](const char* flag, const std::string& given, const std::string& has) {
        usage_error(cmd, std::string(flag) + " " + given + " conflicts with --init-from " + o.init_from + ", whose model has " +
                             has + ": the model's shape comes from --init-from; drop the flag");
    };
    auto same = [&](const char* flag, int64_t given, int64_t has, const char* key) {
        if (cmd.given.count(flag) && given != has) refuse(flag, std::to_string(given), std::string(key) + " " + std::to_string(has));
    };
    same("--n-layer", o.model.n_layer, from.n_layer, "n_layer");
    same("--n-head", o.model.n_head, from.n_head, "n_head");
    same("--n-embd", o.model.n_embd, from.n_embd, "n_embd");
    same("--block-size", o.model.block_size, from.block_size, "block_size");
    if ((cmd.given.count("--bias") || cmd.given.count("--no-bias")) && o.model.bias != from.bias)
        refuse(o.model.bias ? "--bias" : "--no-bias", "", from.bias ? "biases" : "no biases");
    from.dropout = o.model.dropout;
    o.model = from;
}

int cmd_train(int argc, char** argv) {
    TrainOptions o;
    bool bias = o.model.bias, no_bias = false;
    int64_t threads = 0;
    const std::string data_help = "UTF-8 text file to train on, a regular file of at most " +
                                  std::to_string(kMaxTextBytes >> 20) + " MiB (required)";
    Command cmd{"train", "--data FILE [--out DIR] [flags]   (defaults: nanoGPT's CPU Shakespeare run)", {
        {"--data", data_help.c_str(), &o.data},
        {"--out", "output directory", &o.out},
        {"--tokenizer", "directory with a BPE tokenizer's encoder.json and vocab.bpe (gpt tokenizer train)", &o.tokenizer,
         "none: one token per character of --data"},
        {"--n-layer", "transformer blocks", &o.model.n_layer},
        {"--n-head", "attention heads", &o.model.n_head},
        {"--n-embd", "embedding width, a multiple of n-head", &o.model.n_embd},
        {"--block-size", "context length", &o.model.block_size},
        {"--batch-size", "sequences per micro-batch", &o.batch_size},
        {"--grad-accum", "micro-batches per step", &o.grad_accum},
        {"--max-iters", "training steps", &o.max_iters},
        {"--lr", "peak learning rate", &o.lr},
        {"--min-lr", "learning rate at the end of the decay", &o.min_lr},
        {"--warmup-iters", "linear warmup steps", &o.warmup_iters},
        {"--lr-decay-iters", "cosine decay ends here", &o.lr_decay_iters},
        {"--weight-decay", "AdamW decoupled weight decay on matrices", &o.weight_decay},
        {"--beta1", "AdamW beta1", &o.beta1},
        {"--beta2", "AdamW beta2", &o.beta2},
        {"--grad-clip", "clip the global grad norm to this, 0 = off", &o.grad_clip},
        {"--dropout", "dropout probability", &o.model.dropout},
        {"--bias", "use biases in Linear and LayerNorm layers", &bias, bias ? "on" : "off"},
        {"--no-bias", "no biases", &no_bias},
        {"--eval-interval", "evaluate and checkpoint every N steps", &o.eval_interval},
        {"--eval-iters", "batches per split at each evaluation", &o.eval_iters},
        {"--seed", "random seed", &o.seed},
        {"--threads", kThreadsHelp, &threads, kThreadsDefault},
        {"--init-from", "start from this model directory (a run's, or Hugging Face GPT-2's): its weights, config and tokenizer", &o.init_from},
        {"--resume", "continue the run saved in --out", &o.resume},
        {"--overwrite", "replace the run saved in --out (otherwise an earlier run there is refused)", &o.overwrite},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (bias && no_bias) usage_error(cmd, "--bias and --no-bias contradict each other");
    o.model.bias = bias && !no_bias;
    if (!o.init_from.empty()) take_model_config(cmd, o);
    set_threads(cmd, threads);
    catch_stop_signals();
    TrainResult r = train(o, &g_stop);
    if (r.interrupted) return 128 + int(g_stop_signal);
    if (r.already_done) return 0;
    const int nt = omp_get_max_threads();
    std::printf("\ndone: %lld iterations in %.1f s on %d thread%s; train loss %.4f, val loss %.4f (best %.4f)\n",
                (long long)r.iters, r.seconds, nt, nt == 1 ? "" : "s", r.train_loss, r.val_loss, r.best_val);
    std::printf("model: %s/model.safetensors   sample: %s sample --ckpt %s\n", o.out.c_str(), g_program.c_str(),
                o.out.c_str());
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
        {"--ckpt", "a run's directory, or a Hugging Face GPT-2 directory (required)", &ckpt},
        {"--prompt", "text to continue", &prompt, "a newline"},
        {"--tokens", "tokens to generate (characters, with the character tokenizer)", &tokens},
        {"--temperature", "divide logits by this; 0 = always the likeliest", &so.temperature},
        {"--top-k", "sample among the k likeliest only, 0 = off", &top_k},
        {"--top-p", "sample among the likeliest whose probability sums to p, in (0, 1]", &so.top_p},
        {"--seed", "random seed", &seed},
        {"--no-kv-cache", "recompute the whole context for every token", &no_cache},
        {"--threads", kThreadsHelp, &threads, kThreadsDefault},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (ckpt.empty()) usage_error(cmd, "--ckpt is required");
    if (tokens < 0) usage_error(cmd, "--tokens must be >= 0, got " + std::to_string(tokens));
    if (top_k < 0 || top_k > std::numeric_limits<int32_t>::max())
        usage_error(cmd, "--top-k must be in [0, 2147483647], got " + std::to_string(top_k));
    so.top_k = int(top_k);
    so.validated();
    set_threads(cmd, threads);
    HfModel m = load_model_dir(ckpt);
    std::vector<int32_t> ids = m.tok->encode(prompt, "prompt");
    check_fits_in_memory(sample_memory(m.model->config, int64_t(ids.size()), tokens), "gpt sample",
                         "--tokens " + std::to_string(tokens), "ask for fewer --tokens");
    m.model->eval();
    Rng rng(seed);
    write_stdout(prompt, cmd);
    // a BPE token can end inside a character: the decoder holds such bytes until the rest arrives
    StreamDecoder stream(*m.tok);
    generate(*m.model, ids, tokens, so, rng, !no_cache, [&](int32_t id) { write_stdout(stream.push(id), cmd); });
    write_stdout(stream.finish() + "\n", cmd);
    return 0;
}

int cmd_eval(int argc, char** argv) {
    std::string ckpt, data, split = "all";
    const std::string data_help = "UTF-8 text file, a regular file of at most " + std::to_string(kMaxTextBytes >> 20) +
                                  " MiB (required)";
    int64_t batch = 32, threads = 0;
    Command cmd{"eval", "--ckpt DIR --data FILE [--split all|train|val]", {
        {"--ckpt", "a run's directory, or a Hugging Face GPT-2 directory (required)", &ckpt},
        {"--data", data_help.c_str(), &data},
        {"--split", "all: the whole file; train: its first 90%; val: its last 10%", &split},
        {"--batch-size", "windows per forward pass", &batch},
        {"--threads", kThreadsHelp, &threads, kThreadsDefault},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (ckpt.empty() || data.empty()) usage_error(cmd, "--ckpt and --data are required");
    if (split != "all" && split != "train" && split != "val") usage_error(cmd, "--split must be all, train or val, got '" + split + "'");
    if (batch < 1 || batch > std::numeric_limits<int32_t>::max())
        usage_error(cmd, "--batch-size must be in [1, 2147483647], got " + std::to_string(batch));
    set_threads(cmd, threads);
    HfModel m = load_model_dir(ckpt);
    std::vector<int32_t> tokens = m.tok->encode(read_text_file(data), data);
    if (split != "all") {
        Dataset ds(tokens);
        tokens = ds.tokens(split == "train" ? Split::train : Split::val);
    }
    check_fits_in_memory(eval_memory(m.model->config, batch, int64_t(tokens.size())), "gpt eval",
                         "--batch-size " + std::to_string(batch), "use a smaller --batch-size");
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
    double mean = sum / double(count);
    if (!std::isfinite(mean))
        throw std::runtime_error("gpt eval: the mean cross-entropy is " + number_str(mean) + ": the weights in " + ckpt +
                                 " overflow on this text");
    char line[512];
    std::snprintf(line, sizeof line, "%s (%s): mean cross-entropy %.6f nats over %lld predictions (%lld windows of %d)\n",
                  data.c_str(), split.c_str(), mean, (long long)count, (long long)(count / T), T);
    write_stdout(line, cmd);
    return 0;
}

int cmd_export(int argc, char** argv) {
    std::string format, ckpt, out;
    bool overwrite = false;
    Command cmd{"export", "--format hf --ckpt DIR --out DIR2", {
        {"--format", "hf: a Hugging Face GPT-2 directory (required)", &format},
        {"--ckpt", "a run's directory, or a Hugging Face GPT-2 directory (required)", &ckpt},
        {"--out", "directory to write (required; must be empty or new)", &out},
        {"--overwrite", "replace the files of an earlier export in --out", &overwrite},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    if (format.empty() || ckpt.empty() || out.empty()) usage_error(cmd, "--format, --ckpt and --out are required");
    if (format != "hf") usage_error(cmd, "--format must be hf, got '" + format + "'");
    HfModel m = load_model_dir(ckpt);
    save_hf(*m.model, *m.tok, out, overwrite);
    const GPTConfig& c = m.model->config;
    std::printf("wrote %s: config.json, model.safetensors (%lld layers, %lld heads, %lld channels, %lld tokens of context), %s\n",
                out.c_str(), (long long)c.n_layer, (long long)c.n_head, (long long)c.n_embd, (long long)c.block_size,
                m.tok->kind() == "bpe" ? "encoder.json + vocab.bpe" : "chars.json (the characters in id order)");
    return 0;
}

// A token's bytes for a progress line: the text itself when it is whole UTF-8 (quoted, controls
// escaped), else each byte as \xNN.
std::string shown_token(const std::string& bytes) {
    if (io::replace_invalid_utf8(bytes) == bytes) return io::json_quote(bytes);
    std::string out = "\"";
    for (unsigned char c : bytes) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(c));
        out += hex;
    }
    return out + "\"";
}

int cmd_tokenizer_train(int argc, char** argv) {
    TokenizerTrainOptions o;
    const std::string data_help = "UTF-8 text file to learn from, a regular file of at most " +
                                  std::to_string(kMaxTextBytes >> 20) + " MiB (required)";
    Command cmd{"tokenizer train", "--data FILE --vocab-size N --out DIR [--overwrite]", {
        {"--data", data_help.c_str(), &o.data},
        {"--vocab-size", "tokens: the 256 bytes, then one per merge", &o.vocab_size},
        {"--out", "directory for encoder.json and vocab.bpe (required)", &o.out},
        {"--overwrite", "replace a tokenizer already in --out (otherwise it is refused)", &o.overwrite},
    }};
    if (!parse_flags(cmd, argc, argv)) return 0;
    o.validated();
    const int64_t n_merges = o.vocab_size - 256;
    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++) vocab.push_back(std::string(1, char(b)));
    const auto t0 = std::chrono::steady_clock::now();
    TokenizerTrainResult r = train_tokenizer(o, [&](const BpeMerge& m, int64_t count) {
        vocab.push_back(vocab[size_t(m.left)] + vocab[size_t(m.right)]);
        const int64_t done = int64_t(vocab.size()) - 256;
        if (done * 10 / n_merges == (done - 1) * 10 / n_merges) return;   // one line per tenth of the merges
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("merge %lld/%lld: token %d = %s + %s = %s, seen %lld times | %.1f s\n", (long long)done,
                    (long long)n_merges, m.result, shown_token(vocab[size_t(m.left)]).c_str(),
                    shown_token(vocab[size_t(m.right)]).c_str(), shown_token(vocab.back()).c_str(), (long long)count, s);
        std::fflush(stdout);
    });
    std::printf("\ndone: %lld merges in %.1f s; %s (%lld bytes) is %lld tokens with it, %.2f bytes per token\n",
                (long long)n_merges, r.seconds, o.data.c_str(), (long long)r.text_bytes, (long long)r.text_tokens,
                double(r.text_bytes) / double(std::max<int64_t>(1, r.text_tokens)));
    std::printf("tokenizer: %s/encoder.json and %s/vocab.bpe   train with it: %s train --data %s --tokenizer %s\n",
                o.out.c_str(), o.out.c_str(), g_program.c_str(), o.data.c_str(), o.out.c_str());
    return 0;
}

int cmd_tokenizer(int argc, char** argv) {
    const std::string sub = argc >= 1 ? argv[0] : "";
    if (sub == "train") return cmd_tokenizer_train(argc - 1, argv + 1);
    if (sub == "--help" || sub == "-h") {
        std::printf("usage: gpt tokenizer <command> [flags]\n\n"
                    "  train   learn a byte-level BPE tokenizer from a text file (encoder.json + vocab.bpe)\n\n"
                    "gpt tokenizer train --help lists its flags.\n");
        return 0;
    }
    throw std::invalid_argument("gpt tokenizer: " + (sub.empty() ? std::string("a command is required") : "unknown command '" + sub + "'") +
                                " (expected train; gpt tokenizer --help lists it)");
}

void print_usage() {
    std::printf(
        "usage: gpt <command> [flags]\n\n"
        "  train      train a GPT on a text file (characters as tokens, or a BPE tokenizer with --tokenizer)\n"
        "  sample     generate text from a trained model\n"
        "  eval       mean cross-entropy of a trained model on a text file\n"
        "  export     write a model as a Hugging Face GPT-2 directory, for PyTorch\n"
        "  tokenizer  tokenizer train: learn a byte-level BPE tokenizer from a text file\n\n"
        "gpt <command> --help lists a command's flags.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
        print_usage();
        return 0;
    }
    if (argc >= 1 && argv[0][0] != '\0') g_program = argv[0];
    std::string cmd = argc >= 2 ? argv[1] : "";
    try {
        if (cmd == "train") return cmd_train(argc - 2, argv + 2);
        if (cmd == "sample") return cmd_sample(argc - 2, argv + 2);
        if (cmd == "eval") return cmd_eval(argc - 2, argv + 2);
        if (cmd == "export") return cmd_export(argc - 2, argv + 2);
        if (cmd == "tokenizer") return cmd_tokenizer(argc - 2, argv + 2);
        std::fprintf(stderr, "gpt: %s (expected train, sample, eval, export or tokenizer; gpt --help lists them)\n",
                     cmd.empty() ? "a command is required" : ("unknown command '" + cmd + "'").c_str());
        return 1;
    } catch (const std::exception& e) {
        if (isatty(STDOUT_FILENO)) std::fputs("\n", stdout);   // end a progress line first
        std::fflush(stdout);
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
