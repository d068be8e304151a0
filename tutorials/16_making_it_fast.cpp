// Chapter 16: making it fast: one matrix multiply, from three plain loops to the library's gemm.
// You will learn: why the order of three loops changes the speed many times over (row-major strides and
// cache lines); cache blocking, and when it does not pay; a register-tiled SIMD kernel (a 4 x 16 tile of C
// kept in vector registers, fed by fused multiply-adds), vectorised by the compiler and by hand with AVX2
// intrinsics; packing; OpenMP threads over row blocks; and how far each step gets, in GFLOP/s, against the
// machine's own FMA peak and against gs::gemm, drawn as a figure. Every version is checked against the
// naive result.
// Assumes: chapter 4 (matmul). Library code used: autograd/gemm.h.  Usage: 16_making_it_fast [--quick]
#include "autograd/omp.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/rng.h"
#include "tutorials/tutorial.h"

#if defined(__AVX2__) && defined(__FMA__) && !defined(GRADSCHOOL_DOUBLE)
#define TUT_AVX2 1   // the float build for a machine with AVX2 + FMA: hand-written intrinsics below
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__) && !defined(GRADSCHOOL_DOUBLE)
#define TUT_NEON 1   // the float build for a 64-bit ARM machine (Apple Silicon, Graviton, Raspberry Pi 5)
#include <arm_neon.h>
#endif

using namespace gs;

namespace {

std::vector<std::string> claims;   // "check: ..." lines: claims this program verified, printed at the end
bool all_ok = true;
void claim(bool ok, const std::string& text) {
    claims.push_back((ok ? "check: " : "check: FAILED: ") + text);
    all_ok = all_ok && ok;
}
void banner(const std::string& title) { std::printf("\n=== %s ===\n", title.c_str()); }
std::string num(const char* f, double v) { char b[32]; std::snprintf(b, sizeof b, f, v); return b; }

// Every version computes C = A · B with A (M, K), B (K, N), C (M, N), all row-major: A[i][k] is A[i*K + k].

// 1. The textbook order. The inner loop walks down a column of B: consecutive k are N floats apart, so
//    every B read touches a new cache line and uses 4 bytes of its 64.
void matmul_ijk(int M, int N, int K, const real* A, const real* B, real* C) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            real sum = 0;
            for (int k = 0; k < K; k++) sum += A[i * K + k] * B[k * N + j];
            C[i * N + j] = sum;
        }
}

