// GEMM speed: the naive reference against the blocked kernel, on squares and on the shapes a small
// GPT runs (M x K x N = (B*T) x C x out), with 1 and 2 threads, in GFLOP/s. A separate benchmark
// measures the core's FMA peak, so the GEMM numbers can be read as a fraction of what the core can do.
//   bench_gemm --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Not here: the backward's transposed layouts (they share the packing code and cost the same).
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include <vector>

#include "autograd/gemm.h"
#include "autograd/rng.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#endif

using namespace gs;

namespace {

std::vector<real> random_matrix(int64_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<real> v(size_t(n), 0);
    for (real& x : v) x = real(rng.normal());
    return v;
}

void set_flops(benchmark::State& state, int64_t M, int64_t N, int64_t K) {
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(M) * double(N) * double(K),
                                                   benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// args: M, K, N (llm.c order: inp (M, K) times weight (K, N))
void BM_gemm_naive(benchmark::State& state) {
    int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    std::vector<real> A = random_matrix(M * K, 1), B = random_matrix(K * N, 2), C(size_t(M * N));
    for (auto _ : state) {
        gemm_naive(false, false, M, N, K, A.data(), K, B.data(), N, C.data(), N, false);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    set_flops(state, M, N, K);
}

// args: M, K, N, threads
void BM_gemm(benchmark::State& state) {
    int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    omp_set_num_threads(int(state.range(3)));
    std::vector<real> A = random_matrix(M * K, 1), B = random_matrix(K * N, 2), C(size_t(M * N));
    for (auto _ : state) {
        gemm(false, false, M, N, K, A.data(), K, B.data(), N, C.data(), N, false);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    set_flops(state, M, N, K);
}

// The single-core FP32 peak: independent FMA chains and nothing else. A core that issues two 8-wide
// FMAs per cycle with a 4-cycle latency needs at least 8 chains in flight; 12 leaves slack (and covers
// NEON cores with up to three 4-wide FMA pipes).
void BM_fma_peak(benchmark::State& state) {
    constexpr int64_t kIters = 1 << 16;
#if defined(__AVX2__) && defined(__FMA__)
    constexpr int kChains = 12, kWidth = 8;
    __m256 acc[kChains];
    for (int c = 0; c < kChains; c++) acc[c] = _mm256_set1_ps(float(c));
    __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-4f);
    for (auto _ : state) {
        for (int64_t i = 0; i < kIters; i++)
            for (int c = 0; c < kChains; c++) acc[c] = _mm256_fmadd_ps(acc[c], x, y);
        for (int c = 0; c < kChains; c++) benchmark::DoNotOptimize(acc[c]);
    }
#elif defined(__ARM_NEON) && defined(__aarch64__)
    constexpr int kChains = 12, kWidth = 4;
    float32x4_t acc[kChains];
    for (int c = 0; c < kChains; c++) acc[c] = vdupq_n_f32(float(c));
    const float32x4_t x = vdupq_n_f32(0.999f), y = vdupq_n_f32(1e-4f);
    for (auto _ : state) {
        for (int64_t i = 0; i < kIters; i++)
            for (int c = 0; c < kChains; c++) acc[c] = vfmaq_f32(acc[c], x, y);   // acc + x * y: FMLA accumulates in place
        for (int c = 0; c < kChains; c++) benchmark::DoNotOptimize(acc[c]);
    }
#else
    constexpr int kChains = 12, kWidth = 1;
    float acc[kChains];
    for (int c = 0; c < kChains; c++) acc[c] = float(c);
    for (auto _ : state) {
        for (int64_t i = 0; i < kIters; i++)
            for (int c = 0; c < kChains; c++) acc[c] = acc[c] * 0.999f + 1e-4f;
        benchmark::DoNotOptimize(acc);
    }
#endif
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kIters * kChains * kWidth,
                                                   benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK(BM_fma_peak);

BENCHMARK(BM_gemm_naive)->ArgNames({"M", "K", "N"})
    ->Args({128, 128, 128})->Args({256, 256, 256})->Args({512, 512, 512})
    ->Args({768, 128, 384})->Args({768, 128, 128})->Args({768, 512, 128})->Args({768, 128, 512})
    ->Args({768, 128, 65})
    ->Unit(benchmark::kMillisecond);

// Squares, then the GPT shapes (B*T = 768 rows, C = 128): qkv, attn proj, mlp proj, mlp fc, lm_head.
// One thread is timed in CPU time, like the FMA peak, so that other jobs on a shared machine disturb
// the ratio less; two threads must be timed on the wall clock (CPU time would add both threads up).
void gemm_shapes(benchmark::internal::Benchmark* b, int64_t threads) {
    for (int64_t n : {128, 256, 512, 1024}) b->Args({n, n, n, threads});
    for (auto s : std::vector<std::vector<int64_t>>{{768, 128, 384}, {768, 128, 128}, {768, 512, 128},
                                                   {768, 128, 512}, {768, 128, 65}})
        b->Args({s[0], s[1], s[2], threads});
}
BENCHMARK(BM_gemm)->ArgNames({"M", "K", "N", "threads"})
    ->Apply([](benchmark::internal::Benchmark* b) { gemm_shapes(b, 1); })->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gemm)->ArgNames({"M", "K", "N", "threads"})
    ->Apply([](benchmark::internal::Benchmark* b) { gemm_shapes(b, 2); })->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
