// Chapter 11: pretraining and fine-tuning, the two stages of GPT training.
// You will learn: stage 1, pretraining: next-character prediction on a large plain text (Tiny Shakespeare);
// stage 2, fine-tuning: the same model and the same loss, trained on a small task written as text (Roman
// numerals to English number words, "XLII: forty-two"), with the loss counted on the answer only; that a
// new task must fit the pretrained vocabulary; and, measured, that the same fine-tuning budget gets further
// from the pretrained weights than from random ones, and what the model forgets on the way.
// Assumes: chapters 1-10 (the GPT, its training loop, greedy generation). Library code used: gpt/model.h,
// gpt/data.h, gpt/tokenizer.h, gpt/sample.h, nn/optim.h, nn/clip.h.
// Usage: 15_pretrain_finetune [--quick] [path/to/tinyshakespeare.txt]   (--quick: a few seconds, for CI)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gpt/data.h"
#include "gpt/model.h"
#include "gpt/sample.h"
#include "nn/clip.h"
#include "nn/optim.h"

using namespace gs;
using namespace gs::gpt;

namespace {

std::vector<std::string> claims;   // "check: ..." lines: claims this program verified, printed at the end
bool all_ok = true;
void claim(bool ok, const std::string& text) {
    claims.push_back((ok ? "check: " : "check FAILED: ") + text);
    all_ok = all_ok && ok;
}
void banner(const char* title) { std::printf("\n=== %s ===\n", title); }
std::string num(const char* f, double v) { char b[32]; std::snprintf(b, sizeof b, f, v); return b; }

// ---- the new task: "XLII: forty-two\n" for n = 1..99 ----
std::string roman(int n) {
    static const char* tens[] = {"", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"};
    static const char* units[] = {"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"};
    return std::string(tens[n / 10]) + units[n % 10];
}
std::string words(int n) {
    static const char* small[] = {"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                                  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                                  "eighteen", "nineteen"};
    static const char* tens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};
    return n < 20 ? small[n] : std::string(tens[n / 10]) + (n % 10 ? std::string("-") + small[n % 10] : "");
}
std::string prompt_of(int n) { return roman(n) + ":"; }           // what the model is given
std::string answer_of(int n) { return " " + words(n) + "\n"; }    // what it must write; '\n' ends it
std::string line(const std::string& s) { return s.substr(0, s.find('\n')); }
std::string shown(std::string s) {   // newlines as \n, to print a continuation on one line
    for (size_t i = 0; (i = s.find('\n', i)) != std::string::npos;) s.replace(i, 1, "\\n");
    return s;
}
int missing(const CharTokenizer& tok, const std::string& ascii) {   // characters not in the vocabulary
    int n = 0;
    for (char c : ascii) n += std::find(tok.chars().begin(), tok.chars().end(), uint32_t(c)) == tok.chars().end();
    return n;
}

// One row per number: x = the example's characters, y = the next character on the answer's positions
// and -1 (which cross_entropy ignores) on the prompt and on the padding after the example.
Batch task_batch(const std::vector<int>& nums, int T, const CharTokenizer& tok) {
    std::vector<int32_t> x, y;
    for (int n : nums) {
        std::vector<int32_t> ids = tok.encode(prompt_of(n) + answer_of(n));
        size_t colon = prompt_of(n).size() - 1;   // its target is the answer's first character
        for (size_t t = 0; t < size_t(T); t++) {
            x.push_back(t < ids.size() ? ids[t] : ids.back());
            y.push_back(t >= colon && t + 1 < ids.size() ? ids[t + 1] : -1);
        }
    }
    int64_t B = int64_t(nums.size());
    return {Indices({B, T}, x), Indices({B, T}, y)};
}

double eval_loss(GPT& model, const std::vector<Batch>& batches) {   // mean loss, dropout off, no graph
    NoGradGuard no_grad;
    model.eval();
    double sum = 0;
    for (const Batch& b : batches) sum += model.forward(b.x, b.y).loss.item();
    model.train();
    return sum / double(batches.size());
}

void train_step(GPT& model, nn::Optimizer& opt, const Batch& b) {
    Tensor loss = model.forward(b.x, b.y).loss;
    opt.zero_grad();
    loss.backward();
    nn::clip_grad_norm(model.parameters(), 1);
    opt.step();
}

// Greedy (argmax) continuation of a prompt: n_tokens characters, or up to the first '\n' if `stop`.
std::string complete(GPT& model, const CharTokenizer& tok, const std::string& prompt, int n_tokens, bool stop = true) {
    model.eval();
    SampleOptions greedy;
    greedy.temperature = 0;
    Rng unused(0);   // greedy decoding draws nothing
    std::string out = tok.decode(generate(model, tok.encode(prompt), n_tokens, greedy, unused, true));
    model.train();
    return !stop || out.find('\n') == std::string::npos ? out : out.substr(0, out.find('\n') + 1);
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    std::string path;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        else path = argv[i];
    }
    for (const char* p : {"data/tinyshakespeare.txt", "../shared/data/tinyshakespeare.txt"})
        if (path.empty() && std::ifstream(p)) path = p;
    if (path.empty()) {
        std::fprintf(stderr, "15_pretrain_finetune: data/tinyshakespeare.txt not found; from the repository root "
                             "run: bash scripts/get_data data/tinyshakespeare.txt\n");
        return 1;
    }
    try {
        const int B = 32, T = 32, pre_steps = quick ? 60 : 500, ft_steps = quick ? 60 : 300;
        const int every = quick ? 10 : 25;   // fine-tuning steps between rows of the table
        const uint64_t seed = 11;
        std::string text = read_text_file(path);
        CharTokenizer tok = CharTokenizer::from_text(text, path);
        Dataset ds(text, tok, path);
        GPTConfig cfg;
        cfg.n_layer = 2, cfg.n_head = 4, cfg.n_embd = 64, cfg.block_size = T, cfg.vocab_size = tok.vocab_size();

        banner("1. Stage 1, pretraining: next-character prediction on Tiny Shakespeare");
        GPT pre(cfg, seed);
        std::printf("GPT: %lld layers, %lld wide, context %d, %lld parameters; %d steps of %d x %d characters, AdamW "
                    "lr 3e-3\n", (long long)cfg.n_layer, (long long)cfg.n_embd, T, (long long)pre.num_parameters(),
                    pre_steps, B, T);
        const std::vector<Batch> shakespeare_val = ds.eval_batches(Split::val, B, T, 8, seed + 1);
        const double val_before = eval_loss(pre, shakespeare_val);
        nn::AdamW opt({{pre.parameters(), 0}}, real(3e-3), real(0.9), real(0.99));
        Rng data_rng(seed, 3);
        for (int step = 1; step <= pre_steps; step++) {
            train_step(pre, opt, ds.get_batch(Split::train, B, T, data_rng));
            if (step % (pre_steps / 5) == 0)
                std::printf("  step %4d  val loss %.4f\n", step, eval_loss(pre, shakespeare_val));
        }
        const double val_pre = eval_loss(pre, shakespeare_val);
        for (const char* p : {"ROMEO:", "XLII:"})
            std::printf("greedy continuation of \"%s\": \"%s\"\n", p, shown(complete(pre, tok, p, 30, false)).c_str());
        claim(val_pre < val_before - 1, "pretraining lowers the Shakespeare val loss from " + num("%.3f", val_before) +
                                            " (a uniform guess is ln V = " + num("%.3f", std::log(cfg.vocab_size)) +
                                            ") to " + num("%.3f", val_pre));

        banner("2. The new task, and the vocabulary it must fit");
        std::printf("examples: \"%s%s\", \"%s%s\"; the loss counts the answer only (from the space after ':')\n",
                    prompt_of(42).c_str(), line(answer_of(42)).c_str(), prompt_of(17).c_str(),
                    line(answer_of(17)).c_str());
        try {
            tok.encode("42 = forty-two", "the digits task");
        } catch (const std::invalid_argument& e) {
            std::printf("why not digits? %s\n", e.what());
        }
        std::vector<int> held = {22, 23, 27, 34, 36, 41, 45, 52, 58, 63, 66, 69, 71, 74, 78, 84, 87, 92, 95, 99}, train;
        std::string task_text, held_list;
        for (int n = 1, h = 0; n <= 99; n++) {
            task_text += prompt_of(n) + answer_of(n);
            if (h < int(held.size()) && held[size_t(h)] == n) held_list += " " + roman(held[size_t(h++)]);
            else train.push_back(n);
        }
        claim(missing(tok, task_text) == 0 && missing(tok, "42 = forty-two") == 3,
              "all 99 task examples are written in the Shakespeare vocabulary's " + std::to_string(tok.vocab_size()) +
                  " characters; \"42 = forty-two\" is not ('4', '2' and '=' are missing)");
        std::printf("%zu numbers to fine-tune on; %zu held out, never trained on:%s\n", train.size(), held.size(),
                    held_list.c_str());
        const std::vector<Batch> held_batch = {task_batch(held, T, tok)}, train_all = {task_batch(train, T, tok)};

        banner("3. Stage 2, fine-tuning: the same budget from the pretrained weights and from scratch");
        GPT scratch(cfg, seed);   // the same seed: exactly the weights the pretraining started from
        nn::AdamW opt_pre({{pre.parameters(), 0}}, real(1e-3), real(0.9), real(0.99));
        nn::AdamW opt_scr({{scratch.parameters(), 0}}, real(1e-3), real(0.9), real(0.99));
        Rng ft_rng(seed, 4);
        std::printf("%d steps each, AdamW lr 1e-3, the same batches of %d examples; held-out loss and exact answers "
                    "(of %zu)\n", ft_steps, B, held.size());
        std::printf("  %5s   %-26s  %-26s\n", "step", "pretrained: train  held  ok", "scratch:    train  held  ok");
        std::vector<int> at;   // the step of each row
        std::vector<double> curve_pre, curve_scr;
        auto right = [&](GPT& m) {
            int r = 0;
            for (int n : held) r += complete(m, tok, prompt_of(n), 16) == answer_of(n);
            return r;
        };
        for (int step = 0;; step++) {
            if (step % every == 0) {
                at.push_back(step);
                curve_pre.push_back(eval_loss(pre, held_batch));
                curve_scr.push_back(eval_loss(scratch, held_batch));
                std::printf("  %5d   %16.4f %6.3f %3d  %16.4f %6.3f %3d\n", step, eval_loss(pre, train_all),
                            curve_pre.back(), right(pre), eval_loss(scratch, train_all), curve_scr.back(),
                            right(scratch));
            }
            if (step == ft_steps) break;
            std::vector<int> nums;   // the same batch for both models
            for (int b = 0; b < B; b++) nums.push_back(train[ft_rng.below(uint32_t(train.size()))]);
            Batch batch = task_batch(nums, T, tok);
            train_step(pre, opt_pre, batch);
            train_step(scratch, opt_scr, batch);
        }
        // How much sooner: the loss the pretrained start had after `early` rows, and when scratch first gets there.
        const size_t early = 2, mid = at.size() / 3;
        size_t caught = 0;
        while (caught < at.size() && curve_scr[caught] > curve_pre[early]) caught++;
        claim(curve_pre[mid] < curve_scr[mid], "after " + std::to_string(at[mid]) + " steps the held-out loss is " +
                                                   num("%.2f", curve_pre[mid]) + " from the pretrained start vs " +
                                                   num("%.2f", curve_scr[mid]) + " from scratch");
        claim(caught > early, "from scratch it takes " +
                                  (caught < at.size() ? std::to_string(at[caught]) + " steps"
                                                      : "more than " + std::to_string(ft_steps) + " steps") +
                                  " to reach the held-out loss the pretrained start reached in " +
                                  std::to_string(at[early]) + " (" + num("%.3f", curve_pre[early]) + ")");

        banner("4. Answers to held-out prompts (greedy), and what fine-tuning cost");
        for (size_t i = 0; i < held.size(); i += 3) {
            std::string want = answer_of(held[i]), a = complete(pre, tok, prompt_of(held[i]), 16),
                        s = complete(scratch, tok, prompt_of(held[i]), 16);
            std::printf("  %-8s want%-14s pretrained%-14s %-3s scratch%-14s %s\n", prompt_of(held[i]).c_str(),
                        line(want).c_str(), line(a).c_str(), a == want ? "ok" : "", line(s).c_str(),
                        s == want ? "ok" : "");
        }
        const double val_ft = eval_loss(pre, shakespeare_val);
        std::printf("greedy continuation of \"ROMEO:\" now: \"%s\"\n",
                    shown(complete(pre, tok, "ROMEO:", 30, false)).c_str());
        claim(val_ft > val_pre + 0.5, "fine-tuning makes the model forget: its Shakespeare val loss rose from " +
                                          num("%.3f", val_pre) + " to " + num("%.3f", val_ft));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "15_pretrain_finetune: %s\n", e.what());
        return 1;
    }
    banner("Summary");
    for (const std::string& s : claims) std::printf("%s\n", s.c_str());
    return all_ok ? 0 : 1;
}
