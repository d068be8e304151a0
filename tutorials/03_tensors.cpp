// Chapter 3: tensors: a shape over a flat buffer, broadcasting, and why broadcast gradients are sums.
// You will learn: how an N-d tensor is laid out row-major in one flat buffer (strides and offsets);
// that reshape is a new shape over the same buffer while transpose copies; NumPy's broadcasting rules;
// and why the backward of a broadcast op sums over the broadcast dims: a bias added to every row of a
// batch receives the sum of the rows' gradients, checked against finite differences and gradcheck().
// Assumes: chapters 1-2 (backward, finite differences). Library code used: autograd/tensor.h,
// autograd/shape.h, autograd/broadcast.h, autograd/elementwise.h, autograd/reduce.h, autograd/gradcheck.h.
// The figure (tutorials/draw.h) draws parts 1 and 3 as boxes.
// Built against the double library (real = double), so finite differences agree to ~1e-10.
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/broadcast.h"
#include "autograd/elementwise.h"
#include "autograd/gradcheck.h"
#include "autograd/reduce.h"
#include "autograd/shape.h"
#include "tutorials/draw.h"
#include "tutorials/tutorial.h"

using namespace gs;

namespace {

std::string list(const std::vector<int64_t>& v) {   // "(12, 4, 1)"
    std::string s;
    for (int64_t e : v) s += (s.empty() ? "" : ", ") + std::to_string(e);
    return "(" + s + ")";
}

void print_rows(const char* name, const Tensor& t) {   // a 2-d tensor, one row per line
    std::printf("%s %s:\n", name, shape_str(t.shape()).c_str());
    for (int64_t r = 0; r < t.size(0); r++) {
        for (int64_t c = 0; c < t.size(1); c++) std::printf(" %6.1f", t.data()[r * t.size(1) + c]);
        std::printf("\n");
    }
}

// Prints one gradient next to its finite-difference estimate (as in chapter 1) and records the gap.
double max_fd_diff = 0;
int n_compared = 0;
void compare(const std::string& name, double grad, double fd) {
    max_fd_diff = std::fmax(max_fd_diff, std::fabs(grad - fd));
    n_compared++;
    std::printf("  %-6s grad %12.8f   finite diff %12.8f\n", name.c_str(), grad, fd);
}

}  // namespace

