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
    not_done("13.2");   // replace this line with your code
}

}  // namespace gs::ex
