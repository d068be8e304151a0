// Embedding lookup: the kernel pair and the op. The forward copies rows; the backward adds each
// output row's gradient into the weight row it came from. All indices are checked before anything
// is made or written, so a bad index leaves no half-done work behind.
#include "autograd/embedding.h"

#include <algorithm>
#include <cstring>

#include "autograd/parallel.h"

namespace gs {

namespace {

// Columns per block of the backward: each thread owns whole blocks of columns.
constexpr int64_t kColumnBlock = 64;

}  // namespace

// out[k, :] = weight[idx[k], :]
void embedding_forward(real* out, const real* weight, const int32_t* idx, int64_t n, int64_t C) {
    // each thread copies into its own rows of out
#pragma omp parallel for if (n * C >= kParallelMin)
    for (int64_t k = 0; k < n; k++)
        std::memcpy(out + k * C, weight + int64_t(idx[k]) * C, size_t(C) * sizeof(real));
}

// dweight[idx[k], :] += dout[k, :]
// Two rows k may share an index, so splitting over k would let two threads add into the same row.
// Splitting over columns cannot collide, and every column still receives its terms in the order
// k = 0..n-1: the same bits for any number of threads.
void embedding_backward(real* dweight, const real* dout, const int32_t* idx, int64_t n, int64_t C) {
    int64_t blocks = (C + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for if (n * C >= kParallelMin)
    for (int64_t b = 0; b < blocks; b++) {
        int64_t c0 = b * kColumnBlock, c1 = std::min(C, c0 + kColumnBlock);
        for (int64_t k = 0; k < n; k++) {
            real* dw = dweight + int64_t(idx[k]) * C;
            const real* dy = dout + k * C;
            for (int64_t c = c0; c < c1; c++) dw[c] += dy[c];
        }
    }
}

Tensor embedding(const Tensor& weight, const Indices& idx) {
    check(weight.dim() == 2, "embedding", "weight must be 2-d (V, C), got ", weight.shape());
    int64_t V = weight.size(0), C = weight.size(1), n = idx.numel();
    for (int64_t k = 0; k < n; k++)
        check(idx.data()[size_t(k)] >= 0 && idx.data()[size_t(k)] < V, "embedding", "index ", idx.data()[size_t(k)],
              " at position ", position_of(k, idx.shape()), " is outside [0, ", V, ") for a weight of shape ",
              weight.shape());

    Shape shape = idx.shape();
    shape.push_back(C);
    Tensor y = Tensor::empty(shape);
    embedding_forward(y.data(), weight.data(), idx.data(), n, C);
    y.set_backward("embedding", {weight}, [weight, idx](const Tensor& out) {
        embedding_backward(weight.grad(), out.grad(), idx.data(), idx.numel(), weight.size(1));
    });
    return y;
}

}  // namespace gs