// 2. Swap the two inner loops: now the inner loop runs along a row of B and a row of C, both contiguous,
//    and the compiler turns it into vector instructions. Each C[i][j] still adds its terms in k order.
void matmul_ikj(int M, int N, int K, const real* A, const real* B, real* C) {
    for (int i = 0; i < M; i++) {
        real* c = C + i * N;   // (N,) row i of C, accumulated in place
        std::fill(c, c + N, real(0));
        for (int k = 0; k < K; k++) {
            const real a = A[i * K + k], *b = B + k * N;
            for (int j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
}

// 3. Cache blocking: the same i-k-j loops over one KB x NB block of B at a time (32 KB, as big as L1)
//    and the MB rows of A that use it, so the block is reused from L1 instead of streamed from L2 again.
//    (Measure before you believe it: see the .md for why this loop gains nothing from it.)
constexpr int MB = 64, KB = 64, NB = 128;
void matmul_blocked(int M, int N, int K, const real* A, const real* B, real* C) {
    std::fill(C, C + M * N, real(0));
    for (int i0 = 0; i0 < M; i0 += MB)
        for (int k0 = 0; k0 < K; k0 += KB)
            for (int j0 = 0; j0 < N; j0 += NB)
                for (int i = i0; i < std::min(i0 + MB, M); i++)
                    for (int k = k0; k < std::min(k0 + KB, K); k++) {
                        const real a = A[i * K + k], *b = B + k * N;
                        real* c = C + i * N;
                        for (int j = j0; j < std::min(j0 + NB, N); j++) c[j] += a * b[j];
                    }
}

// 4. The register tile: c[0:4, 0:16] += a[0:4, 0:kc] · b[0:kc, 0:16], rows lda, ldb, ldc apart. The tile
//    stays in registers for the whole k loop; each k loads one row of b and 4 values of a, and does 64
//    multiply-adds, where the i-k-j loop loaded and stored c for every one. First in plain C++: the
//    pragma tells the compiler to vectorise the j loop (one row of the tile in one or two registers).
void tile_4x16(int kc, const real* a, int lda, const real* b, int ldb, real* c, int ldc) {
    real acc[4][16];   // (4, 16) the tile
    for (int r = 0; r < 4; r++) std::memcpy(acc[r], c + r * ldc, sizeof acc[r]);
    for (int k = 0; k < kc; k++)
        for (int r = 0; r < 4; r++)
#pragma omp simd
            for (int j = 0; j < 16; j++) acc[r][j] += a[r * lda + k] * b[k * ldb + j];
    for (int r = 0; r < 4; r++) std::memcpy(c + r * ldc, acc[r], sizeof acc[r]);
}

// 5. The same tile written with AVX2 intrinsics: 8 registers of 8 floats (row r is cr0 | cr1), per k
//    2 loads of b, 4 broadcasts of a and 8 independent FMAs (a*b + c in one instruction, rounded once).
#ifdef TUT_AVX2
void tile_4x16_simd(int kc, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
    __m256 c00 = _mm256_loadu_ps(c), c01 = _mm256_loadu_ps(c + 8);
    __m256 c10 = _mm256_loadu_ps(c + ldc), c11 = _mm256_loadu_ps(c + ldc + 8);
    __m256 c20 = _mm256_loadu_ps(c + 2 * ldc), c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    __m256 c30 = _mm256_loadu_ps(c + 3 * ldc), c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    for (int k = 0; k < kc; k++, a++, b += ldb) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), ai;
        ai = _mm256_broadcast_ss(a);           c00 = _mm256_fmadd_ps(ai, b0, c00); c01 = _mm256_fmadd_ps(ai, b1, c01);
        ai = _mm256_broadcast_ss(a + lda);     c10 = _mm256_fmadd_ps(ai, b0, c10); c11 = _mm256_fmadd_ps(ai, b1, c11);
        ai = _mm256_broadcast_ss(a + 2 * lda); c20 = _mm256_fmadd_ps(ai, b0, c20); c21 = _mm256_fmadd_ps(ai, b1, c21);
        ai = _mm256_broadcast_ss(a + 3 * lda); c30 = _mm256_fmadd_ps(ai, b0, c30); c31 = _mm256_fmadd_ps(ai, b1, c31);
    }
    _mm256_storeu_ps(c, c00), _mm256_storeu_ps(c + 8, c01), _mm256_storeu_ps(c + ldc, c10);
    _mm256_storeu_ps(c + ldc + 8, c11), _mm256_storeu_ps(c + 2 * ldc, c20), _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30), _mm256_storeu_ps(c + 3 * ldc + 8, c31);
}
#elif defined(TUT_NEON)
// 5. (ARM) The same tile with NEON intrinsics: 16 registers of 4 floats (row r is cr0 .. cr3), per k
//    4 loads of b and 16 FMAs, each multiplying a register of b by one value of a (vfmaq_n_f32).
void tile_4x16_simd(int kc, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
    float32x4_t c00 = vld1q_f32(c), c01 = vld1q_f32(c + 4), c02 = vld1q_f32(c + 8), c03 = vld1q_f32(c + 12);
    float* r1 = c + ldc;
    float32x4_t c10 = vld1q_f32(r1), c11 = vld1q_f32(r1 + 4), c12 = vld1q_f32(r1 + 8), c13 = vld1q_f32(r1 + 12);
    float* r2 = c + 2 * ldc;
    float32x4_t c20 = vld1q_f32(r2), c21 = vld1q_f32(r2 + 4), c22 = vld1q_f32(r2 + 8), c23 = vld1q_f32(r2 + 12);
    float* r3 = c + 3 * ldc;
    float32x4_t c30 = vld1q_f32(r3), c31 = vld1q_f32(r3 + 4), c32 = vld1q_f32(r3 + 8), c33 = vld1q_f32(r3 + 12);
    for (int k = 0; k < kc; k++, a++, b += ldb) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        float ai = a[0];
        c00 = vfmaq_n_f32(c00, b0, ai), c01 = vfmaq_n_f32(c01, b1, ai);
        c02 = vfmaq_n_f32(c02, b2, ai), c03 = vfmaq_n_f32(c03, b3, ai);
        ai = a[lda];
        c10 = vfmaq_n_f32(c10, b0, ai), c11 = vfmaq_n_f32(c11, b1, ai);
        c12 = vfmaq_n_f32(c12, b2, ai), c13 = vfmaq_n_f32(c13, b3, ai);
        ai = a[2 * lda];
        c20 = vfmaq_n_f32(c20, b0, ai), c21 = vfmaq_n_f32(c21, b1, ai);
        c22 = vfmaq_n_f32(c22, b2, ai), c23 = vfmaq_n_f32(c23, b3, ai);
        ai = a[3 * lda];
        c30 = vfmaq_n_f32(c30, b0, ai), c31 = vfmaq_n_f32(c31, b1, ai);
        c32 = vfmaq_n_f32(c32, b2, ai), c33 = vfmaq_n_f32(c33, b3, ai);
    }
    vst1q_f32(c, c00), vst1q_f32(c + 4, c01), vst1q_f32(c + 8, c02), vst1q_f32(c + 12, c03);
    vst1q_f32(r1, c10), vst1q_f32(r1 + 4, c11), vst1q_f32(r1 + 8, c12), vst1q_f32(r1 + 12, c13);
    vst1q_f32(r2, c20), vst1q_f32(r2 + 4, c21), vst1q_f32(r2 + 8, c22), vst1q_f32(r2 + 12, c23);
    vst1q_f32(r3, c30), vst1q_f32(r3 + 4, c31), vst1q_f32(r3 + 8, c32), vst1q_f32(r3 + 12, c33);
}
#else
const auto tile_4x16_simd = tile_4x16;   // no AVX2 + FMA or NEON in this build: the portable tile stands in
#endif

