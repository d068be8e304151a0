// Exercise 14.1: one merge step of byte-pair encoding. Chapter 14 (tokenization with byte-level BPE).
//
// BPE starts from the bytes of a text and again and again replaces the most frequent adjacent pair of
// tokens by a new token. One step: return `ids` with every occurrence of the pair (a, b) replaced by new_id,
// scanning from left to right, occurrences never overlapping. So {7, 7, 7} with the pair (7, 7) and new_id 9
// becomes {9, 7}: the first two 7s merge, and then a single 7 is left. The order of a and b matters.
// Test it: make exercise EX=14.1. Then compare with bpe_merge in gpt/bpe.cpp.
#include <cstddef>
#include <vector>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

std::vector<int32_t> bpe_merge(const std::vector<int32_t>& ids, int32_t a, int32_t b, int32_t new_id) {
    std::vector<int32_t> out;
    out.reserve(ids.size());   // a merge only ever shortens the sequence
    size_t i = 0;
    while (i < ids.size()) {
        if (i + 1 < ids.size() && ids[i] == a && ids[i + 1] == b) {   // the pair starts at i
            out.push_back(new_id);
            i += 2;   // past both halves: the second one cannot start another pair
        } else {
            out.push_back(ids[i]);   // the last token, or one that starts no pair, is copied as it is
            i += 1;
        }
    }
    return out;
}

}  // namespace gs::ex
