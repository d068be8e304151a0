// Tensor: a float32 (double in the gradient-test build), N-d, row-major, contiguous array with
// reverse-mode autograd.
//
//   Tensor x = Tensor::randn({4, 3}, rng).requires_grad_();
//   Tensor w = Tensor::randn({3, 2}, rng).requires_grad_();
//   Tensor loss = sum(tanh(matmul(x, w)));
//   loss.backward();                  // x.grad_tensor() and w.grad_tensor() now hold dloss/dx, dloss/dw
//
// A Tensor is a cheap handle (a shared_ptr); copies share data. Every op lives in its own file
// (elementwise.cpp, reduce.cpp, matmul.cpp, ...) with its forward and backward side by side and
// records the backward with set_backward(). This file holds only the tensor itself and the graph
// walk: creation, gradients, backward(), no_grad. Views: reshape() shares storage; other shape ops copy.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "autograd/check.h"
#include "autograd/real.h"
#include "autograd/rng.h"
#include "autograd/storage.h"

namespace gs {

class Tensor;
struct TensorImpl;

// Called once during backward with the op's output; reads out.grad() and adds into the inputs' grads.
using BackwardFn = std::function<void(const Tensor& out)>;

// How a tensor was made: the op's inputs (for the graph walk) and its backward.
struct Node {
    const char* op;
    std::vector<Tensor> inputs;
    BackwardFn backward;
};

struct TensorImpl {
    Shape shape;
    int64_t numel = 0;
    std::shared_ptr<Storage> data;    // (numel,)
    std::shared_ptr<Storage> grad;    // (numel,), allocated zeroed on first use
    bool requires_grad = false;
    bool retains_grad = false;        // keep this non-leaf's grad after backward (for teaching/debugging)
    bool graph_released = false;      // its Node was freed by a backward without retain_graph
    std::unique_ptr<Node> node;       // null for leaves and for tensors made without grad
    ~TensorImpl();                    // frees long graphs iteratively, so a deep chain cannot overflow the stack
};

class Tensor {
public:
    Tensor() = default;                                  // an undefined tensor (e.g. an absent bias)
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // ---- creation ----
    static Tensor empty(const Shape& shape);             // uninitialised
    static Tensor zeros(const Shape& shape);
    static Tensor ones(const Shape& shape);
    static Tensor full(const Shape& shape, real value);
    static Tensor scalar(real value);                    // 0-d
    static Tensor arange(real start, real end, real step = 1);
    static Tensor from(const Shape& shape, const std::vector<real>& values);
    static Tensor randn(const Shape& shape, Rng& rng, real mean = 0, real std = 1);
    static Tensor rand(const Shape& shape, Rng& rng, real low = 0, real high = 1);

    // ---- shape and data ----
    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const { return impl().shape; }
    int64_t dim() const { return int64_t(impl().shape.size()); }
    int64_t size(int64_t d) const;                       // d may be negative
    int64_t numel() const { return impl().numel; }
    real* data() const { return impl().data->data; }
    real item() const;                                   // the value of a one-element tensor
    std::vector<real> to_vector() const;
    bool shares_storage_with(const Tensor& other) const;

    // ---- gradients ----
    bool requires_grad() const { return impl().requires_grad; }
    Tensor& requires_grad_(bool on = true);              // only on leaves
    bool is_leaf() const { return impl().node == nullptr; }
    real* grad() const;                                  // the grad buffer, allocated zeroed on first use
    bool has_grad() const { return impl().grad != nullptr; }
    Tensor grad_tensor() const;                          // the grad as a tensor sharing its buffer (no graph)
    void zero_grad();                                    // drops the grad buffer
    Tensor& retain_grad();                               // keep this intermediate's grad (from the latest backward)
    Tensor detach() const;                               // same data, no history, no grad

    // Reverse-mode autodiff from this tensor. Without an argument it must hold one element and is
    // seeded with 1; otherwise `grad_output` (same shape) is the seed. Gradients add into .grad.
    // The graph is freed afterwards unless retain_graph; backward through a freed graph throws.
    void backward(bool retain_graph = false);
    void backward(const Tensor& grad_output, bool retain_graph = false);

    // Records how this (freshly made) tensor depends on `inputs`, if grad mode is on and any input
    // requires grad. The closure must capture inputs or plain buffers only, never this output:
    // the output is handed to it as an argument, so no shared_ptr cycle can form.
    void set_backward(const char* op, std::vector<Tensor> inputs, BackwardFn fn);

    TensorImpl& impl() const;
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

private:
    std::shared_ptr<TensorImpl> impl_;
};

// ---- grad mode ----
bool grad_enabled();

// While one is alive (on this thread) ops record no graph at all.
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;
private:
    bool previous_;
};

// True if any of these tensors requires grad (and is defined).
bool any_requires_grad(std::initializer_list<const Tensor*> ts);

}  // namespace gs
