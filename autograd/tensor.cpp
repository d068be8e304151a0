// Tensor creation, gradient buffers, graph teardown and the backward walk. See tensor.h.
#include "autograd/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_set>

namespace gs {

// ---- creation ----

Tensor Tensor::empty(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        check(d >= 0, "empty", "negative dimension in shape ", shape);
        check(!__builtin_mul_overflow(n, d, &n), "empty", "shape ", shape, " has more elements than fit in 64 bits");
    }
    auto t = std::make_shared<TensorImpl>();
    t->shape = shape;
    t->numel = n;
    t->data = new_storage(n, false);
    return Tensor(std::move(t));
}

Tensor Tensor::zeros(const Shape& shape) { return full(shape, 0); }
Tensor Tensor::ones(const Shape& shape) { return full(shape, 1); }
Tensor Tensor::scalar(real value) { return full({}, value); }

Tensor Tensor::full(const Shape& shape, real value) {
    Tensor t = empty(shape);
    std::fill(t.data(), t.data() + t.numel(), value);
    return t;
}

Tensor Tensor::arange(real start, real end, real step) {
    check(step != 0, "arange", "step must be non-zero");
    double count = std::ceil((double(end) - double(start)) / double(step));
    int64_t n = count > 0 ? int64_t(count) : 0;
    Tensor t = empty({n});
    for (int64_t i = 0; i < n; i++) t.data()[i] = real(double(start) + double(i) * double(step));
    return t;
}

Tensor Tensor::from(const Shape& shape, const std::vector<real>& values) {
    Tensor t = empty(shape);
    check(int64_t(values.size()) == t.numel(), "from", "shape ", shape, " holds ", t.numel(),
          " values but ", values.size(), " were given");
    std::copy(values.begin(), values.end(), t.data());
    return t;
}

Tensor Tensor::randn(const Shape& shape, Rng& rng, real mean, real std) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); i++) t.data()[i] = mean + std * real(rng.normal());
    return t;
}

Tensor Tensor::rand(const Shape& shape, Rng& rng, real low, real high) {
    Tensor t = empty(shape);
    for (int64_t i = 0; i < t.numel(); i++) t.data()[i] = low + (high - low) * real(rng.uniform());
    return t;
}

// ---- shape and data ----

TensorImpl& Tensor::impl() const {
    if (!impl_) throw std::invalid_argument("tensor: use of an undefined tensor");
    return *impl_;
}

int64_t Tensor::size(int64_t d) const { return shape()[size_t(wrap_dim(d, shape(), "size"))]; }

real Tensor::item() const {
    check(numel() == 1, "item", "needs a one-element tensor, got shape ", shape());
    return data()[0];
}

std::vector<real> Tensor::to_vector() const { return std::vector<real>(data(), data() + numel()); }

bool Tensor::shares_storage_with(const Tensor& other) const { return impl().data == other.impl().data; }

// ---- gradients ----

Tensor& Tensor::requires_grad_(bool on) {
    check(is_leaf(), "requires_grad_", "only leaf tensors can change requires_grad; use detach() first");
    impl().requires_grad = on;
    return *this;
}

real* Tensor::grad() const {
    TensorImpl& t = impl();
    if (!t.grad) t.grad = new_storage(t.numel, true);
    return t.grad->data;
}

Tensor Tensor::grad_tensor() const {
    grad();
    auto g = std::make_shared<TensorImpl>();
    g->shape = shape();
    g->numel = numel();
    g->data = impl().grad;
    return Tensor(std::move(g));
}

void Tensor::zero_grad() { impl().grad.reset(); }

Tensor& Tensor::retain_grad() {
    impl().retains_grad = true;
    return *this;
}

Tensor Tensor::detach() const {
    auto d = std::make_shared<TensorImpl>();
    d->shape = shape();
    d->numel = numel();
    d->data = impl().data;
    return Tensor(std::move(d));
}

// ---- grad mode ----

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

bool any_requires_grad(std::initializer_list<const Tensor*> ts) {
    for (const Tensor* t : ts)
        if (t->defined() && t->requires_grad()) return true;
    return false;
}

