// Exercise 13.2: top-p (nucleus) filtering. Chapter 13, tutorials/13_generation.md.
//
// Keep the fewest most likely tokens whose probabilities add up to at least top_p, and set the others to
// -inf. The probabilities are the softmax of the logits. Most likely first; among equal logits the lower id
// first. The token whose probability makes the running sum reach top_p is kept. top_p = 1 keeps everything.
// Some logits may already be -inf (removed by top-k): their probability is 0.
// Test it: make exercise EX=13.2. Then compare with sample_next in gpt/sample.cpp.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void top_p_filter(real* logits, int64_t V, real top_p) {
    if (top_p >= 1) return;
    std::vector<int64_t> order(size_t(V), 0);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [logits](int64_t a, int64_t b) {   // most likely first, ties by id
        return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    // softmax numerators e^(x - max) in double; the shared denominator cancels against top_p * total
    const double max = double(logits[order[0]]);
    std::vector<double> w(size_t(V), 0);
    double total = 0;
    for (int64_t i = 0; i < V; i++) {
        w[size_t(i)] = std::exp(double(logits[order[size_t(i)]]) - max);
        total += w[size_t(i)];
    }
    int64_t keep = V;
    double mass = 0;
    for (int64_t i = 0; i < V; i++) {
        mass += w[size_t(i)];
        if (mass >= double(top_p) * total) {   // this token reaches top_p: it is the last one kept
            keep = i + 1;
            break;
        }
    }
    for (int64_t i = keep; i < V; i++) logits[order[size_t(i)]] = -std::numeric_limits<real>::infinity();
}

}  // namespace gs::ex
