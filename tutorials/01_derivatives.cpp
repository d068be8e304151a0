// Chapter 1: derivatives, three ways.
// You will learn: what a derivative measures and how to estimate one by nudging the input (finite
// differences, and why the central difference with a moderate h wins); the chain rule; and how the
// scalar autograd Value records a computation graph so that backward() applies the chain rule for you,
// summing the gradients of a node that is used more than once.
// Assumes: no earlier chapter. Library code used: autograd/value.h. The figure is drawn by tutorials/draw.h.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/value.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using gs::Value;

namespace {

const double kH = 1e-5;   // step for every central difference below (part 1 shows why)
double max_diff = 0;      // largest |autograd - finite difference| since it was last reset

// Prints one gradient next to its finite-difference estimate and records the gap.
void compare(const char* name, double grad, double fd) {
    double diff = std::fabs(grad - fd);
    max_diff = std::fmax(max_diff, diff);
    std::printf("  %-6s grad %12.8f   finite diff %12.8f   |diff| %.1e\n", name, grad, fd, diff);
}

double f(double x) { return x * x * x - 2 * x; }   // f'(x) = 3x^2 - 2

// Part 3's expression in plain doubles, with node `k` shifted by `h`: nudging an inner node and
// watching the loss move is what "the derivative of the loss with respect to that node" means.
// Nodes: 0 x, 1 w, 2 b, 3 t, 4 wx, 5 z, 6 y, 7 err, 8 loss.
double neuron_loss(int k, double h) {
    double n[9] = {};
    n[k] = h;
    double x = 1.5 + n[0], w = -0.8 + n[1], b = 0.3 + n[2], t = 0.5 + n[3];
    double wx = w * x + n[4];
    double z = wx + b + n[5];
    double y = std::tanh(z) + n[6];
    double err = y - t + n[7];
    return err * err + n[8];
}

}  // namespace

int main() {
    tut::Checks check;
    tut::banner("1. A derivative by finite differences");
    // f'(x) = lim (f(x+h) - f(x)) / h. The forward difference is off by ~h f''/2; the central one,
    // (f(x+h) - f(x-h)) / 2h, by ~h^2 f'''/6. Too small an h loses to rounding instead: f(x+h) and
    // f(x-h) then agree in most of their 16 digits, and their difference keeps only the few that differ.
    double x0 = 1.5, exact = 3 * x0 * x0 - 2;
    std::printf("f(x) = x^3 - 2x,  f(%.1f) = %.4f,  exact f'(%.1f) = 3x^2 - 2 = %.4f\n", x0, f(x0), x0, exact);
    std::printf("  %-7s %-16s %s\n", "h", "forward error", "central error");
    const std::vector<double> hs = {1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11, 1e-13};
    std::vector<double> fwd, cen;
    for (double h : hs) {
        fwd.push_back(std::fabs((f(x0 + h) - f(x0)) / h - exact));
        cen.push_back(std::fabs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact));
        std::printf("  %-7.0e %-16.2e %.2e\n", h, fwd.back(), cen.back());
    }
    // hs[2] = 1e-5 and hs[3] = 1e-7: where each error stops shrinking and rounding takes over
    check(cen[2] < cen[1] && cen[3] > cen[2] && fwd[3] < fwd[2],
          "the central difference is best at h = 1e-5 (error %.1e; %.1e at 1e-7), the forward one still improves "
          "down to h = 1e-7 (%.1e)", cen[2], cen[3], fwd[3]);

    tut::banner("2. The chain rule by hand");
    // y = tanh(u), u = 3x - 1:  dy/dx = dy/du * du/dx = (1 - tanh(u)^2) * 3
    double x = 0.5, u = 3 * x - 1;
    double dy_du = 1 - std::tanh(u) * std::tanh(u), du_dx = 3;
    std::printf("y = tanh(3x - 1) at x = %.1f:  u = %.2f,  dy/du = %.6f,  du/dx = %.0f\n", x, u, dy_du, du_dx);
    auto y_of = [](double v) { return std::tanh(3 * v - 1); };
    compare("dy/dx", dy_du * du_dx, (y_of(x + kH) - y_of(x - kH)) / (2 * kH));

    tut::banner("3. A graph of Values: one neuron and its squared error");
    // loss = (tanh(w*x + b) - t)^2. Each op returns a new Value that remembers its inputs and the local
    // derivative d(result)/d(input); backward() multiplies them along every path (the chain rule).
    Value xv(1.5, "x"), w(-0.8, "w"), b(0.3, "b"), t(0.5, "t");
    Value wx = (w * xv).set_label("wx");
    Value z = (wx + b).set_label("z");
    Value y = tanh(z).set_label("y");
    Value err = (y - t).set_label("err");
    Value loss = pow(err, 2).set_label("loss");
    loss.backward();
    std::vector<Value> nodes = {xv, w, b, t, wx, z, y, err, loss};
    std::printf("the graph, inputs first (what backward() walks in reverse):\n");
    for (const Value& v : nodes) {
        std::string inputs;
        for (int i = 0; i < v.node()->n_inputs; i++) inputs += " " + v.node()->inputs[i].node->label;
        std::printf("  %-5s = %-5s%-8s data %9.5f\n", v.label().c_str(), *v.op() ? v.op() : "leaf", inputs.c_str(),
                    v.data());
    }
    std::printf("d loss / d node, by backward() and by nudging that node:\n");
    for (size_t k = 0; k < nodes.size(); k++) {
        double fd = (neuron_loss(int(k), kH) - neuron_loss(int(k), -kH)) / (2 * kH);
        compare(nodes[k].label().c_str(), nodes[k].grad(), fd);
    }
    check(max_diff < 1e-6, "the chain rule by hand and all 9 gradients of the graph match finite differences "
          "(max |diff| = %.1e, tolerance 1e-6)", max_diff);
    tut::save_figure(draw::graph(nodes), "01", "graph");

    tut::banner("4. A node used twice (or three times) gets the sum of its gradients");
    // q = a*a + a uses a three times: dq/da = a + a + 1 = 2a + 1. Each use pushes its share with +=.
    Value a(3.0, "a");
    Value q = a * a + a;
    q.backward();
    std::printf("q = a*a + a at a = 3:  q = %.1f,  dq/da = 2a + 1 = %.1f\n", q.data(), 2 * a.data() + 1);
    max_diff = 0;
    auto q_of = [](double v) { return v * v + v; };
    compare("dq/da", a.grad(), (q_of(3 + kH) - q_of(3 - kH)) / (2 * kH));
    check(max_diff < 1e-6, "a used three times in q = a*a + a gets dq/da = %.6f = 2a + 1", a.grad());
    // A diamond: c = 2a and d = a + 1 both feed e = c*d, so a's gradient arrives along two paths.
    Value c = a * 2.0, d = a + 1.0, e = c * d;   // e = 2a^2 + 2a, de/da = 4a + 2 = 14
    a.grad() = 0;   // leaves accumulate across backward() calls; clear first, as an optimiser does
    e.backward();
    std::printf("e = (2a)(a + 1):  via c: de/dc * dc/da = %.0f * 2,  via d: de/dd * dd/da = %.0f * 1,  sum %.0f\n",
                c.grad(), d.grad(), 2 * c.grad() + d.grad());
    max_diff = 0;
    auto e_of = [](double v) { return (2 * v) * (v + 1); };
    compare("de/da", a.grad(), (e_of(3 + kH) - e_of(3 - kH)) / (2 * kH));
    check(max_diff < 1e-6, "a reached along two paths of e = (2a)(a + 1) gets de/da = %.6f = 4a + 2", a.grad());
    return check.summary();
}
