// linear: forward and backward as GEMM calls on raw buffers, plus the bias add and its row sum.
#include "autograd/linear.h"

#include "autograd/gemm.h"
#include "autograd/parallel.h"

namespace gs {

// out[r, j] += bias[j] for every row r
void bias_add_forward(real* out, const real* bias, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols >= kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        real* o = out + r * cols;   // each thread owns whole rows
        for (int64_t j = 0; j < cols; j++) o[j] += bias[j];
    }
}

// dbias[j] += sum_r dout[r, j]; rows are summed in order, so the result does not depend on threads
void bias_add_backward(real* dbias, const real* dout, int64_t rows, int64_t cols) {
    for (int64_t r = 0; r < rows; r++) {
        const real* d = dout + r * cols;
        for (int64_t j = 0; j < cols; j++) dbias[j] += d[j];
    }
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    check(weight.dim() == 2, "linear", "weight must be 2-d (out, in), got ", weight.shape());
    check(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear", "input's last dim must equal weight's in: x is ",
          x.shape(), ", weight is ", weight.shape());
    int64_t OC = weight.size(0), IC = weight.size(1), rows = x.numel() / IC;
    if (bias.defined())
        check(bias.shape() == Shape{OC}, "linear", "bias must be [", OC, "], got ", bias.shape(), " (weight is ",
              weight.shape(), ")");
    Shape out_shape = x.shape();
    out_shape.back() = OC;
    Tensor y = Tensor::empty(out_shape);
    gemm(false, true, rows, OC, IC, x.data(), IC, weight.data(), IC, y.data(), OC, false);   // y = x · Wᵀ
    if (bias.defined()) bias_add_forward(y.data(), bias.data(), rows, OC);

    // dx += dy · W;   dW += dyᵀ · x;   db += sum over rows of dy
    y.set_backward("linear", {x, weight, bias}, [x, weight, bias, rows, OC, IC](const Tensor& out) {
        const real* dy = out.grad();   // (rows, OC)
        if (x.requires_grad()) gemm(false, false, rows, IC, OC, dy, OC, weight.data(), IC, x.grad(), IC, true);
        if (weight.requires_grad()) gemm(true, false, OC, IC, rows, dy, OC, x.data(), IC, weight.grad(), IC, true);
        if (bias.defined() && bias.requires_grad()) bias_add_backward(bias.grad(), dy, rows, OC);
    });
    return y;
}

}  // namespace gs
