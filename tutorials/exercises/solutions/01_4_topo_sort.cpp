// Exercise 01.4: the topological sort of a Value graph. Chapter 01, tutorials/01_derivatives.md.
//
// Return every node reachable from `root` exactly once, each one after all of its inputs, the root last.
// backward() walks this order from the end: by the time it reaches a node, every node that uses it has
// already added its share of the gradient.
//
//   n->n_inputs                 0 for a leaf, 1 or 2 for an op's result
//   n->inputs[i].node.get()     its i-th input, a ValueNode*
//
// A node used twice (y = a*a) must still appear once: remember which nodes you have seen. A recursive
// depth-first walk is the shortest answer; the library's topo_order (autograd/value.cpp) keeps its own
// stack instead, because a chain of 100,000 ops would overflow the call stack.
// Test it: make exercise EX=01.4.
#include <unordered_set>
#include <utility>
#include <vector>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

std::vector<ValueNode*> topo_sort(ValueNode* root) {
    std::vector<ValueNode*> order;
    std::unordered_set<ValueNode*> seen{root};
    std::vector<std::pair<ValueNode*, int>> stack{{root, 0}};   // (node, how many of its inputs were visited)
    while (!stack.empty()) {
        ValueNode* n = stack.back().first;
        int& next = stack.back().second;
        if (next < n->n_inputs) {
            ValueNode* in = n->inputs[next++].node.get();
            if (seen.insert(in).second) stack.push_back({in, 0});   // visit an input only the first time it is met
        } else {
            order.push_back(n);   // all its inputs are in the order already: now it may follow them
            stack.pop_back();
        }
    }
    return order;
}

}  // namespace gs::ex
