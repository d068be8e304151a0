// GEMM's micro-kernels: the innermost layer, where the arithmetic happens. A micro-kernel keeps an
// MR x NR tile of C in vector registers while it walks K, reading a packed A panel (kc, MR) and a packed
// B sliver (kc, NR) that gemm.cpp laid out in exactly the order it reads them. One kernel is compiled
// in, chosen by what the compiler targets:
//   AVX2 + FMA (x86-64), float build      6 x 16: the tile fills 12 of the 16 ymm registers
//   NEON (aarch64), float build           8 x 12: the tile fills 24 of the 32 q registers
//   anything else, and the double build   6 x (64 bytes of columns): plain loops the compiler vectorises
// Not here: runtime CPU detection (a build runs the kernel it was compiled for) and AVX-512.
#pragma once
#include <cmath>
#include <cstdint>

#include "autograd/real.h"

#if defined(__AVX2__) && defined(__FMA__) && !defined(GRADSCHOOL_DOUBLE)
#define GS_GEMM_AVX2 1
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__) && !defined(GRADSCHOOL_DOUBLE)
#define GS_GEMM_NEON 1
#include <arm_neon.h>
#endif

namespace gs::gemm_detail {

// Every kernel has the same contract:
//   micro_kernel(kc, a, b, c, ldc, add):   c[0:MR, 0:NR] (=, or += if add) a-panelᵀ · b-sliver
//   micro_kernel_narrow(...):              the same for columns 0 .. NR_NARROW-1 only; c's other columns
//                                          are left alone (a last sliver of few columns does less work)
// Each element of the tile is summed from zero over k in order, and only then added to c, so a tile
// at the edge of C (run into a scratch tile and copied out) gets exactly the bits a full tile would,
// and the narrow kernel's columns are the full kernel's bits.

#if defined(GS_GEMM_AVX2)
// 6 x 16 = 12 ymm accumulators + 2 for the B row + 1 for the broadcast A value = 15 of 16 registers.
// Per k: 12 FMAs for 8 loads; 12 independent FMA chains cover the 4-cycle FMA latency on 2 FMA pipes
// (8 in flight are needed).
constexpr int64_t MR = 6, NR = 16, NR_NARROW = 8;

// The 12 accumulators are separate variables, not an array: GCC does not always keep an array of
// vectors in registers, and one spill per FMA halves the speed.
template <bool narrow>
inline void micro_kernel_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    __m256 lo0 = _mm256_setzero_ps(), lo1 = lo0, lo2 = lo0, lo3 = lo0, lo4 = lo0, lo5 = lo0;   // row i, cols 0-7
    __m256 hi0 = lo0, hi1 = lo0, hi2 = lo0, hi3 = lo0, hi4 = lo0, hi5 = lo0;                  // row i, cols 8-15
    // Start fetching the C tile now: its rows are ldc apart, so it is rarely in L1, and the loads at
    // the end would otherwise stall. By then the kc-long loop has hidden the latency.
    for (int i = 0; i < MR; i++) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
    }
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
        __m256 b_lo = _mm256_load_ps(b), ai;   // row k of the B sliver (64-byte aligned by the packing)
        if constexpr (narrow) {
            ai = _mm256_broadcast_ss(a + 0); lo0 = _mm256_fmadd_ps(ai, b_lo, lo0);
            ai = _mm256_broadcast_ss(a + 1); lo1 = _mm256_fmadd_ps(ai, b_lo, lo1);
            ai = _mm256_broadcast_ss(a + 2); lo2 = _mm256_fmadd_ps(ai, b_lo, lo2);
            ai = _mm256_broadcast_ss(a + 3); lo3 = _mm256_fmadd_ps(ai, b_lo, lo3);
            ai = _mm256_broadcast_ss(a + 4); lo4 = _mm256_fmadd_ps(ai, b_lo, lo4);
            ai = _mm256_broadcast_ss(a + 5); lo5 = _mm256_fmadd_ps(ai, b_lo, lo5);
        } else {
            __m256 b_hi = _mm256_load_ps(b + 8);
            ai = _mm256_broadcast_ss(a + 0); lo0 = _mm256_fmadd_ps(ai, b_lo, lo0); hi0 = _mm256_fmadd_ps(ai, b_hi, hi0);
            ai = _mm256_broadcast_ss(a + 1); lo1 = _mm256_fmadd_ps(ai, b_lo, lo1); hi1 = _mm256_fmadd_ps(ai, b_hi, hi1);
            ai = _mm256_broadcast_ss(a + 2); lo2 = _mm256_fmadd_ps(ai, b_lo, lo2); hi2 = _mm256_fmadd_ps(ai, b_hi, hi2);
            ai = _mm256_broadcast_ss(a + 3); lo3 = _mm256_fmadd_ps(ai, b_lo, lo3); hi3 = _mm256_fmadd_ps(ai, b_hi, hi3);
            ai = _mm256_broadcast_ss(a + 4); lo4 = _mm256_fmadd_ps(ai, b_lo, lo4); hi4 = _mm256_fmadd_ps(ai, b_hi, hi4);
            ai = _mm256_broadcast_ss(a + 5); lo5 = _mm256_fmadd_ps(ai, b_lo, lo5); hi5 = _mm256_fmadd_ps(ai, b_hi, hi5);
        }
    }
    auto put = [&](float* row, __m256 lo, __m256 hi) {
        if (add) lo = _mm256_add_ps(_mm256_loadu_ps(row), lo);
        _mm256_storeu_ps(row, lo);
        if constexpr (!narrow) {
            if (add) hi = _mm256_add_ps(_mm256_loadu_ps(row + 8), hi);
            _mm256_storeu_ps(row + 8, hi);
        }
    };
    put(c, lo0, hi0);
    put(c + ldc, lo1, hi1);
    put(c + 2 * ldc, lo2, hi2);
    put(c + 3 * ldc, lo3, hi3);
    put(c + 4 * ldc, lo4, hi4);
    put(c + 5 * ldc, lo5, hi5);
}
inline void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_avx2<false>(kc, a, b, c, ldc, add);
}
inline void micro_kernel_narrow(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_avx2<true>(kc, a, b, c, ldc, add);
}

