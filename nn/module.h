// nn::Module: the base of every layer and model. It knows its parameters and its child modules by
// name, so a model can list every weight as PyTorch would spell it ("h.0.attn.c_attn.weight"),
// switch train/eval mode, and zero its grads.
//
//   struct MLP : Module {
//       Linear c_fc, c_proj;
//       MLP(int64_t C, Rng& rng) : c_fc(C, 4 * C, true, rng), c_proj(4 * C, C, true, rng) {
//           register_module("c_fc", c_fc);
//           register_module("c_proj", c_proj);
//       }
//   };
//
// Children are held by pointer to members, so modules cannot be copied or moved once built.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"

namespace gs::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    // Every parameter, depth first in registration order, named "child.grandchild.name". A tensor
    // registered twice (tied weights) is listed once, under the first name it was found by.
    NamedTensors named_parameters() const;
    std::vector<Tensor> parameters() const;
    int64_t num_parameters() const;

    void train(bool on = true);   // this module and every child
    void eval() { train(false); }
    bool training() const { return training_; }
    void zero_grad();             // drops every parameter's grad

protected:
    // The tensor becomes a leaf that requires grad.
    Tensor& register_parameter(const std::string& name, Tensor& t);
    void register_module(const std::string& name, Module& child);

private:
    void collect(const std::string& prefix, NamedTensors& out) const;
    std::vector<std::pair<std::string, Tensor*>> params_;
    std::vector<std::pair<std::string, Module*>> children_;
    bool training_ = true;
};

}  // namespace gs::nn
