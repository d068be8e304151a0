// Tests of exercises 01.1-01.5: Value's tanh, exp and pow against the library's Value ops (the values,
// and the gradients through gradcheck, with the Value graph wrapped as a Tensor op); the topological order
// by its defining properties; the backward pass against the library's Value::backward.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

using UnaryValue = std::function<Value(const Value&)>;

// f applied to every element of x, through Values, as a Tensor op
Tensor map_values(const Tensor& x, const UnaryValue& f) {
    return value_op({x}, x.shape(),
                    [f](const std::vector<std::vector<Value>>& leaves) {
                        std::vector<Value> out;
                        for (const Value& v : leaves[0]) out.push_back(f(v));
                        return out;
                    },
                    library_engine);
}

// The values of yours and the library's op, then the gradient through both.
void expect_unary(const Case& c, const UnaryValue& yours, const UnaryValue& library, const std::vector<real>& xs) {
    Tensor x = Tensor::from({int64_t(xs.size())}, xs).requires_grad_();
    Tensor got, expected = map_values(x.detach(), library);
    if (!attempt(c, [&] { got = map_values(x.detach(), yours); })) return;
    if (!expect_close(c, "y", x.shape(), expected.data(), got.data())) return;
    expect_backward(
        c, [&](const std::vector<Tensor>& in) { return map_values(in[0], yours); },
        [&](const std::vector<Tensor>& in) { return map_values(in[0], library); }, {x}, {"da"});
}

}  // namespace

TEST(Ex01_1, TanhValueAndLocalDerivative) {
    Case c{"01.1", "a = [-3, -0.5, 0, 0.7, 2] (one Value each)",
           "y = tanh(a), local derivative 1 - y^2; record a as the input: make_result(y, \"tanh\", a, local)"};
    expect_unary(c, ex::value_tanh, [](const Value& a) { return tanh(a); }, {-3, -0.5, 0, 0.7, 2});
}

TEST(Ex01_2, ExpValueAndLocalDerivative) {
    Case c{"01.2", "a = [-2, 0, 0.5, 3] (one Value each)",
           "y = e^a, and the derivative of e^a is e^a itself: the local derivative is y"};
    expect_unary(c, ex::value_exp, [](const Value& a) { return exp(a); }, {-2, 0, 0.5, 3});
}

TEST(Ex01_3, PowValueAndLocalDerivative) {
    // integer powers of negative numbers too; fractional and negative powers of positive ones
    const std::vector<std::pair<double, std::vector<real>>> cases = {
        {2, {-1.5, 0.3, 2}}, {3, {-2, 0.5, 1.2}}, {-1, {0.5, 2, -4}}, {0.5, {0.25, 2, 9}}, {1, {-2, 3}},
    };
    for (const auto& [k, xs] : cases) {
        Case c{"01.3", "k = " + fmt(k) + ", a = " + std::to_string(xs.size()) + " Values",
               "y = a^k, local derivative k * a^(k-1): the power drops by one and k comes in front"};
        double kk = k;
        expect_unary(c, [kk](const Value& a) { return ex::value_pow(a, kk); },
                     [kk](const Value& a) { return pow(a, kk); }, xs);
        if (testing::Test::HasFailure()) return;
    }
}

namespace {

// A graph for the topological sort and the backward pass: built from fresh leaves holding `inputs`.
struct Graph {
    std::string name;
    std::vector<double> inputs;
    std::function<Value(const std::vector<Value>&)> build;
};

Value labelled(Value v, const std::string& label) {
    v.set_label(label);
    return v;
}

const std::vector<Graph>& graphs() {
    static const std::vector<Graph> g = {
        {"a single leaf", {2.0}, [](const std::vector<Value>& x) { return x[0]; }},
        {"y = a*b + c", {2, -3, 10},
         [](const std::vector<Value>& x) { return labelled(labelled(x[0] * x[1], "a*b") + x[2], "y"); }},
        {"y = a*a (a used twice)", {3.0}, [](const std::vector<Value>& x) { return labelled(x[0] * x[0], "y"); }},
        {"a diamond: b = 2a, c = a + 3, y = b*c", {2.0},
         [](const std::vector<Value>& x) {
             Value b = labelled(x[0] * 2.0, "b"), c = labelled(x[0] + 3.0, "c");
             return labelled(b * c, "y");
         }},
        {"f = (a*b + c)^2 / e - tanh(d)", {2, -3, 10, -1, 4},
         [](const std::vector<Value>& x) {
             Value u = labelled(x[0] * x[1] + x[2], "u");
             return labelled(pow(u, 2) / x[4] - tanh(x[3]), "f");
         }},
        {"a chain of 2000 ops", {0.5},
         [](const std::vector<Value>& x) {
             Value y = x[0];
             for (int i = 0; i < 1000; i++) y = tanh(y * 1.01 + 0.01);
             return labelled(y, "y");
         }},
    };
    return g;
}

std::vector<Value> leaves_for(const Graph& g) {
    std::vector<Value> x;
    const char* names[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < g.inputs.size(); i++) x.push_back(Value(g.inputs[i], i < 5 ? names[i] : "x"));
    return x;
}

std::string node_name(const ValueNode* n) {
    if (!n->label.empty()) return "'" + n->label + "'";
    return n->n_inputs == 0 ? "a constant" : std::string("a node of op ") + n->op;
}

}  // namespace

