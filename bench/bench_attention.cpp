// Attention speed, in GFLOP/s: the naive kernels, the fast kernels, the fused op (fast kernels plus
// autograd) and the composed reference (causal_attention_reference: split / matmul / masked_fill /
// softmax, as CausalSelfAttention ran before the fused op), forward and forward+backward, at a small GPT's shape (B=12, T=64, C=128, NH=4)
// and a longer context (B=4, T=256, C=384, NH=6), on 1 and 2 threads. Then a whole GPT training step
// (forward + backward, B=12, T=64, C=128, L=4, V=65) with either attention: the ratio is the speedup.
// Flops: the causal forward's two products cover half of each T x T matrix, 2 * 2 * B*NH*T*T*hs / 2;
// the backward has four, so forward+backward counts 3x that (the skipped half is not counted).
//   bench_attention --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include <vector>

#include "autograd/attention.h"
#include "gpt/model.h"

using namespace gs;
using namespace gs::gpt;

namespace {

enum Impl { kNaive, kFast, kFusedOp, kComposed };
const char* const kImplNames[] = {"naive kernels", "fast kernels", "fused op", "composed ops"};

std::vector<real> random_vec(int64_t n, uint64_t seed) {
    Rng rng(seed);
    std::vector<real> v(size_t(n), 0);
    for (real& x : v) x = real(rng.normal());
    return v;
}

// args: impl, backward (0 or 1), B, T, C, NH, threads
void BM_attention(benchmark::State& state) {
    auto impl = Impl(state.range(0));
    bool backward = state.range(1) != 0;
    int64_t B = state.range(2), T = state.range(3), C = state.range(4), NH = state.range(5), hs = C / NH;
    omp_set_num_threads(int(state.range(6)));
    std::vector<real> qkv = random_vec(B * T * 3 * C, 1), dout = random_vec(B * T * C, 2);
    std::vector<real> out(size_t(B * T * C)), att(size_t(B * NH * T * T)), dqkv(size_t(B * T * 3 * C));
    Tensor x = Tensor::from({B, T, 3 * C}, qkv).requires_grad_(), dy = Tensor::from({B, T, C}, dout);
    for (auto _ : state) {
        if (impl == kNaive || impl == kFast) {
            (impl == kFast ? attention_forward : attention_forward_naive)(out.data(), att.data(), qkv.data(), B, T, C,
                                                                           NH);
            if (backward)
                (impl == kFast ? attention_backward : attention_backward_naive)(dqkv.data(), dout.data(), qkv.data(),
                                                                                att.data(), B, T, C, NH);
            benchmark::DoNotOptimize(out.data());
            benchmark::DoNotOptimize(dqkv.data());
        } else {
            Tensor y = impl == kFusedOp ? causal_attention(x, NH) : causal_attention_reference(x, NH);
            if (backward) y.backward(dy);
            benchmark::DoNotOptimize(y.data());
            x.zero_grad();
        }
        benchmark::ClobberMemory();
    }
    double flops = 4.0 * double(B * NH * T * T * hs) / 2 * (backward ? 3 : 1);
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
    state.SetLabel(kImplNames[impl]);
}

// ---- one GPT training step, with either attention ----

GPTConfig step_config() {
    GPTConfig c;
    c.n_layer = 4;
    c.n_head = 4;
    c.n_embd = 128;
    c.block_size = 64;
    c.vocab_size = 65;
    return c;   // dropout 0: CausalSelfAttention runs the fused op unless its `fused` is switched off
}

// args: fused (0 or 1), threads
void BM_gpt_train_step(benchmark::State& state) {
    bool fused = state.range(0) != 0;
    omp_set_num_threads(int(state.range(1)));
    const int64_t B = 12, T = 64;
    GPT model(step_config(), 1337);
    for (const auto& block : model.transformer.h) block->attn.fused = fused;   // nanoGPT's `flash` switch
    Rng rng(7);
    std::vector<int32_t> tok(size_t(B * T + 1), 0);
    for (int32_t& t : tok) t = int32_t(rng.next_u32() % 65);
    Indices idx({B, T}, std::vector<int32_t>(tok.begin(), tok.end() - 1));
    Indices targets({B, T}, std::vector<int32_t>(tok.begin() + 1, tok.end()));
    for (auto _ : state) {
        Tensor loss = model.forward(idx, targets).loss;
        loss.backward();
        model.zero_grad();
        benchmark::DoNotOptimize(loss.data());
    }
    state.counters["tokens/s"] = benchmark::Counter(double(B * T), benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(fused ? "fused attention" : "composed attention");
}

// One thread is timed in CPU time, which other jobs on a shared machine disturb less; two threads
// must be timed on the wall clock (CPU time would add both threads up).
void attention_args(benchmark::internal::Benchmark* b, int64_t threads) {
    for (int64_t backward : {0, 1})
        for (auto s : std::vector<std::vector<int64_t>>{{12, 64, 128, 4}, {4, 256, 384, 6}})
            for (int64_t impl : {kNaive, kFast, kFusedOp, kComposed})
                b->Args({impl, backward, s[0], s[1], s[2], s[3], threads});
}

}  // namespace

BENCHMARK(BM_attention)->ArgNames({"impl", "bwd", "B", "T", "C", "NH", "threads"})
    ->Apply([](benchmark::internal::Benchmark* b) { attention_args(b, 1); })->Unit(benchmark::kMillisecond);
BENCHMARK(BM_attention)->ArgNames({"impl", "bwd", "B", "T", "C", "NH", "threads"})
    ->Apply([](benchmark::internal::Benchmark* b) { attention_args(b, 2); })->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt_train_step)->ArgNames({"fused", "threads"})->Args({0, 1})->Args({1, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt_train_step)->ArgNames({"fused", "threads"})->Args({0, 2})->Args({1, 2})->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
