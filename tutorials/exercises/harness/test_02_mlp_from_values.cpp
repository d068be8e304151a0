// Tests of exercises 02.1-02.2: a neuron and an MLP built from Values, against the same computation done
// by the library (Value ops for the neuron, the Tensor ops linear and tanh for the MLP): the outputs, and
// the gradients that backward() finds through the learner's graph, held to gradcheck.
#include <gtest/gtest.h>

#include "autograd/elementwise.h"
#include "autograd/linear.h"
#include "autograd/shape.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

// The library's neuron, from its Value ops: tanh(b + sum_i w_i x_i)
Value library_neuron(const std::vector<Value>& w, const Value& b, const std::vector<Value>& x, bool nonlinear) {
    Value act = b;
    for (size_t i = 0; i < w.size(); i++) act = act + w[i] * x[i];
    return nonlinear ? tanh(act) : act;
}

using NeuronFn = Value (*)(const std::vector<Value>&, const Value&, const std::vector<Value>&, bool);

// inputs: w (nin), b (1), x (nin) -> the neuron's output, 0-d
Tensor neuron_op(const std::vector<Tensor>& in, NeuronFn f, bool nonlinear) {
    return value_op(in, {},
                    [f, nonlinear](const std::vector<std::vector<Value>>& l) {
                        return std::vector<Value>{f(l[0], l[1][0], l[2], nonlinear)};
                    },
                    library_engine);
}

}  // namespace

TEST(Ex02_1, Neuron) {
    Rng rng(21);
    for (int64_t nin : {3, 1}) {
        for (bool nonlinear : {true, false}) {
            Case c{"02.1", "nin = " + std::to_string(nin) + (nonlinear ? ", with tanh" : ", nonlinear = false"),
                   "out = tanh(b + sum_i w[i] * x[i]); with nonlinear = false the same without the tanh"};
            Tensor w = Tensor::randn({nin}, rng).requires_grad_(), b = Tensor::randn({1}, rng).requires_grad_();
            Tensor x = Tensor::randn({nin}, rng).requires_grad_();
            Tensor got, expected = neuron_op({w, b, x}, library_neuron, nonlinear);
            if (!attempt(c, [&] { got = neuron_op({w.detach(), b.detach(), x.detach()}, ex::neuron, nonlinear); })) return;
            if (!expect_close(c, "out", {}, expected.data(), got.data())) return;
            if (!expect_backward(
                    c, [nonlinear](const std::vector<Tensor>& in) { return neuron_op(in, ex::neuron, nonlinear); },
                    [nonlinear](const std::vector<Tensor>& in) { return neuron_op(in, library_neuron, nonlinear); },
                    {w, b, x}, {"dw", "db", "dx"}))
                return;
        }
    }
}

namespace {

// inputs: x (nin), then W (nout, nin) and b (nout) per layer -> the last layer's outputs (nout,)
Tensor mlp_yours(const std::vector<Tensor>& in) {
    int64_t nout = in.back().numel();
    return value_op(in, {nout},
                    [](const std::vector<std::vector<Value>>& l) {
                        std::vector<ex::ValueLayer> layers;
                        int64_t nin = int64_t(l[0].size());
                        for (size_t k = 1; k + 1 < l.size(); k += 2) {
                            ex::ValueLayer layer;
                            int64_t n = int64_t(l[k + 1].size());
                            for (int64_t o = 0; o < n; o++)
                                layer.w.push_back(std::vector<Value>(l[k].begin() + o * nin, l[k].begin() + (o + 1) * nin));
                            layer.b = l[k + 1];
                            layers.push_back(layer);
                            nin = n;
                        }
                        return ex::mlp_forward(layers, l[0]);
                    },
                    library_engine);
}

// the same with the library's Tensor ops: h = tanh(h Wᵀ + b) per layer, no tanh after the last
Tensor mlp_library(const std::vector<Tensor>& in) {
    Tensor h = reshape(in[0], {1, in[0].numel()});
    for (size_t k = 1; k + 1 < in.size(); k += 2) {
        h = linear(h, in[k], in[k + 1]);
        if (k + 2 < in.size()) h = tanh(h);
    }
    return reshape(h, {h.numel()});
}

}  // namespace

TEST(Ex02_2, MlpForward) {
    Rng rng(22);
    const std::vector<std::vector<int64_t>> sizes = {{2, 4, 1}, {3, 4, 4, 2}, {1, 1}};
    for (const auto& s : sizes) {
        std::string what = "layer sizes {";
        for (size_t i = 0; i < s.size(); i++) what += (i ? ", " : "") + std::to_string(s[i]);
        Case c{"02.2", what + "}",
               "h = x; per layer h[o] = tanh(b[o] + sum_i w[o][i] * h[i]), except the last layer: no tanh there"};
        std::vector<Tensor> in = {Tensor::randn({s[0]}, rng).requires_grad_()};
        for (size_t l = 0; l + 1 < s.size(); l++) {
            in.push_back(Tensor::randn({s[l + 1], s[l]}, rng).requires_grad_());
            in.push_back(Tensor::randn({s[l + 1]}, rng).requires_grad_());
        }
        std::vector<Tensor> plain;
        for (const Tensor& t : in) plain.push_back(t.detach());
        Tensor got, expected = mlp_library(plain);
        if (!attempt(c, [&] { got = mlp_yours(plain); })) return;
        if (!expect_close(c, "out", expected.shape(), expected.data(), got.data())) return;
        std::vector<std::string> names = {"dx"};
        for (size_t l = 1; l < s.size(); l++) {
            names.push_back("dW" + std::to_string(l));
            names.push_back("db" + std::to_string(l));
        }
        if (!expect_backward(c, mlp_yours, mlp_library, in, names)) return;
    }
}
