// Exercise 02.2: an MLP forward. Chapter 02, tutorials/02_mlp_from_values.md.
//
// layers[l] is one layer: its neuron o has the weights layers[l].w[o] (one per input) and the bias
// layers[l].b[o]. The layers run in order, each one's outputs being the next one's inputs. Every layer
// but the last applies tanh; the last one's outputs are raw scores. Return the last layer's outputs.
// (You may call your neuron() from exercise 02.1.)
// Test it: make exercise EX=02.2.
#include <vector>

#include "autograd/value.h"
#include "tutorials/exercises/exercises.h"

namespace gs::ex {

std::vector<Value> mlp_forward(const std::vector<ValueLayer>& layers, const std::vector<Value>& x) {
    std::vector<Value> h = x;   // the current layer's inputs
    for (size_t l = 0; l < layers.size(); l++) {
        const bool last = l + 1 == layers.size();
        std::vector<Value> out;
        for (size_t o = 0; o < layers[l].w.size(); o++) {
            Value act = layers[l].b[o];
            for (size_t i = 0; i < h.size(); i++) act = act + layers[l].w[o][i] * h[i];
            out.push_back(last ? act : tanh(act));   // the last layer stays linear: raw scores
        }
        h = out;
    }
    return h;
}

}  // namespace gs::ex
