// The GPT's data pipeline: read a UTF-8 text file, tokenize it, split it 90/10 into train and val,
// and cut (B, T) batches of inputs x and next-token targets y, as nanoGPT's get_batch does.
//
//   Dataset ds(read_text_file("data/tinyshakespeare.txt"), tok);
//   Rng rng(1337);
//   Batch b = ds.get_batch(Split::train, 8, 64, rng);   // b.x, b.y: [8, 64]; b.y[i][t] = b.x[i][t+1]
//
// Resuming: get_batch draws nothing but the Rng it is handed, so the data position IS that Rng's
// state. Save rng.state() in the checkpoint and set_state() it on resume to continue the exact batch
// sequence. Leaves out: shuffling epochs, streaming files larger than memory, other tokenizers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/indices.h"
#include "autograd/rng.h"
#include "gpt/tokenizer.h"

namespace gs::gpt {

// The largest text read_text_file accepts. Every character becomes a 4-byte token id, held twice (all
// the tokens, then the train and val splits), so a corpus this size already needs over 2 GB.
constexpr int64_t kMaxTextBytes = int64_t(256) << 20;

// The whole file as bytes. Throws std::runtime_error naming the path if it is missing, not a regular
// file (a directory, a device such as /dev/zero, a FIFO: checked before reading, so nothing blocks),
// larger than kMaxTextBytes, unreadable or empty, or not valid UTF-8 (with the byte offset).
std::string read_text_file(const std::string& path);

enum class Split { train, val };
const char* split_name(Split s);   // "train", "val"

struct Batch {
    Indices x;   // (B, T) token ids
    Indices y;   // (B, T) targets: y[b][t] is the token after x[b][t]
};

struct Dataset {
    std::vector<int32_t> train;   // (N_train,) the first 90% of the tokens: N_train = N * 9 / 10, rounded down
    std::vector<int32_t> val;     // (N - N_train,) the rest

    // Throws std::invalid_argument if there are no tokens.
    explicit Dataset(const std::vector<int32_t>& tokens);
    // Encodes the text (what names it in errors) and splits it.
    Dataset(const std::string& text, const CharTokenizer& tok, const std::string& what = "text");

    const std::vector<int32_t>& tokens(Split s) const { return s == Split::train ? train : val; }

    // B windows of T+1 consecutive tokens, each starting at rng.below(n - T) for a split of n tokens,
    // drawn in row order; x is a window's first T tokens, y its last T. Throws std::invalid_argument if
    // B or T < 1, or the split has fewer than T+1 tokens.
    Batch get_batch(Split s, int B, int T, Rng& rng) const;

    // n batches from a fresh Rng(seed), leaving any training Rng untouched: the same seed gives the same
    // batches on every call, so losses evaluated at different steps are comparable.
    std::vector<Batch> eval_batches(Split s, int B, int T, int n, uint64_t seed) const;
};

// Every prediction over the tokens once, for `gpt eval`: window k has x = tokens[k*T .. k*T+T) and
// y = tokens[k*T+1 .. k*T+T], so the x windows tile the tokens without overlap. There are
// W = (N - 1) / T windows; the tail, the last (N - 1) % T targets, does not fill a window and is not
// scored. Windows are grouped B per batch in order; the last batch holds the W % B leftover windows
// (shape [W % B, T]) when W is not a multiple of B. Throws std::invalid_argument if N < T + 1.
std::vector<Batch> sequential_windows(const std::vector<int32_t>& tokens, int T, int B);

}  // namespace gs::gpt