void Tensor::set_backward(const char* op, std::vector<Tensor> inputs, BackwardFn fn) {
    if (!grad_enabled()) return;
    bool needed = false;
    for (const Tensor& t : inputs) needed = needed || (t.defined() && t.requires_grad());
    if (!needed) return;
    TensorImpl& t = impl();
    t.requires_grad = true;
    // undefined inputs (an absent bias) and inputs without grad take no part in the walk
    inputs.erase(std::remove_if(inputs.begin(), inputs.end(),
                                [](const Tensor& x) { return !x.defined() || !x.requires_grad(); }),
                 inputs.end());
    t.node.reset(new Node{op, std::move(inputs), std::move(fn)});
}

// ---- graph teardown ----

// Destroying the last handle to the output of a 100,000-op chain would otherwise recurse 100,000
// levels deep (each impl owns its node, which owns its inputs). Instead the inputs are moved onto a
// heap stack, and any impl about to die there has its own inputs moved out first.
TensorImpl::~TensorImpl() {
    if (!node) return;
    std::vector<Tensor> stack = std::move(node->inputs);
    node.reset();
    while (!stack.empty()) {
        Tensor t = std::move(stack.back());
        stack.pop_back();
        TensorImpl* p = t.impl_ptr().get();
        if (t.impl_ptr().use_count() == 1 && p->node) {
            for (Tensor& in : p->node->inputs) stack.push_back(std::move(in));
            p->node.reset();   // its closure's captures are also on the stack, so nothing dies here
        }
    }   // t dies here with no node left, which cannot recurse
}

// ---- backward ----

namespace {

// Post-order DFS without recursion: every tensor comes after all of its inputs. The list holds
// strong references, so freeing a consumer's node during the walk cannot free a tensor still to visit.
std::vector<std::shared_ptr<TensorImpl>> topo_order(const std::shared_ptr<TensorImpl>& root) {
    std::vector<std::shared_ptr<TensorImpl>> order;
    std::unordered_set<TensorImpl*> seen;
    std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack;   // (tensor, next input to visit)
    stack.push_back({root, 0});
    seen.insert(root.get());
    while (!stack.empty()) {
        TensorImpl* t = stack.back().first.get();
        size_t& next = stack.back().second;
        if (t->node && next < t->node->inputs.size()) {
            const std::shared_ptr<TensorImpl>& in = t->node->inputs[next++].impl_ptr();
            if (seen.insert(in.get()).second) stack.push_back({in, 0});
        } else {
            order.push_back(std::move(stack.back().first));
            stack.pop_back();
        }
    }
    return order;
}

}  // namespace

void Tensor::backward(bool retain_graph) {
    check(numel() == 1, "backward", "called without a gradient on a tensor of shape ", shape(),
          "; only a one-element tensor can be seeded with 1, otherwise pass grad_output");
    backward(Tensor::ones(shape()), retain_graph);
}

void Tensor::backward(const Tensor& grad_output, bool retain_graph) {
    check(grad_output.shape() == shape(), "backward", "grad_output has shape ", grad_output.shape(),
          " but the tensor has shape ", shape());
    if (!requires_grad())
        throw std::invalid_argument("backward: this tensor does not require grad and has no graph");
    NoGradGuard no_grad;   // the backward closures must not record graphs of their own
    std::vector<std::shared_ptr<TensorImpl>> order = topo_order(impl_);
    for (const auto& t : order)
        if (t->graph_released)
            throw std::runtime_error(
                "backward: the graph was already freed by an earlier backward(); pass retain_graph=true "
                "to the first backward() to run backward through it again");

    // A non-leaf's grad only ever holds the gradient flowing in this backward: start it from zero.
    for (const auto& t : order)
        if (t->node) t->grad.reset();
    const real* seed = grad_output.data();
    real* g = grad();
    for (int64_t i = 0; i < numel(); i++) g[i] += seed[i];

    // Reverse topological order: every consumer has added into a tensor's grad before it runs.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const std::shared_ptr<TensorImpl>& t = *it;
        if (!t->node) continue;   // a leaf: its grad is the answer
        Tensor out(t);
        if (!t->grad) out.grad();   // an output nobody used: zero grad
        t->node->backward(out);
        if (!retain_graph) {
            t->node.reset();
            t->graph_released = true;
        }
        if (!t->retains_grad) t->grad.reset();   // intermediate grads are not kept
    }
}

}  // namespace gs
