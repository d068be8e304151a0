// Chapter 2: a neural network made of nothing but scalar Values, trained to separate two moons.
// You will learn: a neuron is tanh(w . x + b); a layer is neurons side by side; an MLP is layers in a
// row; a loss turns "how wrong" into one number; and training is a loop of forward, zero the grads,
// backward, and a step of gradient descent written by hand. At the end it draws what the model learned.
// Assumes: chapter 1 (Value and backward). Library code used: autograd/value.h, autograd/rng.h.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/rng.h"
#include "autograd/value.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using gs::Rng;
using gs::Value;

namespace {

// out = tanh(w . x + b), or just w . x + b for the last layer, whose output is a raw score.
struct Neuron {
    std::vector<Value> w;   // (nin,)
    Value b;
    bool nonlinear;
    Neuron(int nin, bool nonlin, Rng& rng) : b(0.0), nonlinear(nonlin) {
        // weights ~ N(0, 1/nin), so w . x has about the spread of one input whatever nin is
        for (int i = 0; i < nin; i++) w.push_back(Value(rng.normal() / std::sqrt(double(nin))));
    }
    Value operator()(const std::vector<Value>& x) const {
        Value act = b;
        for (size_t i = 0; i < w.size(); i++) act += w[i] * x[i];
        return nonlinear ? tanh(act) : act;
    }
};

struct Layer {
    std::vector<Neuron> neurons;   // (nout,)
    Layer(int nin, int nout, bool nonlin, Rng& rng) {
        for (int i = 0; i < nout; i++) neurons.emplace_back(nin, nonlin, rng);
    }
    std::vector<Value> operator()(const std::vector<Value>& x) const {
        std::vector<Value> out;
        for (const Neuron& n : neurons) out.push_back(n(x));
        return out;
    }
};

struct MLP {
    std::vector<Layer> layers;
    explicit MLP(const std::vector<int>& sizes, Rng& rng) {   // sizes = {nin, hidden..., nout}
        for (size_t i = 0; i + 1 < sizes.size(); i++)   // every layer but the last is nonlinear
            layers.emplace_back(sizes[i], sizes[i + 1], i + 2 < sizes.size(), rng);
    }
    Value operator()(double x0, double x1) const {   // one score; its sign is the predicted class
        std::vector<Value> x = {Value(x0), Value(x1)};
        for (const Layer& l : layers) x = l(x);
        return x[0];
    }
    double score(double x0, double x1) const {   // the same forward in plain doubles (no graph), for drawing
        std::vector<double> x = {x0, x1}, y;
        for (const Layer& l : layers) {
            for (const Neuron& n : l.neurons) {
                double act = n.b.data();
                for (size_t i = 0; i < n.w.size(); i++) act += n.w[i].data() * x[i];
                y.push_back(n.nonlinear ? std::tanh(act) : act);
            }
            x.swap(y), y.clear();
        }
        return x[0];
    }
    std::vector<Value> parameters() const {
        std::vector<Value> ps;
        for (const Layer& l : layers)
            for (const Neuron& n : l.neurons) {
                ps.insert(ps.end(), n.w.begin(), n.w.end());
                ps.push_back(n.b);
            }
        return ps;
    }
};

struct Point { double x0, x1; int label; };   // label +1 (upper moon) or -1 (lower moon)

// Two interleaved half circles with Gaussian noise: no straight line separates them.
std::vector<Point> two_moons(int n, double noise, Rng& rng) {
    std::vector<Point> pts;
    for (int i = 0; i < n; i++) {
        double th = 3.141592653589793 * rng.uniform();
        bool upper = i % 2 == 0;
        double x0 = upper ? std::cos(th) : 1 - std::cos(th), x1 = upper ? std::sin(th) : 0.5 - std::sin(th);
        pts.push_back({x0 + noise * rng.normal(), x1 + noise * rng.normal(), upper ? 1 : -1});
    }
    return pts;
}

// Mean logistic loss, log(1 + e^(-label * score)): near 0 when the score has the label's sign with
// room to spare, growing linearly when it is confidently wrong.
Value loss_of(const MLP& model, const std::vector<Point>& data) {
    Value total(0.0);
    for (const Point& p : data) total += log(1.0 + exp(-p.label * model(p.x0, p.x1)));
    return total / double(data.size());
}

double accuracy(const MLP& model, const std::vector<Point>& data) {
    int right = 0;
    for (const Point& p : data) right += (model(p.x0, p.x1).data() > 0) == (p.label > 0);
    return double(right) / double(data.size());
}

}  // namespace

int main() {
    Rng rng(42);
    std::vector<Point> train = two_moons(100, 0.1, rng), test = two_moons(100, 0.1, rng);
    MLP model({2, 16, 16, 1}, rng);
    std::vector<Value> params = model.parameters();
    tut::banner(tut::fmt("Model: MLP 2 -> 16 -> 16 -> 1, tanh hidden, %zu parameters, each a Value", params.size()));

    tut::banner("Gradient check before training: backward() vs nudging a parameter");
    Value loss = loss_of(model, train);
    loss.backward();
    double h = 1e-5, max_diff = 0;   // central differences with chapter 1's step
    for (size_t k : {size_t(0), params.size() / 2, params.size() - 1}) {
        double keep = params[k].data();
        params[k].data() = keep + h;
        double up = loss_of(model, train).data();
        params[k].data() = keep - h;
        double down = loss_of(model, train).data();
        params[k].data() = keep;
        double fd = (up - down) / (2 * h);
        max_diff = std::fmax(max_diff, std::fabs(params[k].grad() - fd));
        std::printf("  param %3zu  grad %12.8f   finite diff %12.8f\n", k, params[k].grad(), fd);
    }

    tut::banner("Training: full-batch gradient descent on " + std::to_string(train.size()) + " points");
    const int steps = 200;
    for (int step = 0; step < steps; step++) {
        loss = loss_of(model, train);                    // forward: builds a fresh graph every step
        if (step % 20 == 0 || step == steps - 1)
            std::printf("  step %3d  loss %.4f  train accuracy %5.1f%%\n", step, loss.data(),
                        100 * accuracy(model, train));
        for (Value& p : params) p.grad() = 0;            // leaves accumulate, so clear last step's grads
        loss.backward();
        double lr = 1.0 - 0.9 * step / steps;            // decay: big steps early, fine ones at the end
        for (Value& p : params) p.data() -= lr * p.grad();
    }
    double train_acc = accuracy(model, train), test_acc = accuracy(model, test);
    std::printf("final: train accuracy %.1f%%, test accuracy %.1f%% (100 fresh points)\n", 100 * train_acc,
                100 * test_acc);

    tut::banner("Decision boundary: the model evaluated all over the plane");
    auto score = [&](double x0, double x1) { return model.score(x0, x1); };
    tut::save_figure(draw::boundary(score, train, test), "02", "boundary");

    tut::Checks check;
    check(max_diff < 1e-6, "backward() matches finite differences on 3 parameters (max |diff| = %.1e)", max_diff);
    check(test_acc >= 0.9, "the MLP classifies %.0f%% of 100 unseen points correctly (>= 90%%)", 100 * test_acc);
    return check.summary();
}
