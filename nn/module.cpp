// Module bookkeeping: names, parameters, train/eval. See module.h.
#include "nn/module.h"

#include <unordered_set>

namespace gs::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor& t) {
    t.requires_grad_(true);
    params_.push_back({name, &t});
    return t;
}

void Module::register_module(const std::string& name, Module& child) { children_.push_back({name, &child}); }

void Module::collect(const std::string& prefix, NamedTensors& out) const {
    for (const auto& [name, t] : params_) out.push_back({prefix + name, *t});
    for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

NamedTensors Module::named_parameters() const {
    NamedTensors all, unique;
    collect("", all);
    std::unordered_set<const TensorImpl*> seen;
    for (auto& nt : all)
        if (seen.insert(&nt.second.impl()).second) unique.push_back(nt);
    return unique;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (auto& nt : named_parameters()) out.push_back(nt.second);
    return out;
}

int64_t Module::num_parameters() const {
    int64_t n = 0;
    for (auto& nt : named_parameters()) n += nt.second.numel();
    return n;
}

void Module::train(bool on) {
    training_ = on;
    for (auto& c : children_) c.second->train(on);
}

void Module::zero_grad() {
    for (auto& nt : named_parameters()) nt.second.zero_grad();
}

}  // namespace gs::nn