#elif defined(GS_GEMM_NEON)
// 8 x 12 = 24 q-register accumulators (4 floats each) + 3 for the B row + 2 for the 8 A values = 29 of
// the 32 registers. Per k: 24 FMAs for 5 loads. The A values are never broadcast into registers of
// their own: FMLA's by-element form multiplies a vector by one lane of another (vfmaq_laneq_f32).
// 24 independent chains cover the FMA latency (4 cycles) on cores with up to 4 FMA pipes.
constexpr int64_t MR = 8, NR = 12, NR_NARROW = 8;

// One row of the tile: columns 0-3, 4-7 and 8-11 in three registers. The rows are separate variables
// and the lanes template arguments, as in the AVX2 kernel: GCC keeps an array of vectors indexed in a
// loop in memory, storing every accumulator on every k.
struct NeonRow {
    float32x4_t lo, mid, hi;
};
// row += b * a[lane] (the narrow kernel leaves out the last 4 columns)
template <bool narrow, int lane>
inline void fma_row(NeonRow& row, float32x4_t b0, float32x4_t b1, float32x4_t b2, float32x4_t a) {
    row.lo = vfmaq_laneq_f32(row.lo, b0, a, lane);
    row.mid = vfmaq_laneq_f32(row.mid, b1, a, lane);
    if constexpr (!narrow) row.hi = vfmaq_laneq_f32(row.hi, b2, a, lane);
}

template <bool narrow>
inline void micro_kernel_neon(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    NeonRow r0{zero, zero, zero}, r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0;
    for (int i = 0; i < MR; i++) __builtin_prefetch(c + i * ldc);   // C's rows are ldc apart, rarely in L1
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
        const float32x4_t a_lo = vld1q_f32(a), a_hi = vld1q_f32(a + 4);   // column k of the A panel
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);        // row k of the B sliver
        const float32x4_t b2 = narrow ? zero : vld1q_f32(b + 8);
        fma_row<narrow, 0>(r0, b0, b1, b2, a_lo);
        fma_row<narrow, 1>(r1, b0, b1, b2, a_lo);
        fma_row<narrow, 2>(r2, b0, b1, b2, a_lo);
        fma_row<narrow, 3>(r3, b0, b1, b2, a_lo);
        fma_row<narrow, 0>(r4, b0, b1, b2, a_hi);
        fma_row<narrow, 1>(r5, b0, b1, b2, a_hi);
        fma_row<narrow, 2>(r6, b0, b1, b2, a_hi);
        fma_row<narrow, 3>(r7, b0, b1, b2, a_hi);
    }
    auto put = [&](float* row, const NeonRow& t) {
        vst1q_f32(row, add ? vaddq_f32(vld1q_f32(row), t.lo) : t.lo);
        vst1q_f32(row + 4, add ? vaddq_f32(vld1q_f32(row + 4), t.mid) : t.mid);
        if constexpr (!narrow) vst1q_f32(row + 8, add ? vaddq_f32(vld1q_f32(row + 8), t.hi) : t.hi);
    };
    put(c, r0);
    put(c + ldc, r1);
    put(c + 2 * ldc, r2);
    put(c + 3 * ldc, r3);
    put(c + 4 * ldc, r4);
    put(c + 5 * ldc, r5);
    put(c + 6 * ldc, r6);
    put(c + 7 * ldc, r7);
}
inline void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_neon<false>(kc, a, b, c, ldc, add);
}
inline void micro_kernel_narrow(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool add) {
    micro_kernel_neon<true>(kc, a, b, c, ldc, add);
}

#else
// Portable: the compiler vectorises the j loop (SSE2 on any x86-64, NEON, ...); the tile is small enough
// to stay in registers or close to them. 64 bytes of columns: 16 floats, or 8 doubles.
constexpr int64_t MR = 6, NR = 64 / sizeof(real), NR_NARROW = NR;

inline void micro_kernel(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add) {
    real acc[MR][NR] = {};   // (MR, NR) the tile
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR)
        for (int64_t i = 0; i < MR; i++)
#pragma omp simd
            for (int64_t j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
    for (int64_t i = 0; i < MR; i++, c += ldc)
        for (int64_t j = 0; j < NR; j++) c[j] = add ? c[j] + acc[i][j] : acc[i][j];
}
inline void micro_kernel_narrow(int64_t kc, const real* a, const real* b, real* c, int64_t ldc, bool add) {
    micro_kernel(kc, a, b, c, ldc, add);
}
#endif

static_assert(NR_NARROW <= NR, "the narrow kernel computes a prefix of the tile's columns");

// c + a * b rounded as the micro-kernel above rounds it: once (a fused multiply-add) where it is written
// with FMA instructions, twice where it is plain C++ (the build forbids the compiler to fuse on its own,
// -ffp-contract=off). The products computed without packing (gemm_small, gemm_rows) use it, so that where
// they add in the kernel's order (k ascending from zero) they give the packed product's bits: a model's
// one-token step then matches the same row of a full forward.
inline real kernel_madd(real c, real a, real b) {
#if defined(GS_GEMM_AVX2) || defined(GS_GEMM_NEON)
    return std::fma(a, b, c);
#else
    return c + a * b;
#endif
}

}  // namespace gs::gemm_detail
