// Reductions: sum, mean, max, argmax and var, over every element (a 0-d result) or along one dim.
// Along a dim, keepdim leaves it in place with size 1, so the result broadcasts against the input;
// without keepdim the dim is dropped. Sums accumulate in double and in a fixed order: results are
// deterministic, and a float sum over millions of terms keeps float precision.
// Not here: softmax, logsumexp and the losses (their own files); min (use -max(-x)).
#pragma once
#include "autograd/indices.h"
#include "autograd/tensor.h"

namespace gs {

Tensor sum(const Tensor& x);                                      // every element -> 0-d
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);   // an empty dim sums to 0

Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);

// The gradient goes to the first maximal element only; tied elements after it get none.
Tensor max(const Tensor& x);
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);

// Position of the maximum along dim (the first, on ties). Indices carry no gradient.
Indices argmax(const Tensor& x, int64_t dim, bool keepdim = false);

// Variance: the mean squared deviation from the mean, divided by n - 1 when unbiased (Bessel's
// correction, as torch.var does by default) or by n (what layer norm uses).
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, int64_t dim, bool keepdim = false, bool unbiased = true);
// An int literal converts equally well to int64_t and to bool, so var(x, -1) would not compile
// without this overload; with it, an int always means a dim.
inline Tensor var(const Tensor& x, int dim, bool keepdim = false, bool unbiased = true) {
    return var(x, int64_t(dim), keepdim, unbiased);
}

}  // namespace gs