int main() {
    tut::Checks claim;
    tut::banner("1. A tensor is a shape over one flat buffer, row-major");
    Tensor x = reshape(Tensor::arange(0, 24), {2, 3, 4});   // each element's value is its flat offset
    // Row-major strides: moving the last index steps 1, the middle one skips a row of 4, the first a block of 12.
    std::vector<int64_t> st(3, 1);
    for (size_t d = 2; d > 0; d--) st[d - 1] = st[d] * x.shape()[d];
    std::printf("x = arange(24) as %s, numel %d, strides %s\n", shape_str(x.shape()).c_str(), int(x.numel()),
                list(st).c_str());
    for (const Shape& at : {Shape{0, 0, 1}, Shape{0, 1, 0}, Shape{1, 0, 0}, Shape{1, 2, 3}})
        std::printf("  x%s at offset %d*12 + %d*4 + %d = %2g\n", list(at).c_str(), int(at[0]), int(at[1]),
                    int(at[2]), x.data()[at[0] * st[0] + at[1] * st[1] + at[2] * st[2]]);
    bool offsets_ok = true;   // position_of (check.h) turns a flat offset back into an index
    for (int64_t off = 0; off < 24; off++)
        offsets_ok = offsets_ok && x.data()[off] == real(off) &&
                     position_of(off, x.shape()) == Shape{off / 12, off / 4 % 3, off % 4};
    claim(offsets_ok, "all 24 elements of a [2, 3, 4] tensor sit at offset i*12 + j*4 + k");
    Tensor x_copy = Tensor::arange(0, 24);   // for the figure: x's values before part 2 writes into it

    tut::banner("2. reshape shares the buffer; transpose copies");
    Tensor y = reshape(x, {4, 6});
    y.data()[5] = -1;   // y(0, 5) is offset 5, which in x is (0, 1, 1)
    std::printf("y = reshape(x, [4, 6]) shares storage: %s; after y(0, 5) = -1, x(0, 1, 1) = %g\n",
                y.shares_storage_with(x) ? "yes" : "no", x.data()[1 * 4 + 1]);
    Tensor t = transpose(y, 0, 1);   // [6, 4]: t(c, r) = y(r, c), copied into a fresh row-major buffer
    std::printf("t = transpose(y, 0, 1) is %s, shares storage: %s; t(5, 0) = %g, t(0, 1) = y(1, 0) = %g\n",
                shape_str(t.shape()).c_str(), t.shares_storage_with(y) ? "yes" : "no", t.data()[5 * 4], t.data()[1]);
    claim(y.shares_storage_with(x) && x.data()[5] == -1 && !t.shares_storage_with(y) && t.data()[1] == y.data()[6],
          "reshape writes through to the original; transpose makes a contiguous copy");

    tut::banner("3. Broadcasting: align shapes at the right; a 1 (or a missing dim) stretches");
    std::vector<std::pair<Shape, Shape>> pairs = {
        {{4, 3}, {3}}, {{4, 1}, {1, 3}}, {{2, 1, 3}, {4, 1}}, {{5, 4}, {}}, {{4, 3}, {4}}};
    std::vector<bool> clashed;
    for (const auto& [a, b] : pairs) {
        clashed.push_back(false);
        try {   // a stretched operand is read with stride 0 along the dims it is stretched over
            Shape out = broadcast_shape(a, b, "add");
            std::printf("  %-9s + %-6s -> %-9s  read with strides: a %-9s b %s\n", shape_str(a).c_str(),
                        shape_str(b).c_str(), shape_str(out).c_str(), list(broadcast_strides(a, out)).c_str(),
                        list(broadcast_strides(b, out)).c_str());
        } catch (const std::invalid_argument& e) {
            clashed.back() = true;
            std::printf("  %-9s + %-6s -> error: %s\n", shape_str(a).c_str(), shape_str(b).c_str(), e.what());
        }
    }
    claim(clashed == std::vector<bool>{false, false, false, false, true},
          "[4, 3] + [4] is rejected (3 vs 4 at the right) and the other 4 pairs broadcast");
    Tensor a12 = reshape(Tensor::arange(0, 12), {4, 3}), bias = Tensor::from({3}, {10, 20, 30});
    print_rows("arange(12) as [4, 3], plus bias [10, 20, 30] added to every row", a12 + bias);
    tut::save_figure(draw::strides_and_broadcasting(x_copy, a12, bias, a12 + bias), "03", "tensors");

    tut::banner("4. The backward of a broadcast sums over the broadcast dims");
    // y = x + b with x (4, 3), b (3): b[j] is used by all 4 rows, so (chapter 1) its gradient is the sum
    // of the 4 uses: db[j] = sum_r dy[r, j]. x's gradient is dy itself: each x element is used once.
    Rng rng(7);
    Tensor xb = Tensor::randn({4, 3}, rng).requires_grad_();
    Tensor b = Tensor::from({3}, {0.1, -0.2, 0.3}).requires_grad_();
    Tensor dy = Tensor::from({4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    (xb + b).backward(dy);   // seed the backward with dy instead of 1
    print_rows("dy, the gradient arriving at y", dy);
    Tensor col = sum(dy, 0);
    std::printf("column sums of dy: [%g, %g, %g];  b.grad: [%g, %g, %g]\n", col.data()[0], col.data()[1],
                col.data()[2], b.grad()[0], b.grad()[1], b.grad()[2]);
    double sum_diff = 0;
    for (int j = 0; j < 3; j++) sum_diff = std::fmax(sum_diff, std::fabs(b.grad()[j] - col.data()[j]));
    claim(sum_diff == 0, "b.grad equals the column sums of dy exactly (max |diff| = %.1e)", sum_diff);
    // L = sum(dy * (x + b)) has dL/dy = dy; nudging b[j] moves all 4 of y[:, j] at once.
    auto L = [&] { return double(sum(dy * (xb + b)).item()); };
    for (int j = 0; j < 3; j++) compare("b[" + std::to_string(j) + "]", b.grad()[j], tut::finite_diff(L, b, j));
    for (int i = 0; i < 12; i += 5) compare("x[" + std::to_string(i) + "]", xb.grad()[i], tut::finite_diff(L, xb, i));
    claim(max_fd_diff < 1e-7, "all %d gradients of x + b match finite differences (max |diff| = %.1e, tolerance 1e-7)",
          n_compared, max_fd_diff);

    tut::banner("5. gradcheck: every element of every input, on broadcast shapes");
    // gradcheck (autograd/gradcheck.h) nudges every input element as part 4 did, on the loss
    // L = sum(w * f(a, c)) with fixed random weights w, and compares with backward().
    int checked = 0;
    double max_err = 0;
    bool grads_ok = true;
    auto run = [&](const char* what, const Shape& sa, const Shape& sc, Tensor (*f)(const Tensor&, const Tensor&)) {
        Tensor a = Tensor::randn(sa, rng).requires_grad_(), c = Tensor::randn(sc, rng).requires_grad_();
        GradcheckResult r = gradcheck([f](const std::vector<Tensor>& in) { return f(in[0], in[1]); }, {a, c});
        std::printf("  %-30s %2d elements  max |diff| %.1e  %s\n", what, int(r.checked), r.max_abs_err,
                    r.ok ? "ok" : r.report.c_str());
        checked += int(r.checked);
        max_err = std::fmax(max_err, r.max_abs_err);
        grads_ok = grads_ok && r.ok;
    };
    run("a + c        [4, 3], [3]", {4, 3}, {3}, [](const Tensor& a, const Tensor& c) { return a + c; });
    run("a * c outer  [4, 1], [1, 3]", {4, 1}, {1, 3}, [](const Tensor& a, const Tensor& c) { return a * c; });
    run("a / (c*c+1)  [2, 1, 3], [4, 1]", {2, 1, 3}, {4, 1},
        [](const Tensor& a, const Tensor& c) { return a / (c * c + 1.0); });
    claim(grads_ok, "gradcheck passes on 3 broadcast ops (%d elements, max |diff| = %.1e)", checked, max_err);
    return claim.summary();
}
