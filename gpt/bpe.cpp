// Byte-pair encoding: the merge step, training, encoding and decoding. See bpe.h.
#include "gpt/bpe.h"

#include <cstdio>
#include <functional>
#include <queue>
#include <utility>

#include "autograd/check.h"
#include "gpt/pretokenize.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

namespace {

// One 64-bit key for a pair of ids (both >= 0): left in the high half, so keys sort as (left, right).
uint64_t pair_key(int32_t left, int32_t right) { return uint64_t(uint32_t(left)) << 32 | uint32_t(right); }

// A token's bytes for an error message: printable ASCII as is, every other byte as \xNN.
std::string show_bytes(const std::string& bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            out += char(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(c));
            out += hex;
        }
    }
    return out + "\"";
}

// Pieces up to this many bytes take encode_piece_simple: almost every word does.
constexpr size_t kSimpleUpTo = 64;

// Throws std::invalid_argument("bpe: <parts>"); the parts are only built when something is wrong.
template <typename... Parts> [[noreturn]] void bad_vocabulary(const Parts&... parts) {
    throw std::invalid_argument(cat_str("bpe: ", parts...));
}

}  // namespace

std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id) {
    std::vector<int32_t> out;
    out.reserve(ids.size());
    size_t i = 0;
    while (i < ids.size()) {
        if (i + 1 < ids.size() && ids[i] == a && ids[i + 1] == b) {
            out.push_back(new_id);   // the pair becomes one token, and the scan moves past both halves
            i += 2;
        } else {
            out.push_back(ids[i]);
            i += 1;
        }
    }
    return out;
}

// ---- training ----

BpeTokenizer train_bpe(const std::string& text, int vocab_size, const std::string& what) {
    check(vocab_size >= 256, "train_bpe", "vocab_size ", vocab_size, " is less than the 256 byte tokens");
    // 1. Cut the text into pieces and count each distinct piece once: " the" occurs thousands of times
    //    in Shakespeare, and is merged once and weighted by its count.
    std::unordered_map<std::string_view, int64_t> piece_count;
    for (std::string_view piece : pretokenize(text, what)) piece_count[piece]++;
    struct Word {
        std::vector<int32_t> ids;   // the piece's tokens so far: its bytes at first
        int64_t count;              // how often the piece occurs in the text
    };
    std::vector<Word> words;
    for (const auto& [piece, count] : piece_count) {
        if (piece.size() < 2) continue;   // a single byte has no pair to merge
        Word w{{}, count};
        for (unsigned char b : piece) w.ids.push_back(b);   // byte b is token b
        words.push_back(std::move(w));
    }

    std::vector<std::string> vocab;
    for (int b = 0; b < 256; b++) vocab.push_back(std::string(1, char(b)));
    std::vector<BpeMerge> merges;
    while (int(vocab.size()) < vocab_size) {
        // 2. Count every adjacent pair of tokens, each word weighted by its count.
        std::unordered_map<uint64_t, int64_t> pair_count;
        for (const Word& w : words)
            for (size_t i = 0; i + 1 < w.ids.size(); i++) pair_count[pair_key(w.ids[i], w.ids[i + 1])] += w.count;
        // 3. Pick the most frequent pair; on a tie the smaller key, so hash order never decides.
        uint64_t best = 0;
        int64_t best_count = 0;
        for (const auto& [key, count] : pair_count) {
            if (count > best_count || (count == best_count && key < best)) {
                best = key;
                best_count = count;
            }
        }
        check(best_count > 0, "train_bpe", what, " has no pair of tokens left to merge after ", merges.size(),
              " merges: it can fill a vocabulary of at most ", vocab.size(), ", not ", vocab_size);
        // 4. The pair becomes a new token, everywhere.
        const BpeMerge m{int32_t(best >> 32), int32_t(best & 0xFFFFFFFF), int32_t(vocab.size())};
        for (Word& w : words) w.ids = bpe_merge(w.ids, m.left, m.right, m.result);
        merges.push_back(m);
        vocab.push_back(vocab[size_t(m.left)] + vocab[size_t(m.right)]);
    }
    return BpeTokenizer(std::move(vocab), std::move(merges));
}

// ---- the tokenizer ----

BpeTokenizer::BpeTokenizer(std::vector<std::string> vocab, std::vector<BpeMerge> merges)
    : vocab_(std::move(vocab)), merges_(std::move(merges)) {
    const int32_t V = int32_t(vocab_.size());
    std::unordered_map<std::string_view, int32_t> id_of;   // bytes -> id, viewing vocab_'s strings
    id_of.reserve(size_t(V));
    for (int32_t id = 0; id < V; id++) {
        if (vocab_[size_t(id)].empty()) bad_vocabulary("token ", id, " is empty");
        auto [it, fresh] = id_of.emplace(vocab_[size_t(id)], id);
        if (!fresh) bad_vocabulary("tokens ", it->second, " and ", id, " are both ", show_bytes(vocab_[size_t(id)]));
    }
    std::vector<bool> made(size_t(V), false);   // tokens that exist before the merge being checked
    for (int b = 0; b < 256; b++) {
        const char byte = char(b);
        auto it = id_of.find(std::string_view(&byte, 1));
        if (it == id_of.end()) bad_vocabulary("byte ", show_bytes(std::string(1, char(b))), " has no token of its own");
        byte_id_[b] = it->second;
        made[size_t(it->second)] = true;
    }
    rank_.reserve(merges_.size());
    for (size_t r = 0; r < merges_.size(); r++) {
        const BpeMerge& m = merges_[r];
        for (int32_t id : {m.left, m.right, m.result})
            if (id < 0 || id >= V) bad_vocabulary("merge ", r, " names token ", id, ", outside a vocabulary of ", V);
        const std::string& a = vocab_[size_t(m.left)];
        const std::string& b = vocab_[size_t(m.right)];
        const char* wrong = nullptr;
        if (!made[size_t(m.left)] || !made[size_t(m.right)])
            wrong = "uses a token that is neither a byte nor made by an earlier merge";
        else if (made[size_t(m.result)])
            wrong = "makes a token that is a byte or was made by an earlier merge";
        else if (vocab_[size_t(m.result)] != a + b)
            wrong = "makes a token whose bytes are not the two joined";
        if (wrong) bad_vocabulary("merge ", r, " (", show_bytes(a), " + ", show_bytes(b), " -> token ", m.result, ") ", wrong);
        made[size_t(m.result)] = true;
        // a repeated pair would have to make its bytes a second time, which the checks above refuse
        rank_.emplace(pair_key(m.left, m.right), int32_t(r));
    }
}

