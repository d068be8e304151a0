// Elementwise ops. Binary ops broadcast their operands the NumPy way (broadcast.h).
//   binary: add sub mul div pow, and the operators + - * / with tensors or scalars
//   unary:  neg exp log sqrt tanh relu gelu sigmoid, pow with a scalar exponent
// Each op's formula and its derivative sit together in elementwise.cpp.
#pragma once
#include "autograd/tensor.h"

namespace gs {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);   // a > 0 wherever b's gradient is wanted
Tensor pow(const Tensor& a, real exponent);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);      // the tanh approximation used by GPT-2
Tensor sigmoid(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& a, real s) { return add(a, Tensor::scalar(s)); }
inline Tensor operator-(const Tensor& a, real s) { return sub(a, Tensor::scalar(s)); }
inline Tensor operator*(const Tensor& a, real s) { return mul(a, Tensor::scalar(s)); }
inline Tensor operator/(const Tensor& a, real s) { return div(a, Tensor::scalar(s)); }
inline Tensor operator+(real s, const Tensor& b) { return add(Tensor::scalar(s), b); }
inline Tensor operator-(real s, const Tensor& b) { return sub(Tensor::scalar(s), b); }
inline Tensor operator*(real s, const Tensor& b) { return mul(Tensor::scalar(s), b); }
inline Tensor operator/(real s, const Tensor& b) { return div(Tensor::scalar(s), b); }

}  // namespace gs
