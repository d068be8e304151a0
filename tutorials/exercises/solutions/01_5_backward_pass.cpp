// Exercise 01.5: the backward pass. Chapter 01, tutorials/01_derivatives.md.
//
// `order` holds every node of a graph, each after its inputs and the root last (what 01.4 returns), and
// every grad is 0. Fill in each node's grad = d(root)/d(node):
//   - the root's gradient with respect to itself is 1;
//   - walking from the root back towards the leaves, each node passes its gradient on to its inputs,
//     scaled by the local derivative its op recorded: input.grad += local * node.grad.
//
//   n->grad    n->n_inputs    n->inputs[i].node->grad    n->inputs[i].local
//
// Test it: make exercise EX=01.5. Then compare with Value::backward() in autograd/value.cpp.
#include <vector>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

void backward_pass(const std::vector<ValueNode*>& order) {
    if (order.empty()) return;
    order.back()->grad = 1;   // d(root)/d(root)
    // From the root down: a node's grad is complete (every node using it has added in) before it is passed on.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        ValueNode* n = *it;
        for (int i = 0; i < n->n_inputs; i++)
            n->inputs[i].node->grad += n->inputs[i].local * n->grad;   // +=: an input used twice gets both terms
    }
}

}  // namespace gs::ex