TEST(Ex01_4, TopologicalSort) {
    for (const Graph& g : graphs()) {
        Value root = g.build(leaves_for(g));
        std::vector<ValueNode*> reachable = reference_topo(root.node().get());
        Case c{"01.4", "graph '" + g.name + "' (" + std::to_string(reachable.size()) + " nodes)",
               "post-order: visit a node's inputs first, append the node once they are all in, and remember "
               "which nodes you have seen"};
        std::vector<ValueNode*> order;
        if (!attempt(c, [&] { order = ex::topo_sort(root.node().get()); })) return;
        std::unordered_set<ValueNode*> in_graph(reachable.begin(), reachable.end());
        std::unordered_map<ValueNode*, size_t> at;
        for (size_t i = 0; i < order.size(); i++) {
            ValueNode* n = order[i];
            if (!in_graph.count(n)) return fail(c, "position " + std::to_string(i) + " of your order holds a node that is not in the graph");
            if (at.count(n))
                return fail(c, node_name(n) + " appears twice in your order, at positions " + std::to_string(at[n]) +
                                   " and " + std::to_string(i) + ": every node must appear once");
            at[n] = i;
        }
        for (size_t i = 0; i < order.size(); i++)
            for (int k = 0; k < order[i]->n_inputs; k++) {
                ValueNode* in = order[i]->inputs[k].node.get();
                if (!at.count(in) || at[in] > i) {
                    return fail(c, node_name(order[i]) + " is at position " + std::to_string(i) +
                                       " of your order, before its input " + node_name(in) +
                                       (at.count(in) ? " at position " + std::to_string(at[in]) : " (missing)") +
                                       ": every node must come after all of its inputs");
                }
            }
        if (order.size() != reachable.size())
            return fail(c, "your order has " + std::to_string(order.size()) + " nodes, the graph has " +
                               std::to_string(reachable.size()));
        if (order.back() != root.node().get())
            return fail(c, "the root should come last, your order ends with " + node_name(order.back()));
    }
}

TEST(Ex01_5, BackwardPass) {
    for (const Graph& g : graphs()) {
        Case c{"01.5", "graph '" + g.name + "'",
               "seed the root's grad with 1, walk the order from the end (the root) to the start, and for every "
               "input of every node add local * node.grad into input.grad (+=: a node used twice gets two terms)"};
        Value expected = g.build(leaves_for(g));
        expected.backward();
        Value got = g.build(leaves_for(g));
        std::vector<ValueNode*> exp_order = reference_topo(expected.node().get());
        std::vector<ValueNode*> got_order = reference_topo(got.node().get());
        if (!attempt(c, [&] { ex::backward_pass(got_order); })) return;
        // the two graphs have the same shape, so their orders pair the nodes up
        for (size_t i = 0; i < exp_order.size(); i++) {
            double e = exp_order[i]->grad, y = got_order[i]->grad;
            if (std::fabs(e - y) > 1e-12 * (1 + std::fabs(e)))
                return fail(c, "the grad of " + node_name(exp_order[i]) + " is wrong: expected " + fmt(e) +
                                   " (the library's Value::backward), got " + fmt(y));
        }
        // and the whole pass as the backward of an op, against finite differences
        Tensor x = Tensor::from({int64_t(g.inputs.size())}, std::vector<real>(g.inputs.begin(), g.inputs.end()));
        x.requires_grad_();
        auto as_op = [&g](const ValueEngine& engine) {
            return [&g, engine](const std::vector<Tensor>& in) {
                return value_op(in, {}, [&g](const std::vector<std::vector<Value>>& l) { return std::vector<Value>{g.build(l[0])}; },
                                engine);
            };
        };
        ValueEngine yours = [](const Value& root) { ex::backward_pass(reference_topo(root.node().get())); };
        if (!expect_backward(c, as_op(yours), as_op(library_engine), {x}, {"dx"})) return;
    }
}
