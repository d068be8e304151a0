// Byte-pair encoding (BPE): text as bytes, then the most frequent adjacent pair of tokens merged into a
// new token, again and again. This file holds the algorithm itself; GPT-2's file format and its
// pre-tokenizer live in gpt/bpe_files.h and gpt/pretokenize.h.
//
//   bpe_merge({1, 2, 3, 1, 2}, 1, 2, 256)     // {256, 3, 256}
//
// Left out: special tokens in the text (GPT-2's "<|endoftext|>" is encoded as ordinary text).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gs::gpt {

// One merge step: every occurrence of the adjacent pair (a, b) in `ids`, scanning left to right and
// never overlapping, replaced by new_id. So bpe_merge({7, 7, 7}, 7, 7, 9) is {9, 7}: the scan takes
// the first two 7s, then only one 7 is left.
std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id);

}  // namespace gs::gpt