// The loops around the tile, in blocks of mt rows of A and kt values of k. For each 16-wide sliver of B
// (kt x 16) the tile walks down the block's rows. With `pack` the sliver is first copied into a small
// contiguous buffer: 16 KB that stays in L1, whatever N is. With `threads` OpenMP deals the row blocks
// out to the threads; each writes only its own rows of C and packs into its own buffer.
constexpr int KT = 256;
using Tile = void (*)(int, const real*, int, const real*, int, real*, int);
void tiled(Tile tile, int M, int N, int K, const real* A, const real* B, real* C, int mt, int kt, bool pack,
           bool threads) {
#pragma omp parallel for schedule(static) if (threads)
    for (int i0 = 0; i0 < M; i0 += mt) {
        alignas(64) real packed[KT * 16];   // (kt, 16)
        const int i1 = std::min(i0 + mt, M);
        std::fill(C + i0 * N, C + i1 * N, real(0));
        for (int k0 = 0; k0 < K; k0 += kt) {
            const int kc = std::min(kt, K - k0);
            for (int j = 0; j < N; j += 16) {
                const real* b = B + k0 * N + j;   // (kc, 16), rows N apart
                for (int k = 0; pack && k < kc; k++) std::memcpy(packed + k * 16, b + k * N, 16 * sizeof(real));
                for (int i = i0; i < i1; i += 4)
                    tile(kc, A + i * K + k0, K, pack ? packed : b, pack ? 16 : N, C + i * N + j, N);
            }
        }
    }
}
void matmul_tile(int M, int N, int K, const real* A, const real* B, real* C) {
    tiled(tile_4x16, M, N, K, A, B, C, M, K, false, false);
}
void matmul_tile_simd(int M, int N, int K, const real* A, const real* B, real* C) {
    tiled(tile_4x16_simd, M, N, K, A, B, C, M, K, false, false);
}
void matmul_packed(int M, int N, int K, const real* A, const real* B, real* C) {   // 6
    tiled(tile_4x16, M, N, K, A, B, C, 64, KT, true, false);
}
void matmul_omp(int M, int N, int K, const real* A, const real* B, real* C) {      // 7
    tiled(tile_4x16, M, N, K, A, B, C, 64, KT, true, true);
}