std::vector<int32_t> BpeTokenizer::encode_piece(std::string_view bytes) const {
    return bytes.size() <= kSimpleUpTo ? encode_piece_simple(bytes) : encode_piece_heap(bytes);
}

std::vector<int32_t> BpeTokenizer::encode_piece_simple(std::string_view bytes) const {
    std::vector<int32_t> ids;
    ids.reserve(bytes.size());
    for (unsigned char b : bytes) ids.push_back(byte_id_[b]);
    // Replay the merges in the order they were learned: the adjacent pair with the lowest rank merges
    // first (all its occurrences), then the next lowest, until no adjacent pair is a merge.
    while (ids.size() >= 2) {
        int32_t best = -1;
        for (size_t i = 0; i + 1 < ids.size(); i++) {
            auto it = rank_.find(pair_key(ids[i], ids[i + 1]));
            if (it != rank_.end() && (best < 0 || it->second < best)) best = it->second;
        }
        if (best < 0) break;
        const BpeMerge& m = merges_[size_t(best)];
        ids = bpe_merge(ids, m.left, m.right, m.result);
    }
    return ids;
}

// The same merges in the same order, found with a heap instead of a rescan. The piece is a linked list
// of tokens (a merge turns a token into the result and unlinks its right neighbour), and the heap holds
// each adjacent pair that is a merge as (rank, position of its left token). Popping in that order
// replays GPT-2's loop exactly: a merge only creates pairs that contain its result, and every merge that
// uses a token comes after the merge that made it (the constructor checks this), so those new pairs
// rank later than the one being applied, and all occurrences of one rank are popped left to right, as
// the rescan merges them. Entries whose pair has since changed are skipped when popped.
std::vector<int32_t> BpeTokenizer::encode_piece_heap(std::string_view bytes) const {
    const int n = int(bytes.size());
    std::vector<int32_t> id(bytes.size()), prev(bytes.size()), next(bytes.size());   // (n,) id -1: merged away
    for (int i = 0; i < n; i++) {
        id[i] = byte_id_[static_cast<unsigned char>(bytes[i])];
        prev[i] = i - 1;
        next[i] = i + 1;   // n: the end
    }
    using Candidate = std::pair<int32_t, int32_t>;   // (rank, position of the pair's left token)
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
    auto push_pair_at = [&](int i) {
        if (i < 0 || next[i] >= n) return;
        auto it = rank_.find(pair_key(id[i], id[next[i]]));
        if (it != rank_.end()) heap.push({it->second, i});
    };
    for (int i = 0; i + 1 < n; i++) push_pair_at(i);
    while (!heap.empty()) {
        const auto [rank, i] = heap.top();
        heap.pop();
        const BpeMerge& m = merges_[rank];
        const int j = next[i];
        if (id[i] != m.left || j >= n || id[j] != m.right) continue;   // stale: the pair has changed
        id[i] = m.result;   // i becomes the merged token; j leaves the list
        id[j] = -1;
        next[i] = next[j];
        if (next[j] < n) prev[next[j]] = i;
        push_pair_at(prev[i]);
        push_pair_at(i);
    }
    std::vector<int32_t> ids;
    for (int i = 0; i < n; i = next[i]) ids.push_back(id[i]);   // position 0 is never merged away
    return ids;
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& utf8, const std::string& what) const {
    std::vector<int32_t> ids;
    ids.reserve(utf8.size() / 3);
    // Pieces repeat (" the", "\n", ","), so each distinct piece is encoded once per call.
    std::unordered_map<std::string_view, std::vector<int32_t>> cache;
    for (std::string_view piece : pretokenize(utf8, what)) {
        auto it = cache.find(piece);
        if (it == cache.end()) it = cache.emplace(piece, encode_piece(piece)).first;
        ids.insert(ids.end(), it->second.begin(), it->second.end());
    }
    return ids;
}

std::string BpeTokenizer::token_bytes(int32_t id) const {
    check(id >= 0 && id < vocab_size(), "decode", "token id ", id, " is out of range for a vocabulary of ",
          vocab_size());
    return vocab_[size_t(id)];
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids) const {
    std::string bytes;
    for (size_t i = 0; i < ids.size(); i++) {
        check(ids[i] >= 0 && ids[i] < vocab_size(), "decode", "token id ", ids[i], " at position ", i,
              " is out of range for a vocabulary of ", vocab_size());
        bytes += vocab_[size_t(ids[i])];
    }
    return io::replace_invalid_utf8(bytes);
}

}  // namespace gs::gpt
