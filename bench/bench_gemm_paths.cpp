// GEMM's threading paths (autograd/gemm_threads.cpp), each timed against the path that would run
// instead, on the products the GPT really computes: the default model (B*T = 768 rows, C = 128, V = 65)
// and GPT-2 124M with block_size 64 and batch 4 (256 rows, C = 768, V = 50257), as bench_train and
// compare_pytorch.py run them. bench/gemm_paths.py runs this and prints the ratios (bench/README.md).
//   BM_product   one product (M x K x N, layout) by a named path: team, columns, rows (threaded or not)
//   BM_batch     a batch of attention-sized products: one thread per product, or each across the team
// Wall-clock times throughout: with 2 threads, CPU time would add both threads up.
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include <vector>

#include "autograd/gemm.h"
#include "autograd/gemm_blocked.h"
#include "autograd/rng.h"

using namespace gs;
using namespace gs::gemm_detail;

namespace {

std::vector<real> random_matrix(int64_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<real> v(size_t(n), 0);
    for (real& x : v) x = real(rng.normal());
    return v;
}

void set_flops(benchmark::State& state, double macs) {
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * macs, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

enum Path { kAuto, kTeam, kColumns, kRows, kRowsOneThread };

// args: M, K, N, layout (0 NN, 1 NT, 2 TN), threads, path
void BM_product(benchmark::State& state) {
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
    const bool ta = state.range(3) == 2, tb = state.range(3) == 1;
    const int threads = int(state.range(4));
    const Path path = Path(state.range(5));
    omp_set_num_threads(threads);
    std::vector<real> A = random_matrix(M * K, 1), B = random_matrix(K * N, 2), C(size_t(M * N));
    const int64_t lda = ta ? M : K, ldb = tb ? K : N;
    for (auto _ : state) {
        switch (path) {
            case kAuto: gemm(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false); break;
            case kTeam: gemm_team(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, threads); break;
            case kColumns:
                gemm_columns(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, threads);
                break;
            case kRows: gemm_rows(tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, true); break;
            case kRowsOneThread: gemm_rows(tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, false); break;
        }
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    set_flops(state, double(M) * double(N) * double(K));
}

// The three products of each linear layer, W stored (out, in): forward y = x·Wᵀ (NT, rows x in x out),
// input gradient dx = dy·W (NN, rows x out x in), weight gradient dW = dyᵀ·x (TN, out x rows x in).
struct Layer {
    int64_t in, out;
};
const std::vector<Layer> kDefault = {{128, 384}, {128, 128}, {128, 512}, {512, 128}, {128, 65}};
const std::vector<Layer> kGpt2 = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}, {768, 50257}};

// Blocked products at 2 threads: gemm_team and gemm_columns on every shape (the other one would run
// if either were removed), with what gemm() picks for reference.
void blocked_products(benchmark::internal::Benchmark* b) {
    for (auto [rows, layers] : {std::pair{768, kDefault}, std::pair{256, kGpt2}})
        for (const Layer& l : layers)
            for (int64_t path : {kTeam, kColumns, kAuto}) {
                b->Args({rows, l.in, l.out, 1, 2, path});
                b->Args({rows, l.out, l.in, 0, 2, path});
                b->Args({l.out, rows, l.in, 2, 2, path});
            }
}

// One-row products (sampling with the KV cache: one token through every linear layer), on 1 and 2
// threads: the row kernel against the packed path, and on 2 threads the row kernel threaded or not.
void row_products(benchmark::internal::Benchmark* b) {
    for (const auto& layers : {kDefault, kGpt2})
        for (const Layer& l : layers) {
            b->Args({1, l.in, l.out, 1, 1, kRowsOneThread});
            b->Args({1, l.in, l.out, 1, 1, kColumns});
            b->Args({1, l.in, l.out, 1, 2, kRows});
            b->Args({1, l.in, l.out, 1, 2, kRowsOneThread});
            b->Args({1, l.in, l.out, 1, 2, kColumns});
        }
}

// args: M, K, N, layout, batch, threads, per_thread (1) or in_turn (0)
void BM_batch(benchmark::State& state) {
    const int64_t M = state.range(0), K = state.range(1), N = state.range(2), batch = state.range(4);
    const bool ta = state.range(3) == 2, tb = state.range(3) == 1;
    omp_set_num_threads(int(state.range(5)));
    const bool per_thread = state.range(6) == 1;
    std::vector<real> A = random_matrix(batch * M * K, 1), B = random_matrix(batch * K * N, 2);
    std::vector<real> C(size_t(batch * M * N));
    std::vector<GemmOffsets> items;
    for (int64_t i = 0; i < batch; i++) items.push_back({i * M * K, i * K * N, i * M * N});
    const BatchGroups groups = group_by_output(items);
    const int64_t lda = ta ? M : K, ldb = tb ? K : N;
    for (auto _ : state) {
        if (per_thread)
            gemm_batched_per_thread(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, items, groups);
        else
            gemm_batched_in_turn(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, C.data(), N, false, items, groups);
        benchmark::DoNotOptimize(C.data());
        benchmark::ClobberMemory();
    }
    set_flops(state, double(batch) * double(M) * double(N) * double(K));
}

// Attention written as composed ops (the path dropout takes): B*NH = 48 products per matmul, T = 64.
// Default model hs = 32: scores q·kᵀ (64 x 32 x 64), y = att·v (64 x 64 x 32), and their gradients;
// GPT-2 hs = 64: every product 64 x 64 x 64.
void batches(benchmark::internal::Benchmark* b) {
    const std::vector<std::vector<int64_t>> shapes = {{64, 32, 64, 0}, {64, 64, 32, 0}, {64, 64, 32, 1},
                                                      {32, 64, 64, 2}, {64, 64, 64, 0}, {64, 64, 64, 2}};
    for (int64_t threads : {1, 2})
        for (const auto& s : shapes)
            for (int64_t per_thread : {1, 0}) b->Args({s[0], s[1], s[2], s[3], 48, threads, per_thread});
}

}  // namespace

BENCHMARK(BM_product)->ArgNames({"M", "K", "N", "layout", "threads", "path"})->Apply(blocked_products)
    ->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_product)->ArgNames({"M", "K", "N", "layout", "threads", "path"})->Apply(row_products)
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_batch)->ArgNames({"M", "K", "N", "layout", "batch", "threads", "per_thread"})->Apply(batches)
    ->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
