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
    not_done("01.5");   // replace this line with your code
}

}  // namespace gs::ex
