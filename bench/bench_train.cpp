// Training speed: one full step of `gpt train` (forward with the loss, backward, clip the global grad
// norm to 1, AdamW step measured by nn::UpdateRatio for log.csv, zero the grads), on a fixed random batch, with 1 and 2 OpenMP threads, for
// the default config (4 layers, 4 heads, 128 wide, context 64, batch 12, 65 characters) and a
// GPT-2-124M-shaped one (12 layers, 12 heads, 768 wide, 50257 tokens; context 64, batch 4).
// Reported: tokens/s (B*T per step, wall clock), ms/step (the mean, and median_ms, which a shared
// machine's hiccups move less), median_cpu_ms (the process's CPU time per step: with 1 thread, what
// the step costs even when other jobs take turns on the core), the mean time of each phase, and heap
// allocations per step once warm (the caching allocator should make that 0). update_ratio/0 leaves out
// the update-to-data ratio, to show what log.csv's update_ratio column costs.
//   bench_train --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// bench/compare_pytorch.py runs the same step in PyTorch on the same batch. Not here: data loading
// and evaluation (gpt/train.cpp's loop does those too, outside the step).
#include <benchmark/benchmark.h>
#include "autograd/omp.h"
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "gpt/model.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "nn/update_ratio.h"

using namespace gs;
using namespace gs::gpt;

namespace {

struct BenchConfig {
    GPTConfig model;
    int64_t batch;
};

// arg 0: the default config (`gpt train`'s defaults, vocab of Tiny Shakespeare); arg 1: GPT-2 124M's shape
BenchConfig bench_config(int64_t which) {
    BenchConfig c;
    if (which == 1) {
        c.model.n_layer = 12;
        c.model.n_head = 12;
        c.model.n_embd = 768;
        c.model.vocab_size = 50257;
        c.batch = 4;
    } else {
        c.batch = 12;   // n_layer 4, n_head 4, n_embd 128, vocab 65 are GPTConfig's defaults
    }
    c.model.block_size = 64;
    c.model.dropout = 0;
    c.model.bias = false;
    return c;
}

// B rows of T+1 tokens drawn with Rng(42).below(V) in row order; x is each row's first T, y its last T.
// compare_pytorch.py draws the same tokens with its own PCG32, so both frameworks see the same batch.
void random_batch(Indices& x, Indices& y, int64_t B, int64_t T, int64_t V) {
    Rng rng(42);
    x = Indices::zeros({B, T});
    y = Indices::zeros({B, T});
    for (int64_t b = 0; b < B; b++) {
        int32_t prev = int32_t(rng.below(uint32_t(V)));
        for (int64_t t = 0; t < T; t++) {
            int32_t next = int32_t(rng.below(uint32_t(V)));
            x.data()[size_t(b * T + t)] = prev;
            y.data()[size_t(b * T + t)] = next;
            prev = next;
        }
    }
}

// The same groups as gpt/train.cpp: weight decay on every tensor with 2 or more dims, none on the rest.
std::vector<nn::ParamGroup> param_groups(const GPT& model, real weight_decay) {
    nn::ParamGroup decay{{}, weight_decay}, no_decay{{}, 0};
    for (auto& [name, p] : model.named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    return {decay, no_decay};
}

using Clock = std::chrono::steady_clock;
double ms_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

// CPU time used by the whole process (every thread), in ms
double process_cpu_ms() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) * 1e-6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n ? (v[(n - 1) / 2] + v[n / 2]) / 2 : 0.0;
}

