// Chapter 14: tokenization with byte-level BPE.
// You will learn: that text is bytes (UTF-8), so a tokenizer that starts from the 256 bytes can encode any
// text; byte-pair encoding: one merge step (bpe_merge), training (count adjacent pairs, merge the most
// frequent, repeat: train_bpe), encoding by replaying the merges and decoding by joining bytes; and,
// measured, a character GPT against a BPE GPT at the same training budget, in bits per character.
// Assumes: chapters 1-13. Library code used: gpt/bpe.h, gpt/pretokenize.h, gpt/tokenizer.h, gpt/model.h,
// gpt/data.h, nn/optim.h, nn/schedule.h, nn/clip.h. Usage: 14_bpe [--quick] [path/to/tinyshakespeare.txt]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gpt/bpe.h"
#include "gpt/data.h"
#include "gpt/model.h"
#include "gpt/pretokenize.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "tutorials/tutorial.h"

using namespace gs;
using namespace gs::gpt;
using Clock = std::chrono::steady_clock;

namespace {

// Text made readable: a space as '␣', a newline as "\n"; other characters as they are.
std::string shown(const std::string& text) {
    std::string s;
    for (char c : text) s += c == ' ' ? "␣" : c == '\n' ? "\\n" : std::string(1, c);
    return s;
}

// s followed by spaces up to `width` characters (printf's %-6s counts bytes, and '␣' is three)
std::string pad(const std::string& s, int64_t width) {
    int64_t n = 0;
    for (unsigned char b : s) n += (b & 0xC0) != 0x80;   // one per character: see chars_in below
    return s + std::string(size_t(std::max<int64_t>(0, width - n)), ' ');
}

// The tokens, separated by '|': "To|␣be|,". A token that holds only part of a character (its bytes are
// not UTF-8 on their own) is shown as its bytes in hex, "<E8>".
std::string joined(const Tokenizer& tok, const std::vector<int32_t>& ids) {
    std::string s;
    for (size_t i = 0; i < ids.size(); i++) {
        std::string bytes = tok.token_bytes(ids[i]), part;
        if (tok.decode({ids[i]}) == bytes) part = shown(bytes);
        else for (unsigned char b : bytes) part += tut::fmt("<%02X>", unsigned(b));
        s += (i ? "|" : "") + part;
    }
    return s;
}

// How many characters a token's bytes hold: every byte that is not a UTF-8 continuation byte (10xxxxxx)
// starts one. A BPE token can hold part of a character; over a run of tokens that tiles a text, these
// counts add up to the text's characters exactly.
int64_t chars_in(const std::string& bytes) {
    int64_t n = 0;
    for (unsigned char b : bytes) n += (b & 0xC0) != 0x80;
    return n;
}

// Bits per character of `model` on `ids` (one text, tokenized): every prediction of sequential_windows,
// its loss in nats summed, divided by ln 2 and by the characters of the tokens it predicted.
double bits_per_char(const GPT& model, const Tokenizer& tok, const std::vector<int32_t>& ids) {
    NoGradGuard no_grad;
    double nats = 0, chars = 0;
    for (const Batch& b : sequential_windows(ids, int(model.config.block_size), 8)) {
        nats += double(model.forward(b.x, b.y).loss.item()) * double(b.y.numel());   // the loss is a mean
        for (int64_t i = 0; i < b.y.numel(); i++) chars += double(chars_in(tok.token_bytes(b.y.data()[i])));
    }
    return nats / std::log(2.0) / chars;
}

struct Run {
    std::vector<double> steps, bpc;   // the evaluations: step, bits per character on the val excerpt
    double seconds = 0;               // training only, evaluations left out
    int64_t params = 0;
};

// Chapter 11's loop (AdamW, warmup then cosine, clipping at 1) on one tokenization of the same text.
Run train_gpt(const Tokenizer& tok, const Dataset& ds, const std::vector<int32_t>& val, int iters, int every) {
    GPTConfig cfg;
    cfg.n_layer = 2, cfg.n_head = 4, cfg.n_embd = 64, cfg.block_size = 64, cfg.vocab_size = tok.vocab_size();
    GPT model(cfg, 1337);
    nn::ParamGroup decay{{}, real(0.1)}, no_decay{{}, 0};
    for (const Tensor& p : model.parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    nn::AdamW opt({decay, no_decay}, real(3e-3), real(0.9), real(0.99));
    Rng data_rng(1337, 3);
    Run run;
    run.params = model.num_parameters();
    for (int it = 0;; it++) {
        if (it % every == 0 || it == iters) {
            model.eval();
            run.steps.push_back(it), run.bpc.push_back(bits_per_char(model, tok, val));
            model.train();
            std::printf("  step %4d   %.3f bits per character\n", it, run.bpc.back());
        }
        if (it == iters) break;
        Clock::time_point t0 = Clock::now();
        Batch b = ds.get_batch(Split::train, 16, int(cfg.block_size), data_rng);
        Tensor loss = model.forward(b.x, b.y).loss;
        loss.backward();
        nn::clip_grad_norm(model.parameters(), 1);
        opt.lr = nn::cosine_lr(it, real(3e-3), real(3e-4), 20, iters);
        opt.step();
        model.zero_grad();
        run.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    }
    return run;
}

}  // namespace

int main(int argc, char** argv) try {
    tut::Checks claim;
    const tut::Args args = tut::parse_args(argc, argv);
    const std::string path = tut::find_data(args.data), text = read_text_file(path);

    tut::banner("1. Text is bytes");
    for (const std::string s : {"To be", "图灵"}) {
        std::printf("\"%s\" is %zu bytes in UTF-8:", s.c_str(), s.size());
        for (unsigned char b : s) std::printf(" %d", b);
        std::printf("\n");
    }
    std::printf("256 byte values are enough to write any text: a tokenizer whose first 256 tokens are the bytes "
                "can encode anything\n");

    tut::banner("2. Byte-pair encoding on a toy text: merge the most frequent pair, again and again");
    const std::string toy = "aaabdaaabac";
    BpeTokenizer toy_tok = train_bpe(toy, 259);   // the 256 bytes + 3 merges
    std::vector<int32_t> ids(toy.begin(), toy.end());   // byte b is token b
    std::printf("start:  %s   (%zu tokens)\n", joined(toy_tok, ids).c_str(), ids.size());
    for (const BpeMerge& m : toy_tok.merges()) {
        ids = bpe_merge(ids, m.left, m.right, m.result);
        std::printf("merge %d + %d -> %d (\"%s\"):  %s   (%zu tokens)\n", m.left, m.right, m.result,
                    toy_tok.token_bytes(m.result).c_str(), joined(toy_tok, ids).c_str(), ids.size());
    }
    claim(ids == toy_tok.encode(toy) && toy_tok.decode(ids) == toy, "replaying the 3 merges with bpe_merge gives "
          "what encode gives, %zu tokens for %zu bytes, and decode joins them back into \"%s\"", ids.size(),
          toy.size(), toy.c_str());

    tut::banner("3. Training on Tiny Shakespeare");
    size_t cut = text.rfind('\n', text.size() * 9 / 10) + 1;   // 90% train, 10% val, split at a line start
    const std::string train_text = text.substr(0, cut), val_text = text.substr(cut);
    std::string line = "ROMEO:\nI'll not be call'd so.";
    std::printf("the pre-tokenizer cuts \"%s\" into:", shown(line).c_str());
    for (std::string_view piece : pretokenize(line)) std::printf(" [%s]", shown(std::string(piece)).c_str());
    std::printf("\n");
    // The first merge, found by hand: count the adjacent byte pairs inside the pieces of the train text.
    std::map<std::pair<int, int>, int64_t> pairs;
    for (std::string_view piece : pretokenize(train_text))
        for (size_t i = 0; i + 1 < piece.size(); i++) pairs[{(unsigned char)piece[i], (unsigned char)piece[i + 1]}]++;
    std::pair<int, int> top{0, 0};
    int64_t top_count = 0;
    for (const auto& [pair, n] : pairs)   // in ascending order, so a tie keeps the smaller pair, as train_bpe does
        if (n > top_count) top = pair, top_count = n;
    std::printf("the most frequent adjacent pair of bytes: \"%s\" + \"%s\", %lld times\n",
                shown(std::string(1, char(top.first))).c_str(), shown(std::string(1, char(top.second))).c_str(),
                (long long)top_count);

    const int V = 512;
    Clock::time_point t0 = Clock::now();
    BpeTokenizer bpe = train_bpe(train_text, V, "the train text");
    std::printf("train_bpe: %d merges in %.1f s. The first 24 learned, in order:\n", V - 256,
                std::chrono::duration<double>(Clock::now() - t0).count());
    const std::vector<BpeMerge>& merges = bpe.merges();
    for (size_t r = 0; r < 24; r++)
        std::printf("  %3zu: %s + %s -> %s%s", r, pad(shown(bpe.token_bytes(merges[r].left)), 4).c_str(),
                    pad(shown(bpe.token_bytes(merges[r].right)), 4).c_str(),
                    pad(shown(bpe.token_bytes(merges[r].result)), 7).c_str(), r % 3 == 2 ? "\n" : "");
    std::printf("and the last 6:");
    for (size_t r = merges.size() - 6; r < merges.size(); r++)
        std::printf(" [%s]", shown(bpe.token_bytes(merges[r].result)).c_str());
    std::printf("\n");
    claim(merges[0].left == top.first && merges[0].right == top.second, "train_bpe's first merge is the pair counted "
          "by hand above (\"%s\" + \"%s\")", shown(std::string(1, char(top.first))).c_str(),
          shown(std::string(1, char(top.second))).c_str());

    tut::banner("4. Encode and decode");
    std::vector<int32_t> line_ids = bpe.encode(line);
    std::printf("\"%s\" -> %zu tokens: %s\n", shown(line).c_str(), line_ids.size(), joined(bpe, line_ids).c_str());
    CharTokenizer chars = CharTokenizer::from_text(text, path);
    const std::vector<int32_t> char_train = chars.encode(train_text), char_val = chars.encode(val_text);
    const std::vector<int32_t> bpe_train = bpe.encode(train_text), bpe_val = bpe.encode(val_text);
    const double per_token = double(char_val.size()) / double(bpe_val.size());
    std::printf("train text: %zu characters -> %zu BPE tokens; val text: %zu characters -> %zu BPE tokens, %.2f "
                "characters per token\n", char_train.size(), bpe_train.size(), char_val.size(), bpe_val.size(),
                per_token);
    const std::string chinese = "艾伦·图灵 (Alan Turing, 1912-1954) 🙂";
    std::vector<int32_t> zh = bpe.encode(chinese);
    std::printf("\"%s\": %zu bytes -> %zu tokens: %s\n", chinese.c_str(), chinese.size(), zh.size(),
                joined(bpe, zh).c_str());
    try {
        chars.encode(chinese, "the Chinese line");
    } catch (const std::invalid_argument& e) {
        std::printf("the character tokenizer cannot: %s\n", e.what());
    }
    claim(bpe.decode(bpe_val) == val_text && bpe.decode(zh) == chinese, "decode(encode(text)) is the text again, for "
          "all %zu characters of val and for the line with Chinese and an emoji", char_val.size());
    claim(per_token > 1.5, "BPE with %d tokens writes the val text in %zu tokens, %.2f characters per token "
          "(characters: 1 per token)", V, bpe_val.size(), per_token);

    tut::banner("5. Characters vs BPE: the same model and budget, scored in bits per character");
    const int iters = args.quick ? 40 : 400, every = args.quick ? 20 : 50;
    const size_t excerpt = args.quick ? 6000 : 30000;   // the val characters every evaluation scores
    const std::string val_part = val_text.substr(0, val_text.rfind('\n', excerpt) + 1);
    const std::vector<int32_t> char_part = chars.encode(val_part), bpe_part = bpe.encode(val_part);
    const double part_per_token = double(char_part.size()) / double(bpe_part.size());
    std::printf("both: 2 layers, 4 heads, 64 wide, a context of 64 tokens, batches of 16 x 64 tokens, %d steps; "
                "scored on the first %zu characters of val\n", iters, char_part.size());
    Dataset char_ds(char_train), bpe_ds(bpe_train);   // the split is ours: train and val cut at the same character
    char_ds.train = char_train, char_ds.val = char_val, bpe_ds.train = bpe_train, bpe_ds.val = bpe_val;
    std::printf("characters (V = %d):\n", chars.vocab_size());
    Run c = train_gpt(chars, char_ds, char_part, iters, every);
    std::printf("BPE (V = %d):\n", V);
    Run b = train_gpt(bpe, bpe_ds, bpe_part, iters, every);
    const double per_train = double(char_train.size()) / double(bpe_train.size());
    std::printf("%-12s %10s %16s %18s %14s\n", "", "parameters", "chars per step", "training time", "bits per char");
    std::printf("%-12s %10lld %16.0f %16.1f s %14.3f\n", "characters", (long long)c.params, 16.0 * 64, c.seconds,
                c.bpc.back());
    std::printf("%-12s %10lld %16.0f %16.1f s %14.3f\n", "BPE", (long long)b.params, 16 * 64 * per_train, b.seconds,
                b.bpc.back());
    const double uniform_c = std::log2(chars.vocab_size()), uniform_b = std::log2(V) / part_per_token;
    claim(std::fabs(c.bpc[0] - uniform_c) < 0.1 && std::fabs(b.bpc[0] - uniform_b) < 0.1, "untrained, both score "
          "about log2(V) bits per token: %.3f bits per character for characters (log2 %d = %.3f), %.3f for BPE "
          "(log2 %d / %.2f characters per token = %.3f)", c.bpc[0], chars.vocab_size(), uniform_c, b.bpc[0], V,
          part_per_token, uniform_b);
    const double need = args.quick ? 0.5 : 1;
    claim(c.bpc.back() < c.bpc[0] - need && b.bpc.back() < b.bpc[0] - need, "training lowers both by more than %.1f "
          "bit per character: characters %.3f -> %.3f, BPE %.3f -> %.3f", need, c.bpc[0], c.bpc.back(), b.bpc[0],
          b.bpc.back());
    claim(b.bpc.back() < c.bpc.back(), "after %d steps of 16 x 64 tokens each, BPE scores fewer bits per character "
          "than characters: %.3f vs %.3f", iters, b.bpc.back(), c.bpc.back());

    gs::io::ChartOptions opt;
    opt.title = "Characters vs BPE: the same GPT, the same steps of 16 x 64 tokens";
    opt.x_label = "step", opt.y_label = "bits per character, val excerpt";
    std::vector<gs::io::Series> lines = {{tut::fmt("characters (V = %d)", chars.vocab_size()), c.steps, c.bpc},
                                         {tut::fmt("BPE (V = %d)", V), b.steps, b.bpc}};
    lines[0].markers = lines[1].markers = true;
    tut::save_figure(gs::io::line_chart(lines, opt), "14", args.quick ? "bits_per_char_quick" : "bits_per_char");
    return claim.summary();
} catch (const std::exception& e) {
    std::fprintf(stderr, "14_bpe: %s\n", e.what());
    return 1;
}
