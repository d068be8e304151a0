// Exercise 13.1: top-k filtering. Chapter 13, tutorials/13_generation.md.
//
// Keep the k largest of the V logits and set every other one to -inf, so that the softmax after it gives
// them probability 0. When logits tie at the k-th place, the lower token ids stay (the library's sampler
// breaks ties that way). k = 0 means no filtering, and k >= V keeps everything. Kept logits keep their values.
// Test it: make exercise EX=13.1. Then compare with sample_next in gpt/sample.cpp.
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void top_k_filter(real* logits, int64_t V, int k) {
    if (k <= 0 || k >= V) return;   // off, or nothing to remove
    std::vector<int64_t> order(size_t(V), 0);
    std::iota(order.begin(), order.end(), 0);
    // only the first k places need sorting: the larger logit first, the lower id among equal ones
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [logits](int64_t a, int64_t b) {
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (int64_t i = k; i < V; i++) logits[order[size_t(i)]] = -std::numeric_limits<real>::infinity();
}

}  // namespace gs::ex