// args: config (0 default, 1 GPT-2-124M-shaped), threads, update_ratio (1 as gpt train, 0 without)
void BM_train_step(benchmark::State& state) {
    const int prev_threads = omp_get_max_threads();
    omp_set_num_threads(int(state.range(1)));
    BenchConfig cfg = bench_config(state.range(0));
    const int64_t B = cfg.batch, T = cfg.model.block_size;
    GPT model(cfg.model, 1337);
    model.train();
    nn::AdamW optim(param_groups(model, real(0.1)), real(1e-3), real(0.9), real(0.99));
    const std::vector<Tensor> params = model.parameters();
    const bool measure_update = state.range(2) != 0;
    nn::UpdateRatio update_ratio;
    double ratio_sum = 0;
    Indices x, y;
    random_batch(x, y, B, T, cfg.model.vocab_size);

    // What gpt/train.cpp does for one step with grad_accum 1, phase by phase (times in ms).
    int64_t iter = 0;
    double fwd_ms = 0, bwd_ms = 0, opt_ms = 0;
    std::vector<double> step_ms, step_cpu_ms;
    auto step = [&] {
        Clock::time_point t0 = Clock::now();
        double cpu0 = process_cpu_ms();
        optim.lr = nn::cosine_lr(iter++, real(1e-3), real(1e-4), 100, 2000);
        Tensor loss = model.forward(x, y).loss;
        double loss_val = double(loss.item());
        Clock::time_point t1 = Clock::now();
        loss.backward();
        Clock::time_point t2 = Clock::now();
        double norm = nn::clip_grad_norm(params, real(1));
        if (!std::isfinite(loss_val) || !std::isfinite(norm)) state.SkipWithError("loss or grad norm is not finite");
        if (measure_update) update_ratio.before_step(params);
        optim.step();
        if (measure_update) ratio_sum += update_ratio.after_step(params);
        model.zero_grad();
        Clock::time_point t3 = Clock::now();
        fwd_ms += ms_between(t0, t1);
        bwd_ms += ms_between(t1, t2);
        opt_ms += ms_between(t2, t3);
        step_ms.push_back(ms_between(t0, t3));
        step_cpu_ms.push_back(process_cpu_ms() - cpu0);
    };

    // Warm-up: the first steps fill the allocator's cache and fault in the pages; after them a step
    // should reuse every buffer, so heap allocations counted from here on show any that leak through.
    for (int i = 0; i < 2; i++) step();
    fwd_ms = bwd_ms = opt_ms = 0;
    step_ms.clear();
    step_cpu_ms.clear();
    const int64_t allocs0 = alloc_stats().heap_allocs;
    for (auto _ : state) step();
    const double allocs = double(alloc_stats().heap_allocs - allocs0);

    state.counters["tokens/s"] = benchmark::Counter(double(B * T), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["fwd_ms"] = benchmark::Counter(fwd_ms, benchmark::Counter::kAvgIterations);
    state.counters["bwd_ms"] = benchmark::Counter(bwd_ms, benchmark::Counter::kAvgIterations);
    if (!std::isfinite(ratio_sum)) state.SkipWithError("update ratio is not finite");
    state.counters["clip_adamw_zero_ms"] = benchmark::Counter(opt_ms, benchmark::Counter::kAvgIterations);
    state.counters["median_ms"] = median(step_ms);
    state.counters["median_cpu_ms"] = median(step_cpu_ms);
    state.counters["heap_allocs/step"] = benchmark::Counter(allocs, benchmark::Counter::kAvgIterations);
    state.SetLabel(state.range(0) == 1 ? "gpt2-124M-shaped B=4 T=64" : "default B=12 T=64");
    omp_set_num_threads(prev_threads);
}

// What log.csv's update_ratio adds to a step, on its own: nn::UpdateRatio's copy before the step and its
// pass after it, over the default config's parameters (single-threaded code, so CPU time is its cost).
void BM_update_ratio(benchmark::State& state) {
    GPT model(bench_config(0).model, 1337);
    const std::vector<Tensor> params = model.parameters();
    nn::UpdateRatio meter;
    for (auto _ : state) {
        meter.before_step(params);
        benchmark::DoNotOptimize(meter.after_step(params));
    }
    state.counters["params"] = double(model.num_parameters());
    state.SetLabel("default config");
}

}  // namespace

BENCHMARK(BM_update_ratio)->Unit(benchmark::kMicrosecond);

// Wall-clock time (UseRealTime): with 2 threads CPU time would add both threads' time up.
// A 124M step takes seconds: with make bench's --benchmark_min_time=0.2 it runs once after the warm-up.
BENCHMARK(BM_train_step)->ArgNames({"config", "threads", "update_ratio"})
    ->Args({0, 1, 1})->Args({0, 1, 0})->Args({0, 2, 1})->Args({0, 2, 0})->Args({1, 1, 1})->Args({1, 2, 1})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
