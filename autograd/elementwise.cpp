// Elementwise ops: each op is a small struct holding its formula and its derivative, and two loops
// (binary() and unary() below) run them over contiguous buffers. The structs are template
// arguments, so every loop is compiled per op and inlined: no per-element calls through pointers.
#include "autograd/elementwise.h"

#include <cmath>

#include "autograd/broadcast.h"
#include "autograd/fast_math.h"
#include "autograd/parallel.h"

namespace gs {

namespace {

// ---- binary ops: y = f(a, b); the partials get y and dy too, which saves recomputing ----

// y = a + b;   da += dy;   db += dy
struct Add {
    static real f(real a, real b) { return a + b; }
    static real da(real, real, real, real dy) { return dy; }
    static real db(real, real, real, real dy) { return dy; }
};
// y = a - b;   da += dy;   db += -dy
struct Sub {
    static real f(real a, real b) { return a - b; }
    static real da(real, real, real, real dy) { return dy; }
    static real db(real, real, real, real dy) { return -dy; }
};
// y = a * b;   da += dy * b;   db += dy * a
struct Mul {
    static real f(real a, real b) { return a * b; }
    static real da(real, real b, real, real dy) { return dy * b; }
    static real db(real a, real, real, real dy) { return dy * a; }
};
// y = a / b;   da += dy / b;   db += -dy * a / b^2
struct Div {
    static real f(real a, real b) { return a / b; }
    static real da(real, real b, real, real dy) { return dy / b; }
    static real db(real a, real b, real, real dy) { return -dy * a / (b * b); }
};
// y = a^b;   da += dy * b * a^(b-1);   db += dy * y * ln(a)
struct Pow {
    static real f(real a, real b) { return std::pow(a, b); }
    static real da(real a, real b, real, real dy) { return dy * b * std::pow(a, b - 1); }
    static real db(real a, real, real y, real dy) { return dy * y * std::log(a); }
};

template <typename Op>
void binary_forward(real* y, const real* a, const real* b, const Shape& shape_y,
                    const std::vector<int64_t>& sa, const std::vector<int64_t>& sb) {
    for_each_row(shape_y, sa, sb, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t da, int64_t db) {
        for (int64_t i = 0; i < n; i++) y[o + i] = Op::f(a[ia + i * da], b[ib + i * db]);
    });
}

// Adds each operand's partial into its grad; a broadcast operand's entries receive many terms.
template <typename Op>
void binary_backward(real* dA, real* dB, const real* a, const real* b, const real* y, const real* dy,
                     const Shape& shape_y, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb) {
    for_each_row(shape_y, sa, sb, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t da, int64_t db) {
        for (int64_t i = 0; i < n; i++) {
            real av = a[ia + i * da], bv = b[ib + i * db], yv = y[o + i], g = dy[o + i];
            if (dA) dA[ia + i * da] += Op::da(av, bv, yv, g);
            if (dB) dB[ib + i * db] += Op::db(av, bv, yv, g);
        }
    });
}

// Same shapes: one flat loop, parallel when long (every thread writes its own slice).
template <typename Op>
void same_shape_forward(real* y, const real* a, const real* b, int64_t n) {
#pragma omp parallel for if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) y[i] = Op::f(a[i], b[i]);
}

template <typename Op>
void same_shape_backward(real* dA, real* dB, const real* a, const real* b, const real* y, const real* dy, int64_t n) {
#pragma omp parallel for if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) {
        if (dA) dA[i] += Op::da(a[i], b[i], y[i], dy[i]);
        if (dB) dB[i] += Op::db(a[i], b[i], y[i], dy[i]);
    }
}

template <typename Op>
Tensor binary(const char* name, const Tensor& a, const Tensor& b) {
    Shape shape_y = broadcast_shape(a.shape(), b.shape(), name);
    Tensor y = Tensor::empty(shape_y);
    bool same = a.shape() == b.shape();
    if (same) {
        same_shape_forward<Op>(y.data(), a.data(), b.data(), y.numel());
    } else {
        binary_forward<Op>(y.data(), a.data(), b.data(), shape_y, broadcast_strides(a.shape(), shape_y),
                           broadcast_strides(b.shape(), shape_y));
    }
    y.set_backward(name, {a, b}, [a, b, same](const Tensor& out) {
        real* dA = a.requires_grad() ? a.grad() : nullptr;
        real* dB = b.requires_grad() ? b.grad() : nullptr;
        if (same) {
            same_shape_backward<Op>(dA, dB, a.data(), b.data(), out.data(), out.grad(), out.numel());
        } else {
            binary_backward<Op>(dA, dB, a.data(), b.data(), out.data(), out.grad(), out.shape(),
                                broadcast_strides(a.shape(), out.shape()), broadcast_strides(b.shape(), out.shape()));
        }
    });
    return y;
}

// ---- unary ops: y = f(x); dx += df(x, y, dy) ----

