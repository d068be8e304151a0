// The shared checks of check.h: comparisons with a diagnosis, the backward check, Values as Tensor ops.
#include "tutorials/exercises/harness/check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/catalog.h"

namespace gs::workbook {

namespace {

// What the inputs' grads hold before the learner's backward runs: a correct backward adds to it.
constexpr double kPrefill = 0.5;

bool close(double expected, double got, double atol, double rtol) {
    if (std::isnan(got) || std::isnan(expected)) return false;
    if (std::isinf(expected) || std::isinf(got)) return expected == got;
    return std::fabs(got - expected) <= atol + rtol * std::fabs(expected);
}

// A recognisable shape of the error, or "". prefill: what the buffer held before (0 for a forward); first:
// the first wrong element. A ratio or an offset is only named when several elements share it.
std::string diagnose(const real* expected, const real* got, int64_t n, double prefill, double atol, double rtol,
                     int64_t first) {
    bool any_nan = false, all_zero = true, any_expected = false;
    for (int64_t i = 0; i < n; i++) {
        any_nan = any_nan || std::isnan(double(got[i]));
        all_zero = all_zero && got[i] == 0;
        any_expected = any_expected || (std::isfinite(double(expected[i])) && std::fabs(double(expected[i])) > atol);
    }
    if (any_nan) return "a NaN: an exp that overflowed, or inf - inf, or 0/0?";
    if (all_zero && any_expected) return "every value is 0: did your code write anything here?";
    if (prefill != 0) {
        bool assigned = true;
        for (int64_t i = 0; i < n && assigned; i++)
            assigned = close(double(expected[i]), double(got[i]) + prefill, atol, rtol);
        if (assigned)
            return "off by exactly what the gradient held before your code ran (" + fmt(prefill) +
                   "): = where += belongs overwrites the other terms";
    }
    // one ratio got/expected for every element (where both are finite and expected is not ~0)?
    double ratio = 0;
    int64_t have = 0;
    bool same_ratio = true;
    for (int64_t i = 0; i < n && same_ratio; i++) {
        double e = double(expected[i]), g = double(got[i]);
        if (!std::isfinite(e) || !std::isfinite(g)) continue;
        if (std::fabs(e) <= 1e-6) {
            same_ratio = std::fabs(g) <= 1e-6;
            continue;
        }
        if (have++ == 0) ratio = g / e;
        same_ratio = std::fabs(g / e - ratio) <= 1e-6 * std::fmax(1.0, std::fabs(ratio));
    }
    if (have >= 2 && same_ratio) {
        if (std::fabs(ratio + 1) < 1e-6) return "the expected value with its sign flipped, everywhere";
        if (std::fabs(ratio - 1) > 1e-6) return "every value is " + fmt(ratio) + " times the expected one";
    }
    // one offset got - expected for every element?
    double offset = 0;
    int64_t have_offset = 0;
    bool same_offset = true;
    for (int64_t i = 0; i < n && same_offset; i++) {
        double e = double(expected[i]), g = double(got[i]);
        if (!std::isfinite(e) || !std::isfinite(g)) continue;
        if (have_offset++ == 0) offset = g - e;
        same_offset = std::fabs(g - e - offset) <= atol + 1e-9 * std::fabs(e);
    }
    if (have_offset >= 2 && same_offset && std::fabs(offset) > atol) return "every value is off by the same " + fmt(offset);
    if (prefill != 0 && close(double(expected[first]), double(got[first]) + prefill, atol, rtol))
        return "this one is off by exactly what the gradient held before your code ran (" + fmt(prefill) +
               "): = where += belongs?";
    return "";
}

// sum(w * f(x)) with input k's element i moved by +-eps: the central difference at one element.
double finite_difference(const GradcheckFn& f, const std::vector<Tensor>& inputs, const Tensor& w, size_t k, int64_t i) {
    NoGradGuard no_grad;
    const double eps = GradcheckOptions().eps;
    auto projected = [&] {
        Tensor y = f(inputs);
        double L = 0;
        for (int64_t j = 0; j < y.numel(); j++) L += double(w.data()[j]) * double(y.data()[j]);
        return L;
    };
    real saved = inputs[k].data()[i];
    inputs[k].data()[i] = real(double(saved) + eps);
    double plus = projected();
    inputs[k].data()[i] = real(double(saved) - eps);
    double minus = projected();
    inputs[k].data()[i] = saved;
    return (plus - minus) / (2 * eps);
}

// The first element where got differs from expected, or -1.
int64_t first_mismatch(const real* expected, const real* got, int64_t n, double atol, double rtol) {
    for (int64_t i = 0; i < n; i++)
        if (!close(double(expected[i]), double(got[i]), atol, rtol)) return i;
    return -1;
}

std::string with_diagnosis(const std::string& d) { return d.empty() ? "" : " (" + d + ")"; }

}  // namespace

std::string Case::prefix() const {
    std::string s = "exercise " + id + " (" + find_exercise(id).title + ")";
    return what.empty() ? s : s + ", " + what;
}

void fail(const Case& c, const std::string& message) {
    ADD_FAILURE() << c.prefix() << ": " << message << (c.hint.empty() ? "" : "\n  hint: " + c.hint);
}

bool attempt(const Case& c, const std::function<void()>& fn) {
    try {
        fn();
        return true;
    } catch (const ex::NotDone& e) {
        ADD_FAILURE() << e.what();
    } catch (const std::exception& e) {
        fail(c, std::string("your code threw an exception: ") + e.what());
    }
    return false;
}

std::string fmt(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

std::string position(int64_t k, const Shape& shape) {
    if (shape.empty()) return "";   // a 0-d value is named alone
    Shape p = position_of(k, shape);
    std::string s = "[";
    for (size_t i = 0; i < p.size(); i++) s += (i ? ", " : "") + std::to_string(p[i]);
    return s + "]";
}

Tensor copy_of(const Tensor& t) {
    Tensor c = Tensor::from(t.shape(), t.to_vector());
    if (t.requires_grad()) c.requires_grad_();
    return c;
}

bool expect_close(const Case& c, const std::string& name, const Shape& shape, const real* expected, const real* got,
                  double atol, double rtol) {
    int64_t n = shape_numel(shape);
    int64_t i = first_mismatch(expected, got, n, atol, rtol);
    if (i < 0) return true;
    fail(c, name + position(i, shape) + " is wrong: expected " + fmt(double(expected[i])) + ", got " +
                fmt(double(got[i])) + with_diagnosis(diagnose(expected, got, n, 0, atol, rtol, i)));
    return false;
}

bool expect_close(const Case& c, const std::string& name, const Shape& shape, const std::vector<real>& expected,
                  const std::vector<real>& got, double atol, double rtol) {
    if (int64_t(expected.size()) != shape_numel(shape) || got.size() != expected.size()) {
        fail(c, name + " should hold " + std::to_string(shape_numel(shape)) + " values " + shape_str(shape) + ", got " +
                    std::to_string(got.size()));
        return false;
    }
    return expect_close(c, name, shape, expected.data(), got.data(), atol, rtol);
}

bool expect_backward(const Case& c, const GradcheckFn& yours, const GradcheckFn& reference,
                     const std::vector<Tensor>& inputs, const std::vector<std::string>& grad_names,
                     bool finite_differences) {
    // the reference gradient, seeded with gradcheck's own projection weights
    std::vector<Tensor> ref_in;
    for (const Tensor& x : inputs) ref_in.push_back(copy_of(x));
    Tensor y_ref = reference(ref_in);
    Rng rng(GradcheckOptions().seed);
    Tensor w = Tensor::randn(y_ref.shape(), rng);
    y_ref.backward(w);

    // yours, on inputs whose grads already hold kPrefill
    std::vector<Tensor> your_in;
    for (const Tensor& x : inputs) {
        your_in.push_back(copy_of(x));
        if (x.requires_grad())
            for (int64_t i = 0; i < x.numel(); i++) your_in.back().grad()[i] = real(kPrefill);
    }
    bool ran = attempt(c, [&] {
        Tensor y = yours(your_in);
        y.backward(w);
    });
    if (!ran) return false;

    const double atol = 1e-9, rtol = 1e-7;
    for (size_t k = 0; k < inputs.size(); k++) {
        if (!inputs[k].requires_grad()) continue;
        int64_t n = inputs[k].numel();
        std::vector<real> got(size_t(n), 0);
        for (int64_t i = 0; i < n; i++) got[size_t(i)] = real(double(your_in[k].grad()[i]) - kPrefill);
        const real* expected = ref_in[k].grad();
        int64_t i = first_mismatch(expected, got.data(), n, atol, rtol);
        if (i < 0) continue;
        std::vector<Tensor> fd_in;
        for (const Tensor& x : inputs) fd_in.push_back(copy_of(x));
        double fd = finite_difference(reference, fd_in, w, k, i);
        std::string name = k < grad_names.size() ? grad_names[k] : "d(input " + std::to_string(k) + ")";
        fail(c, name + position(i, inputs[k].shape()) + " is wrong: expected " + fmt(double(expected[i])) +
                    " (the library's backward; finite differences give " + fmt(fd) + "), got " +
                    fmt(double(got[size_t(i)])) +
                    with_diagnosis(diagnose(expected, got.data(), n, kPrefill, atol, rtol, i)));
        return false;
    }
    if (!finite_differences) return true;

    std::vector<Tensor> fd_in;
    for (const Tensor& x : inputs) fd_in.push_back(copy_of(x));
    GradcheckResult r;
    if (!attempt(c, [&] { r = gradcheck(yours, fd_in); })) return false;
    if (!r.ok) fail(c, "your backward disagrees with finite differences (gradcheck):\n" + r.report);
    return r.ok;
}

// ---- Values as Tensor ops ----

Tensor value_op(const std::vector<Tensor>& inputs, const Shape& out_shape, const ValueFn& f,
                const ValueEngine& engine) {
    std::vector<std::vector<Value>> leaves(inputs.size());
    for (size_t k = 0; k < inputs.size(); k++)
        for (int64_t i = 0; i < inputs[k].numel(); i++) leaves[k].push_back(Value(double(inputs[k].data()[i])));
    std::vector<Value> outs = f(leaves);
    check(int64_t(outs.size()) == shape_numel(out_shape), "value_op", "the function made ", outs.size(),
          " outputs for an output of shape ", out_shape);
    Tensor y = Tensor::empty(out_shape);
    for (size_t o = 0; o < outs.size(); o++) y.data()[o] = real(outs[o].data());
    // the closure holds the leaves and outputs (Values, not Tensors): no cycle through y
    y.set_backward("value_op", inputs, [inputs, leaves, outs, engine](const Tensor& out) {
        Value root(0.0);
        for (size_t o = 0; o < outs.size(); o++) root = root + outs[o] * double(out.grad()[o]);
        engine(root);
        for (size_t k = 0; k < inputs.size(); k++) {
            if (!inputs[k].requires_grad()) continue;
            for (size_t i = 0; i < leaves[k].size(); i++) inputs[k].grad()[i] += real(leaves[k][i].grad());
        }
    });
    return y;
}

void library_engine(const Value& root) {
    Value r = root;   // a copy shares the node
    r.backward();
}

std::vector<ValueNode*> reference_topo(ValueNode* root) {
    // post-order depth-first walk with an explicit stack of (node, inputs already visited)
    std::vector<ValueNode*> order;
    std::unordered_set<ValueNode*> seen{root};
    std::vector<std::pair<ValueNode*, int>> stack{{root, 0}};
    while (!stack.empty()) {
        auto& [n, next] = stack.back();
        if (next < n->n_inputs) {
            ValueNode* in = n->inputs[next++].node.get();
            if (seen.insert(in).second) stack.push_back({in, 0});
        } else {
            order.push_back(n);
            stack.pop_back();
        }
    }
    return order;
}

}  // namespace gs::workbook
