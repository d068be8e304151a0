// Value: one scalar (always double) with reverse-mode autograd, the chapter-1 engine.
//
//   Value a(2.0, "a"), b(-3.0, "b");
//   Value y = tanh(a * b + 1.0);
//   y.backward();                     // a.grad() == dy/da, b.grad() == dy/db
//
// Every op records, next to its result, each input and the local derivative d(result)/d(input),
// computed when the op runs. backward() then only has to apply the chain rule:
// input.grad += local * result.grad. Independent of Tensor; no broadcasting, no batching.
#pragma once
#include <iosfwd>
#include <memory>
#include <string>

namespace gs {

struct ValueNode;

// One input of an op and the partial derivative of the op's result with respect to it.
struct ValueEdge {
    std::shared_ptr<ValueNode> node;
    double local = 0;
};

struct ValueNode {
    double data = 0;
    double grad = 0;            // d(root)/d(this), filled by backward()
    const char* op = "";        // "" for leaves
    std::string label;          // for printing only
    ValueEdge inputs[2];        // a scalar op has at most two inputs
    int n_inputs = 0;
    ~ValueNode();               // frees a long chain iteratively, so it cannot overflow the stack
};

class Value {
public:
    // Not explicit: a double wherever a Value is expected becomes a constant leaf (x * 2.0, 1.0 - x).
    // cppcheck-suppress noExplicitConstructor ; implicit on purpose, as the line above says
    Value(double data = 0.0, std::string label = {});

    double& data() const { return node_->data; }   // copies share the node, so these are writable
    double& grad() const { return node_->grad; }
    const char* op() const { return node_->op; }
    const std::string& label() const { return node_->label; }
    Value& set_label(std::string label) { node_->label = std::move(label); return *this; }
    const std::shared_ptr<ValueNode>& node() const { return node_; }

    // Seeds d(this)/d(this) = 1 and pushes gradients down the graph in reverse topological order.
    // Leaves accumulate with += across calls; inner nodes are reset first, so calling it twice is safe.
    void backward();
    void zero_grad();           // sets the grad of every node in this graph to 0

    Value& operator+=(const Value& o);
    Value& operator-=(const Value& o);
    Value& operator*=(const Value& o);
    Value& operator/=(const Value& o);

private:
    std::shared_ptr<ValueNode> node_;
};

Value operator+(const Value& a, const Value& b);
Value operator-(const Value& a, const Value& b);
Value operator*(const Value& a, const Value& b);
Value operator/(const Value& a, const Value& b);
Value operator-(const Value& a);
Value pow(const Value& a, double k);
Value exp(const Value& a);
Value log(const Value& a);
Value tanh(const Value& a);
Value relu(const Value& a);

// Value(a, data=2, grad=-3)
std::ostream& operator<<(std::ostream& os, const Value& v);

}  // namespace gs
