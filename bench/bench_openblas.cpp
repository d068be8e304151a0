// gradschool's GEMM against OpenBLAS's cblas_sgemm: the same shapes, the same layouts, the same thread
// count, timed in alternating rounds. A comparison only: gradschool never links OpenBLAS, and this program is built by
// `make bench-openblas` alone, when libopenblas-dev is installed.
//   make bench-openblas                 # builds this, runs it, prints the ratio table (bench/compare_openblas)
//   build/bench/bench_openblas --benchmark_filter='openblas:1'   # one library alone
//
// Each (shape, layout, threads) is timed for both libraries; bench/compare_openblas runs the two
// libraries' benchmarks in separate processes, alternating, in rounds, and compares medians.
// Layouts are the three a linear layer needs (W stored (out, in)): NT for the forward, NN for the
// input's gradient, TN for the weight's.
#include <benchmark/benchmark.h>
#include <cblas.h>
#include "autograd/omp.h"

#include <vector>

#include "autograd/gemm.h"
#include "autograd/rng.h"

using namespace gs;

namespace {

std::vector<float> random_matrix(int64_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<float> v(size_t(n), 0);
    for (float& x : v) x = rng.normal();
    return v;
}

// args: M, K, N, layout (0 NN, 1 NT, 2 TN), threads, library (0 gradschool, 1 OpenBLAS)
void BM_sgemm(benchmark::State& state) {
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    const bool ta = state.range(3) == 2, tb = state.range(3) == 1;
    const int threads = int(state.range(4));
    const bool openblas = state.range(5) == 1;
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    std::vector<float> A = random_matrix(M * K, 1), B = random_matrix(K * N, 2), C(size_t(M * N));
    const int64_t lda = ta ? M : K, ldb = tb ? K : N;
    for (auto _ : state) {
        if (openblas)
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N),
                        int(K), 1.0f, A.data(), int(lda), B.data(), int(ldb), 0.0f, C.data(), int(N));
        else
            gemm(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(M) * double(N) * double(K),
                                                   benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// Squares in NN, then the three products of each linear layer: forward y = x·Wᵀ (NT, M x K x N =
// rows x in x out), input gradient dx = dy·W (NN, rows x out x in), weight gradient dW = dyᵀ·x (TN,
// out x rows x in). The default GPT: 768 = B*T rows; in -> out = qkv 128 -> 384, attention proj
// 128 -> 128, fc 128 -> 512, mlp proj 512 -> 128, lm_head 128 -> 65. GPT-2 124M as bench_train runs it
// (batch 4, block_size 64): 256 rows; qkv 768 -> 2304, proj 768 -> 768, fc 768 -> 3072, mlp proj
// 3072 -> 768, lm_head 768 -> 50257.
void shapes(benchmark::internal::Benchmark* b) {
    const std::vector<std::vector<int64_t>> layers = {   // rows, in, out
        {768, 128, 384}, {768, 128, 128}, {768, 128, 512}, {768, 512, 128}, {768, 128, 65},
        {256, 768, 2304}, {256, 768, 768}, {256, 768, 3072}, {256, 3072, 768}, {256, 768, 50257}};
    for (int64_t threads : {1, 2})
        for (int64_t lib : {0, 1}) {
            for (int64_t n : {128, 256, 512, 1024}) b->Args({n, n, n, 0, threads, lib});
            for (const auto& l : layers) {
                const int64_t rows = l[0], in = l[1], out = l[2];
                b->Args({rows, in, out, 1, threads, lib});
                b->Args({rows, out, in, 0, threads, lib});
                b->Args({out, rows, in, 2, threads, lib});
            }
        }
}

}  // namespace

BENCHMARK(BM_sgemm)->ArgNames({"M", "K", "N", "layout", "threads", "openblas"})->Apply(shapes)->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
