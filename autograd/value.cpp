// Value's ops, each with its local derivatives written beside its formula, and the graph walk.
// The chain rule lives in one loop in backward(); the ops only say how their result moves per input.
// Long graphs are walked and freed with explicit stacks, never recursion.
#include "autograd/value.h"

#include <cmath>
#include <ostream>
#include <unordered_set>
#include <utility>
#include <vector>

namespace gs {

Value::Value(double data, std::string label) : node_(std::make_shared<ValueNode>()) {
    node_->data = data;
    node_->label = std::move(label);
}

ValueNode::~ValueNode() {
    if (n_inputs == 0) return;
    std::vector<std::shared_ptr<ValueNode>> stack;
    for (int i = 0; i < n_inputs; i++) stack.push_back(std::move(inputs[i].node));
    while (!stack.empty()) {
        std::shared_ptr<ValueNode> n = std::move(stack.back());
        stack.pop_back();
        if (n.use_count() == 1) {   // ours is the last reference: take its inputs before it dies
            for (int i = 0; i < n->n_inputs; i++) stack.push_back(std::move(n->inputs[i].node));
            n->n_inputs = 0;
        }
    }   // n dies here with no inputs left, so its destructor returns at once
}

namespace {

// A new node for an op's result. It holds its inputs; nothing holds it but the returned handle,
// so no shared_ptr cycle can form.
Value result(double data, const char* op, const Value& a, double da) {
    Value y(data);
    ValueNode& n = *y.node();
    n.op = op;
    n.inputs[0] = {a.node(), da};
    n.n_inputs = 1;
    return y;
}

Value result(double data, const char* op, const Value& a, double da, const Value& b, double db) {
    Value y = result(data, op, a, da);
    ValueNode& n = *y.node();
    n.inputs[1] = {b.node(), db};
    n.n_inputs = 2;
    return y;
}

// Post-order DFS with an explicit stack (recursion would overflow on a 100,000-node chain):
// every node comes after all of its inputs. The root's handle keeps every node alive meanwhile.
std::vector<ValueNode*> topo_order(ValueNode* root) {
    std::vector<ValueNode*> order;
    std::unordered_set<ValueNode*> seen{root};
    std::vector<std::pair<ValueNode*, int>> stack{{root, 0}};   // (node, next input to visit)
    while (!stack.empty()) {
        ValueNode* n = stack.back().first;
        int& next = stack.back().second;
        if (next < n->n_inputs) {
            ValueNode* in = n->inputs[next++].node.get();
            if (seen.insert(in).second) stack.push_back({in, 0});
        } else {
            order.push_back(n);
            stack.pop_back();
        }
    }
    return order;
}

}  // namespace

// ---- ops: y = f(a, b) and the local derivatives dy/da, dy/db ----

// y = a + b;   dy/da = 1,   dy/db = 1
Value operator+(const Value& a, const Value& b) { return result(a.data() + b.data(), "+", a, 1, b, 1); }
// y = a - b;   dy/da = 1,   dy/db = -1
Value operator-(const Value& a, const Value& b) { return result(a.data() - b.data(), "-", a, 1, b, -1); }
// y = a * b;   dy/da = b,   dy/db = a
Value operator*(const Value& a, const Value& b) {
    return result(a.data() * b.data(), "*", a, b.data(), b, a.data());
}
// y = a / b;   dy/da = 1/b,   dy/db = -a/b^2
Value operator/(const Value& a, const Value& b) {
    double av = a.data(), bv = b.data();
    return result(av / bv, "/", a, 1 / bv, b, -av / (bv * bv));
}
// y = -a;   dy/da = -1
Value operator-(const Value& a) { return result(-a.data(), "neg", a, -1); }
// y = a^k;   dy/da = k a^(k-1)
Value pow(const Value& a, double k) {
    return result(std::pow(a.data(), k), "pow", a, k * std::pow(a.data(), k - 1));
}
// y = e^a;   dy/da = e^a = y
Value exp(const Value& a) {
    double y = std::exp(a.data());
    return result(y, "exp", a, y);
}
// y = ln(a);   dy/da = 1/a
Value log(const Value& a) { return result(std::log(a.data()), "log", a, 1 / a.data()); }
// y = tanh(a);   dy/da = 1 - y^2
Value tanh(const Value& a) {
    double y = std::tanh(a.data());
    return result(y, "tanh", a, 1 - y * y);
}
// y = max(a, 0);   dy/da = 1 where a > 0, else 0
Value relu(const Value& a) {
    bool on = a.data() > 0;
    return result(on ? a.data() : 0.0, "relu", a, on ? 1.0 : 0.0);
}

Value& Value::operator+=(const Value& o) { return *this = *this + o; }
Value& Value::operator-=(const Value& o) { return *this = *this - o; }
Value& Value::operator*=(const Value& o) { return *this = *this * o; }
Value& Value::operator/=(const Value& o) { return *this = *this / o; }

// ---- the graph walk ----

void Value::backward() {
    std::vector<ValueNode*> order = topo_order(node_.get());
    for (ValueNode* n : order)
        if (n->n_inputs > 0) n->grad = 0;   // an inner node's grad is this call's alone; leaves accumulate
    node_->grad += 1;                       // d(root)/d(root)
    // Reverse order: a node's grad is complete (all its consumers have added in) before it is pushed on.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        ValueNode* n = *it;
        for (int i = 0; i < n->n_inputs; i++) n->inputs[i].node->grad += n->inputs[i].local * n->grad;
    }
}

void Value::zero_grad() {
    for (ValueNode* n : topo_order(node_.get())) n->grad = 0;
}

std::ostream& operator<<(std::ostream& os, const Value& v) {
    os << "Value(";
    if (!v.label().empty()) os << v.label() << ", ";
    return os << "data=" << v.data() << ", grad=" << v.grad() << ")";
}

}  // namespace gs
