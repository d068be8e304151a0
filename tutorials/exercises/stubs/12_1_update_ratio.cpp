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
    not_done("12.1");   // replace this line with your code
}

}  // namespace gs::ex
