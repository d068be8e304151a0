// Generation speed with and without the KV cache, in tokens/s, with random weights:
// - BM_generate_window: a GPT with block_size 256 (4 layers, 4 heads, 128 channels, 65 characters)
//   writes one full window, 256 tokens after a 1-token prompt, on one thread. Without the cache token t
//   re-runs all t positions (O(T^2) work for the window); with it each token runs one position. Rates
//   are per CPU second (one thread, so equal to wall time on an idle machine, and steadier on a shared one).
// - BM_generate: the default model (block_size 64) writes 2,000 tokens after a 1-token prompt, on 1 and
//   2 threads, wall clock. Past the first window every token runs the batched forward over the last 64
//   tokens, with or without the cache, so this measures mostly that. bench/compare_pytorch.py --generate
//   runs it beside PyTorch generating from the same model.
//   bench_sample --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include "gpt/sample.h"

using namespace gs;
using namespace gs::gpt;

namespace {

GPTConfig bench_config(int64_t block_size) {
    GPTConfig c;   // n_layer 4, n_head 4, n_embd 128, vocab 65: GPTConfig's defaults
    c.block_size = block_size;
    return c;
}

// args: use_kv_cache (0 or 1), tokens, block_size, threads
void run_generate(benchmark::State& state) {
    bool use_cache = state.range(0) != 0;
    int64_t tokens = state.range(1);
    omp_set_num_threads(int(state.range(3)));
    GPT model(bench_config(state.range(2)), 1337);
    model.eval();
    for (auto _ : state) {
        Rng rng(42);   // the same tokens every iteration
        std::vector<int32_t> out = generate(model, {0}, tokens, SampleOptions(), rng, use_cache);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(use_cache ? "kv cache" : "full recompute");
}

void BM_generate_window(benchmark::State& state) { run_generate(state); }
void BM_generate(benchmark::State& state) { run_generate(state); }

}  // namespace

BENCHMARK(BM_generate_window)->ArgNames({"cache", "tokens", "block", "threads"})->Args({0, 256, 256, 1})
    ->Args({1, 256, 256, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate)->ArgNames({"cache", "tokens", "block", "threads"})->ArgsProduct({{0, 1}, {2000}, {64}, {1, 2}})
    ->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