// y = -x;   dx += -dy
struct Neg {
    static real f(real x) { return -x; }
    static real df(real, real, real dy) { return -dy; }
};
// y = e^x;   dx += dy * y
struct Exp {
    static real f(real x) { return std::exp(x); }
    static real df(real, real y, real dy) { return dy * y; }
};
// y = ln x;   dx += dy / x
struct Log {
    static real f(real x) { return std::log(x); }
    static real df(real x, real, real dy) { return dy / x; }
};
// y = sqrt x;   dx += dy / (2 y)
struct Sqrt {
    static real f(real x) { return std::sqrt(x); }
    static real df(real, real y, real dy) { return dy / (2 * y); }
};
// y = tanh x;   dx += dy * (1 - y^2)
struct Tanh {
    static real f(real x) { return std::tanh(x); }
    static real df(real, real y, real dy) { return dy * (1 - y * y); }
};
// y = max(x, 0);   dx += dy where x > 0
struct Relu {
    static real f(real x) { return x > 0 ? x : 0; }
    static real df(real x, real, real dy) { return x > 0 ? dy : 0; }
};
// y = 1 / (1 + e^-x);   dx += dy * y * (1 - y)
// For x < 0 it is computed as e^x / (1 + e^x), so e^-x never overflows.
struct Sigmoid {
    static real f(real x) {
        if (x >= 0) return 1 / (1 + std::exp(-x));
        real e = std::exp(x);
        return e / (1 + e);
    }
    static real df(real, real y, real dy) { return dy * y * (1 - y); }
};
// GELU, tanh approximation (Hendrycks & Gimpel 2016), as in GPT-2:
//   y = x/2 * (1 + tanh(u)),  u = sqrt(2/pi) * (x + 0.044715 x^3)
//   dy/dx = (1 + tanh u)/2 + x/2 * (1 - tanh^2 u) * sqrt(2/pi) * (1 + 3 * 0.044715 x^2)
// tanh is fast_tanh (fast_math.h) so that the loops vectorise; in the double build it is std::tanh.
struct Gelu {
    static constexpr real k = real(0.7978845608028654);   // sqrt(2/pi)
    static constexpr real c = real(0.044715);
    static real f(real x) { return real(0.5) * x * (1 + fast_tanh(k * (x + c * x * x * x))); }
    static real df(real x, real, real dy) {
        real t = fast_tanh(k * (x + c * x * x * x));
        return dy * (real(0.5) * (1 + t) + real(0.5) * x * (1 - t * t) * k * (1 + 3 * c * x * x));
    }
};

template <typename Op>
Tensor unary(const char* name, const Tensor& x) {
    Tensor y = Tensor::empty(x.shape());
    const real* in = x.data();
    real* out = y.data();
    int64_t n = x.numel();
    // Each thread writes its own slice. No `simd` clause: the compiler vectorises the ops it can (GELU's
    // fast_tanh, ReLU, sqrt), and a clause it cannot honour (libm's exp, log, tanh) only earns a warning.
#pragma omp parallel for if (n >= kParallelMin)
    for (int64_t i = 0; i < n; i++) out[i] = Op::f(in[i]);
    y.set_backward(name, {x}, [x](const Tensor& o) {
        real* dx = x.grad();
        const real *xs = x.data(), *ys = o.data(), *dy = o.grad();
        int64_t m = x.numel();
#pragma omp parallel for if (m >= kParallelMin)
        for (int64_t i = 0; i < m; i++) dx[i] += Op::df(xs[i], ys[i], dy[i]);
    });
    return y;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary<Add>("add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary<Sub>("sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary<Mul>("mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary<Div>("div", a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary<Pow>("pow", a, b); }

Tensor neg(const Tensor& x) { return unary<Neg>("neg", x); }
Tensor exp(const Tensor& x) { return unary<Exp>("exp", x); }
Tensor log(const Tensor& x) { return unary<Log>("log", x); }
Tensor sqrt(const Tensor& x) { return unary<Sqrt>("sqrt", x); }
Tensor tanh(const Tensor& x) { return unary<Tanh>("tanh", x); }
Tensor relu(const Tensor& x) { return unary<Relu>("relu", x); }
Tensor gelu(const Tensor& x) { return unary<Gelu>("gelu", x); }
Tensor sigmoid(const Tensor& x) { return unary<Sigmoid>("sigmoid", x); }

// y = x^p;   dx += dy * p * x^(p-1)
Tensor pow(const Tensor& x, real p) {
    Tensor y = Tensor::empty(x.shape());
    for (int64_t i = 0; i < x.numel(); i++) y.data()[i] = std::pow(x.data()[i], p);
    y.set_backward("pow", {x}, [x, p](const Tensor& out) {
        real* dx = x.grad();
        const real *xs = x.data(), *dy = out.grad();
        for (int64_t i = 0; i < x.numel(); i++) dx[i] += dy[i] * p * std::pow(xs[i], p - 1);
    });
    return y;
}

}  // namespace gs