// 8. The library's kernel, same product (no transposes, overwrite C), on every thread or on one.
void matmul_gemm(int M, int N, int K, const real* A, const real* B, real* C) {
    gemm(false, false, M, N, K, A, K, B, N, C, N, false);
}
void matmul_gemm_1(int M, int N, int K, const real* A, const real* B, real* C) {
    const int keep = omp_get_max_threads();
    omp_set_num_threads(1);
    gemm(false, false, M, N, K, A, K, B, N, C, N, false);
    omp_set_num_threads(keep);
}

// The seconds of the fastest of several runs (at least 3, and at least g_min_total seconds in all): the
// minimum is the run least disturbed by other programs on the machine.
double g_min_total = 0.3;   // --quick: 0.05
template <typename F> double best_time(F run) {
    double best = 1e30, total = 0;
    for (int rep = 0; rep < 3 || total < g_min_total; rep++) {
        auto t0 = std::chrono::steady_clock::now();
        run();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s), total += s;
    }
    return best;
}

// The ceiling: GFLOP/s of 10 independent chains of vector FMAs, on every thread at once or on one.
volatile double g_sink;   // the chains' results end here, so the compiler cannot drop the work
double fma_peak(int threads) {
#if defined(TUT_NEON)
    const long iters = 2000000;
    double sink = 0;
    double s = best_time([&] {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            float32x4_t x[10], m = vdupq_n_f32(0.999999f), d = vdupq_n_f32(1e-6f);
            for (int c = 0; c < 10; c++) x[c] = vdupq_n_f32(float(c));
            for (long it = 0; it < iters; it++)
                for (int c = 0; c < 10; c++) x[c] = vfmaq_f32(x[c], m, d);   // x + m * d, fused
            for (int c = 0; c < 10; c++) sink += double(vgetq_lane_f32(x[c], 0));
        }
    });
    g_sink = sink;
    return 10.0 * 4 * 2 * double(iters) * threads / s * 1e-9;
#elif defined(TUT_AVX2)
    const long iters = 2000000;   // per thread: about 3 ms, short enough that some runs go undisturbed
    double sink = 0;
    double s = best_time([&] {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
        {
            __m256 x[10], m = _mm256_set1_ps(0.999999f), d = _mm256_set1_ps(1e-6f);
            for (int c = 0; c < 10; c++) x[c] = _mm256_set1_ps(float(c));
            for (long it = 0; it < iters; it++)
                for (int c = 0; c < 10; c++) x[c] = _mm256_fmadd_ps(x[c], m, d);   // unrolled: 10 registers
            for (int c = 0; c < 10; c++) sink += double(_mm256_cvtss_f32(x[c]));
        }
    });
    g_sink = sink;
    return 10.0 * 8 * 2 * double(iters) * threads / s * 1e-9;
#else
    (void)threads;
    g_sink = 0;
    return 0;   // not measured without AVX2 + FMA or NEON
#endif
}


