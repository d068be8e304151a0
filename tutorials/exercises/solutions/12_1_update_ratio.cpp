// Exercise 12.1: the update-to-data ratio of one step. Chapter 12, tutorials/12_debugging_a_run.md.
//
// before[k] and after[k] are parameter k's weights before and after one optimizer step (same shapes).
// Return ||after - before|| / ||before||, where both L2 norms run over every entry of every parameter
// together (one norm over all of them, not one per tensor): how far the step moved the whole model,
// relative to its size. Sum the squares in double. This is the update_ratio column of gpt train's log.csv.
//   t.data()    its values, t.numel() of them
// Test it: make exercise EX=12.1. Then compare with nn::UpdateRatio in nn/update_ratio.cpp.
#include <cmath>
#include <vector>

#include "autograd/tensor.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

double update_ratio(const std::vector<Tensor>& before, const std::vector<Tensor>& after) {
    double update = 0, data = 0;   // two sums over every parameter: the norms of them all together
    for (size_t k = 0; k < before.size(); k++) {
        const real *w = before[k].data(), *now = after[k].data();
        for (int64_t i = 0; i < before[k].numel(); i++) {
            double d = double(now[i]) - double(w[i]);
            update += d * d;
            data += double(w[i]) * double(w[i]);
        }
    }
    return std::sqrt(update) / std::sqrt(data);   // relative to the weights the step started from
}

}  // namespace gs::ex
