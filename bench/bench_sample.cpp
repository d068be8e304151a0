// Generation speed with and without the KV cache, in tokens/s, with random weights:
// - BM_generate_window: a GPT with block_size 256 (4 layers, 4 heads, 128 channels, 65 characters)
//   writes one full window, 256 tokens after a 1-token prompt, on one thread. Without the cache token t
//   re-runs all t positions (O(T^2) work for the window); with it each token runs one position. Rates
//   are per CPU second (one thread, so equal to wall time on an idle machine, and steadier on a shared one).
// - BM_generate: the default model (block_size 64) writes 2,000 tokens after a 1-token prompt, on 1 and
//   2 threads, wall clock. Past the first window every token runs the batched forward over the last 64
//   tokens, with or without the cache, so this measures mostly that. bench/compare_pytorch.py --generate
//   runs it beside PyTorch generating from the same model.
// - BM_generate_gpt2: GPT-2 124M's shape (12 layers, 12 heads, 768 channels, block_size 1024, 50,257
//   tokens, biases) with random weights writes 256 tokens after a 256-token prompt with the KV cache,
//   greedy, on 2 threads (and 1), wall clock; tokens/s counts the new tokens over the whole call, the prompt's
//   prefill included. bench/compare_gpt2.py runs it beside PyTorch's own KV-cache GPT-2.
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

// args: threads. The model is built once (random init of 124M weights takes seconds) and kept.
void BM_generate_gpt2(benchmark::State& state) {
    omp_set_num_threads(int(state.range(0)));
    static const GPT* model = [] {
        GPTConfig c;
        c.n_layer = 12, c.n_head = 12, c.n_embd = 768, c.block_size = 1024, c.vocab_size = 50257, c.bias = true;
        GPT* m = new GPT(c, 1337);   // lives as long as the program
        m->eval();
        return m;
    }();
    std::vector<int32_t> prompt(256);
    Rng draw(7);
    for (int32_t& t : prompt) t = int32_t(draw.below(50257));
    SampleOptions greedy;
    greedy.temperature = 0;
    const int64_t tokens = 256;
    for (auto _ : state) {
        Rng rng(42);
        std::vector<int32_t> out = generate(*model, prompt, tokens, greedy, rng, /*use_kv_cache=*/true);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_generate_gpt2)->ArgName("threads")->Arg(2)->Arg(1)->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate_window)->ArgNames({"cache", "tokens", "block", "threads"})->Args({0, 256, 256, 1})
    ->Args({1, 256, 256, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_generate)->ArgNames({"cache", "tokens", "block", "threads"})->ArgsProduct({{0, 1}, {2000}, {64}, {1, 2}})
    ->UseRealTime()->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
