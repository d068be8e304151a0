// The rules every kernel's loops share: when a loop is worth splitting across threads, and how a sum
// (or a max) is made fast without its bits depending on the thread count. Kernels point here rather
// than repeat it.
// Not here: GEMM's own thresholds and thread paths (gemm_blocked.h, gemm_threads.cpp).
#pragma once
#include <cstdint>
#include <limits>

#include "autograd/real.h"

namespace gs {

// A loop is split across OpenMP threads only when it does at least this much work (elements of an
// elementwise or row loop, multiply-adds of attention's products): below it, waking the waiting
// threads and joining them again costs more than the split saves.
constexpr int64_t kParallelMin = 1 << 15;

// ---- sums whose bits do not depend on the thread count ----
// Every kernel gives each output value to one thread, which adds its terms in an order fixed by the
// sizes alone, so the result is the same bits for any thread count. Two ways keep that order fixed
// and the sum fast:
//
// `#pragma omp simd reduction(+ : s)` on a float loop (the softmax, attention and layer-norm rows).
// A compiler may not reorder a float sum by itself, since that changes its rounding, so a plain
// `s += x[i]` loop adds one element at a time, each add waiting for the one before. The reduction
// clause allows the reordering: the loop keeps one partial sum per vector lane and adds the lanes up
// at the end. That order depends only on the vector width, fixed when compiling (8 floats with AVX2,
// 4 with NEON or SSE), so the bits do not depend on the thread count; builds for different instruction
// sets may differ in the last bits. A max is exact in any order. Without OpenMP the pragma is ignored
// and the loop adds in index order: slower, equally deterministic. (A loop whose body calls libm
// cannot be vectorised at all, so the loops over fast_exp ask for vector code only in the float
// build: `if (simd : kFastMathVectorises)`, fast_math.h.)
//
// lane_sum below, for long sums in double (a gradient norm, a reduction over a row): eight running
// sums written out in the source, so the order is the same in every build on every machine.

// sum_i f(x[i]) in double. Element i goes to lane i % 8; the lanes are combined pairwise, then the
// tail past the last whole 8 is added. A single running sum is one long chain of dependent adds; the
// eight chains overlap, and the compiler keeps them in vector registers.
template <typename F>
double lane_sum(const real* x, int64_t n, F f) {
    double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) lane[k] += f(double(x[i + k]));
    double s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    for (; i < n; i++) s += f(double(x[i]));
    return s;
}

// max_i x[i * step], -inf for n = 0 (NaNs are skipped, as std::max skips them when they come second). A max
// is exact in any order, so eight running maxima give the value a plain loop gives. They are written
// out because no single form vectorises everywhere: clang does not vectorise an `omp simd
// reduction(max : m)` over floats without -ffinite-math-only, and GCC needs the `omp simd` on the
// lanes to vectorise them.
inline real lane_max(const real* x, int64_t n, int64_t step) {
    real lane[8];
    for (int k = 0; k < 8; k++) lane[k] = -std::numeric_limits<real>::infinity();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
#pragma omp simd
        for (int k = 0; k < 8; k++) lane[k] = x[(i + k) * step] > lane[k] ? x[(i + k) * step] : lane[k];
    }
    real m = lane[0];
    for (int k = 1; k < 8; k++) m = lane[k] > m ? lane[k] : m;
    for (; i < n; i++) m = x[i * step] > m ? x[i * step] : m;
    return m;
}

}  // namespace gs
