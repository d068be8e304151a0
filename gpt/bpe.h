// Byte-pair encoding (BPE): a tokenizer learned from text. Start with the 256 bytes as tokens; find the
// adjacent pair of tokens that occurs most often; make it a new token; repeat. The list of merges, in
// the order they were learned, is the tokenizer: encoding replays them on new text, decoding joins the
// tokens' bytes. Text is first cut into pieces (words, numbers, punctuation, whitespace) by GPT-2's
// pre-tokenizer (gpt/pretokenize.h), and merges stay inside a piece, as GPT-2's do.
//
//   BpeTokenizer tok = train_bpe(text, 512);            // 256 bytes + 256 merges
//   std::vector<int32_t> ids = tok.encode("To be, or not to be");
//   std::string back = tok.decode(ids);                 // "To be, or not to be"
//   bpe_merge({1, 2, 3, 1, 2}, 1, 2, 256)               // {256, 3, 256}: one merge step
//
// GPT-2's own tokenizer is a BpeTokenizer read from its files: see gpt/bpe_files.h.
// Left out: special tokens in the text (GPT-2's "<|endoftext|>" is encoded as ordinary text).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpt/tokenizer.h"

namespace gs::gpt {

// One merge step: every occurrence of the adjacent pair (a, b) in `ids`, scanning left to right and
// never overlapping, replaced by new_id. So bpe_merge({7, 7, 7}, 7, 7, 9) is {9, 7}: the scan takes
// the first two 7s, then only one 7 is left.
std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id);

// The merge rule "left then right becomes result". Its rank is its index in the list of merges: rank 0
// was learned first, from the most frequent pair, and is applied first.
struct BpeMerge {
    int32_t left, right, result;
};

class BpeTokenizer : public Tokenizer {
public:
    // vocab: (V,) the bytes of each token; merges: (M,) by rank. Each of the 256 bytes must be a token
    // of its own; each merge must join two tokens that exist before it (bytes, or results of earlier
    // merges) into a new token whose bytes are theirs joined; no two tokens may have the same bytes.
    // Any other token (GPT-2's "<|endoftext|>") is a special token: decode shows it, encode never
    // produces it. Throws std::invalid_argument ("bpe: merge 7 ...") otherwise.
    BpeTokenizer(std::vector<std::string> vocab, std::vector<BpeMerge> merges);

    std::string kind() const override { return "bpe"; }
    int vocab_size() const override { return int(vocab_.size()); }
    // Pre-tokenizes, then encodes each piece with encode_piece. Throws std::invalid_argument naming
    // `what` and the offset for invalid UTF-8. Any valid text can be encoded: every byte is a token.
    std::vector<int32_t> encode(const std::string& utf8, const std::string& what = "text") const override;
    // The tokens' bytes joined; bytes that do not form UTF-8 (a model can sample half a character)
    // become U+FFFD, as GPT-2's decoder does.
    std::string decode(const std::vector<int32_t>& ids) const override;
    std::string token_bytes(int32_t id) const override;

    // The ids of one piece: its bytes, then the merges replayed in rank order, each lowest-rank pair
    // merged everywhere (left to right) before the next. Two ways to compute the same ids:
    //   encode_piece_simple  rescans every pair after each merge: the way GPT-2 and the BPE chapter
    //                        do it, and the fastest for words, but quadratic in the piece's length
    //   encode_piece_heap    keeps the pairs in a heap ordered by (rank, position): O(n log n), for
    //                        long pieces (30,000 letters without a space take over a second the simple way)
    // encode_piece picks by length.
    std::vector<int32_t> encode_piece(std::string_view bytes) const;
    std::vector<int32_t> encode_piece_simple(std::string_view bytes) const;
    std::vector<int32_t> encode_piece_heap(std::string_view bytes) const;

    const std::vector<std::string>& vocab() const { return vocab_; }   // (V,) id -> bytes
    const std::vector<BpeMerge>& merges() const { return merges_; }   // (M,) by rank

private:
    std::vector<std::string> vocab_;    // (V,) id -> bytes
    std::vector<BpeMerge> merges_;      // (M,) by rank
    int32_t byte_id_[256];              // the token of each single byte
    std::unordered_map<uint64_t, int32_t> rank_;   // pair_key(left, right) -> rank
};

// Learns a tokenizer of vocab_size tokens (256 bytes + vocab_size - 256 merges) from UTF-8 text. Token
// ids: byte b is id b; merge r makes id 256 + r. Each step merges the most frequent adjacent pair inside
// the pre-tokenizer's pieces; ties go to the smallest pair (the smaller left id, then the smaller right
// id), so the result depends only on the text. Throws std::invalid_argument if vocab_size < 256, if the
// text is not UTF-8, or if it runs out of pairs before reaching vocab_size.
BpeTokenizer train_bpe(const std::string& text, int vocab_size, const std::string& what = "text");

}  // namespace gs::gpt