// The figure: one bar per version and size, in GFLOP/s, against dashed lines at the FMA peaks measured in
// part 0 (on one thread, and on all of them). rows[v][s] is version v at size s.
gs::io::Svg speed_figure(const std::vector<std::string>& names, const std::vector<std::vector<double>>& rows,
                         const std::vector<int>& sizes, double peak1, double peakN, int threads) {
    const double left = 300, right = 40, top = 78, bar = 11, group = 2 * bar + 10, width = 860;
    const double height = top + group * double(names.size()) + 70, plot = width - left - right;
    double top_speed = std::max(peak1, peakN);
    for (const auto& r : rows)
        for (double g : r) top_speed = std::max(top_speed, g);
    const double step = top_speed > 200 ? 50 : top_speed > 80 ? 20 : 10, x_max = std::ceil(top_speed * 1.08 / step) * step;
    auto x_of = [&](double g) { return left + plot * g / x_max; };
    gs::io::Svg svg(width, height);
    svg.text(width / 2, 24, "GFLOP/s of each version against the measured FMA peak", 16, "middle", "#222", true);
    const double bottom = top + group * double(names.size());
    for (double g = 0; g <= x_max + 1e-9; g += step) {   // grid and axis labels
        svg.line(x_of(g), top - 6, x_of(g), bottom, "#ddd");
        svg.text(x_of(g), bottom + 16, gs::io::fmt(g, 0), 11, "middle");
    }
    svg.text(left + plot / 2, bottom + 36, "GFLOP/s (longer is faster)", 13, "middle");
    for (size_t v = 0; v < names.size(); v++) {
        const double y = top + group * double(v);
        svg.text(left - 8, y + bar + 4, names[v], 12, "end");
        for (size_t s = 0; s < sizes.size() && s < 2; s++) {
            const double g = rows[v][s], yb = y + bar * double(s);
            svg.rect(left, yb, std::max(1.0, x_of(g) - left), bar - 1, gs::io::palette(int(s)));
            svg.text(x_of(g) + 4, yb + bar - 2, gs::io::fmt(g, 1), 10);
        }
    }
    for (size_t s = 0; s < sizes.size() && s < 2; s++) {   // legend
        const double x = left + 180 * double(s);
        svg.rect(x, height - 22, 12, 10, gs::io::palette(int(s)));
        svg.text(x + 18, height - 13, "n = " + std::to_string(sizes[s]), 12);
    }
    const std::pair<double, std::string> peaks[] = {
        {peak1, "FMA peak, 1 thread"}, {peakN, "FMA peak, " + std::to_string(threads) + " threads"}};
    for (size_t p = 0; p < 2; p++) {
        if (peaks[p].first <= 0 || (p == 1 && threads == 1)) continue;   // not measured, or the same line
        const double x = x_of(peaks[p].first);
        svg.line(x, top - 14, x, bottom, "#D55E00", 1.5, "6 3");
        svg.text(x, top - 18 - 12 * double(p), peaks[p].second + ": " + gs::io::fmt(peaks[p].first, 0), 11, "middle", "#D55E00");
    }
    return svg;
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const std::vector<int> sizes = quick ? std::vector<int>{128, 384} : std::vector<int>{256, 512};
    const int threads = omp_get_max_threads();
    g_min_total = quick ? 0.05 : 0.3;
#if defined(TUT_AVX2)
    const char* simd = "AVX2 + FMA", *width = "8 floats";
#elif defined(TUT_NEON)
    const char* simd = "NEON", *width = "4 floats";
#else
    const char* simd = nullptr, *width = "";
#endif

    banner("0. The ceiling: fused multiply-adds per second");
    const double peak1 = fma_peak(1), peakN = fma_peak(threads);
    if (peak1 > 0)
        std::printf("FMA peak: %.1f GFLOP/s on 1 thread, %.1f on %d threads (%s x 2 flops per FMA)\n", peak1,
                    peakN, threads, width);
    std::printf("SIMD intrinsics in this build: %s; OpenMP threads: %d\n", simd ? simd : "none", threads);
    if (!simd) std::printf("Step 5 needs AVX2 + FMA or NEON: skipped, the portable tile of step 4 runs in its place.\n");

    const std::string step5 = simd ? std::string("5. the tile in ") + simd + " intrinsics" : "5. (skipped: step 4 again)";
    Rng rng(12);
    double worst_diff = 0;
    std::string speedup;
    bool match = true, faster = true;
    std::vector<std::string> names;          // the versions, for the figure
    std::vector<std::vector<double>> speed;  // (versions, sizes) GFLOP/s
    for (int n : sizes) {
        const int M = n, N = n, K = n;
        std::vector<real> A(size_t(M) * K), B(size_t(K) * N), ref(size_t(M) * N), C(ref.size());
        for (real& v : A) v = 2 * rng.uniform() - 1;
        for (real& v : B) v = 2 * rng.uniform() - 1;
        const double flops = 2.0 * M * N * K;
        // Each of the K additions rounds by at most half an ulp (6e-8, say 1e-7, of the running sum), and the
        // running sum stays below about sqrt(K) (A and B are in [-1, 1]); K roundings of random sign add up
        // like a random walk, to about sqrt(K) of them. So another order (or FMA's single rounding) moves a
        // result by about 1e-7 · sqrt(K) · sqrt(K) = 1e-7 K: 5e-5 at K = 512. The check allows ten times that,
        // 1e-6 K; a wrong index would be off by about 1.
        const double estimate = 1e-7 * K, tol = 1e-6 * K;
        banner("n = " + std::to_string(n) + ": C (n x n) = A · B, " + num("%.3f", flops * 1e-9) +
               " GFLOP, max |diff| estimate " + num("%.0e", estimate) + ", tolerance " + num("%.0e", tol));
        std::printf("  %-38s %9s %9s %9s %11s\n", "version", "ms", "GFLOP/s", "x naive", "max |diff|");
        using Matmul = void (*)(int, int, int, const real*, const real*, real*);
        const std::pair<std::string, Matmul> versions[] = {
            {"1. naive i-j-k", matmul_ijk},
            {"2. loop order i-k-j", matmul_ikj},
            {"3. + cache blocking", matmul_blocked},
            {"4. 4x16 register tile, omp simd", matmul_tile},
            {step5, matmul_tile_simd},
            {"6. + blocks of 64 x 256, packed B", matmul_packed},
            {"7. + OpenMP, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads"), matmul_omp},
            {"gs::gemm (autograd/gemm.cpp), 1 thread", matmul_gemm_1},
            {"gs::gemm, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads"), matmul_gemm}};
        matmul_ijk(M, N, K, A.data(), B.data(), ref.data());
        double t_naive = 0, t_omp = 0;
        size_t v = 0;
        for (const auto& version : versions) {
            const std::string& name = version.first;
            const Matmul fn = version.second;   // (a lambda cannot capture a structured binding before C++20)
            double s = best_time([&] { fn(M, N, K, A.data(), B.data(), C.data()); }), diff = 0;
            for (size_t q = 0; q < C.size(); q++) diff = std::max(diff, double(std::fabs(C[q] - ref[q])));
            if (fn == matmul_ijk) t_naive = s;
            if (fn == matmul_omp) t_omp = s;
            std::printf("  %-38s %9.2f %9.2f %9.1f %11.1e\n", name.c_str(), s * 1e3, flops / s * 1e-9, t_naive / s,
                        diff);
            worst_diff = std::max(worst_diff, diff);
            match = match && diff <= tol;
            if (speed.size() <= v) names.push_back(name), speed.emplace_back();
            speed[v++].push_back(flops / s * 1e-9);
        }
        // Checked at the largest size only: at the small ones a whole product takes well under a millisecond,
        // and on a busy machine one late thread can cost more than that (see the .md).
        faster = t_omp < t_naive;
        speedup = "at n = " + std::to_string(n) + ": " + num("%.2f", t_omp * 1e3) + " ms vs " +
                  num("%.1f", t_naive * 1e3) + " ms, " + num("%.0fx", t_naive / t_omp);
    }

    banner("The figure");
    tut::save_figure(speed_figure(names, speed, sizes, peak1, peakN, threads), "16",
                     quick ? "gflops_measured_quick" : "gflops_measured");

    banner("Summary");
    claim(match, "every version matches the naive result at every size (max |diff| " + num("%.1e", worst_diff) +
                     ", within the tolerance 1e-6 K)");
    claim(faster, "blocked + SIMD + OpenMP is faster than naive i-j-k " + speedup);
    for (const std::string& s : claims) std::printf("%s\n", s.c_str());
    return all_ok ? 0 : 1;
}
