// exp and tanh for float loops the compiler can vectorise. std::exp / std::tanh are calls into libm,
// which GCC vectorises only under -ffast-math, and a loop that calls one per element (GELU, softmax)
// runs one element at a time. These are plain branch-free C++, with no intrinsics, so `#pragma omp simd`
// loops over them become vector code for whatever the compiler targets: AVX2, SSE2, NEON. Accuracy: a
// few ulp over the range GELU uses (tests/test_fast_math.cpp measures it). The double build (gradient
// tests) keeps the exact libm functions.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "autograd/real.h"

namespace gs {

// True where fast_exp and fast_tanh are the branch-free versions below (the float build). In the
// double build they are libm calls, which no compiler vectorises, so `omp simd` loops over them say
// `if (simd : kFastMathVectorises)` and ask for vector code only where it can exist.
constexpr bool kFastMathVectorises = std::is_same_v<real, float>;

// cond ? a : b, computed from bit masks rather than by a branch. Both sides are always computed (they
// are plain values here). Written with `?:`, GCC 12 turns a select between constants into branches
// and folds the arithmetic after it separately on each branch; under the default -ftrapping-math it
// may then not compute that arithmetic for lanes that took the other branch, and gives up vectorising
// the whole loop ("control flow in loop"). Masks leave no branch to split around.
inline float bit_select(bool cond, float a, float b) {
    uint32_t ia, ib;
    std::memcpy(&ia, &a, sizeof ia);
    std::memcpy(&ib, &b, sizeof ib);
    const uint32_t mask = 0u - uint32_t(cond);   // all ones if cond
    const uint32_t r = (ia & mask) | (ib & ~mask);
    float out;
    std::memcpy(&out, &r, sizeof out);
    return out;
}

// e^x = 2^n * e^r with n = round(x / ln 2), |r| <= ln(2)/2; e^r by a degree-6 Taylor polynomial
// (error below 1e-7 on that interval); 2^n built directly in the float's exponent bits.
// Written so compilers vectorise it without -ffast-math: the clamp is two selects (std::fmin/fmax
// are libm calls on x86), and n is rounded by adding and subtracting 1.5 * 2^23 (std::nearbyint is a
// call, and std::floor stops GCC 12 vectorising an `omp simd` loop at all).
// Below -87 the result is 0 (e^-87 is near the smallest normal float; libm would go on into the
// denormals), so a softmax gives masked -inf scores weight exactly 0. Above 88 it stays at e^88.
inline float fast_exp(float x) {
    float c = bit_select(x < -87.0f, -87.0f, x);   // keeps 2^n a normal float
    c = bit_select(c > 88.0f, 88.0f, c);
    const float round = 12582912.0f;           // 1.5 * 2^23: float sums snap to integers
    float n = (c * 1.44269504088896341f + round) - round;
    float r = c - n * 0.693145751953125f - n * 1.428606765330187e-06f;   // ln 2 split in two for precision
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.6666667e-1f + r * (4.1666668e-2f + r * (8.3333338e-3f + r * 1.3888889e-3f)))));
    int32_t bits = (int32_t(bit_select(n == n, n, 0.0f)) + 127) << 23;   // int32_t(NaN) is undefined; p carries the NaN
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return bit_select(x < -87.0f, 0.0f, p * scale);
}

// tanh x = (1 - e) / (1 + e) * sign(x), e = e^(-2|x|) in (0, 1], so nothing overflows
inline float fast_tanh(float x) {
    float e = fast_exp(-2.0f * std::fabs(x));
    return std::copysign((1.0f - e) / (1.0f + e), x);
}

inline double fast_exp(double x) { return std::exp(x); }
inline double fast_tanh(double x) { return std::tanh(x); }

}  // namespace gs
