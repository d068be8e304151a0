// Generation speed with and without the KV cache, in tokens/s: a GPT with block_size 256 (4 layers,
// 4 heads, 128 channels, 65 characters, random weights) writes one full window, 256 tokens after a
// 1-token prompt, on one thread. Without the cache token t re-runs all t positions (O(T^2) work for
// the window); with it each token runs one position. Past the window the cache is rebuilt every
// token, so the two cost the same there: this measures only the first window. Rates are per CPU
// second (one thread, so equal to wall time on an idle machine, and steadier on a shared one).
//   bench_sample --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include "gpt/sample.h"

using namespace gs;

namespace {

constexpr int64_t kTokens = 256;

GPTConfig bench_config() {
    GPTConfig c;
    c.n_layer = 4;
    c.n_head = 4;
    c.n_embd = 128;
    c.block_size = 256;
    c.vocab_size = 65;
    return c;
}

// arg: use_kv_cache (0 or 1)
void BM_generate_window(benchmark::State& state) {
    omp_set_num_threads(1);
    bool use_cache = state.range(0) != 0;
    GPT model(bench_config(), 1337);
    model.eval();
    for (auto _ : state) {
        Rng rng(42);   // the same tokens every iteration
        std::vector<int32_t> out = generate(model, {0}, kTokens, SampleOptions(), rng, use_cache);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["tokens/s"] = benchmark::Counter(double(kTokens), benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(use_cache ? "kv cache" : "full recompute");
}

}  // namespace

BENCHMARK(BM_generate_window)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
