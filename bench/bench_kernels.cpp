// Speed of the fused kernels a GPT training step runs besides the GEMMs, on the shapes it runs them
// at: the default config (B*T = 12*64 = 768 rows, C = 128, V = 65) and GPT-2 124M's shape with a
// 64-token context (B*T = 4*64 = 256 rows, C = 768, V = 50257). These kernels only stream memory, so
// each reports bytes/s over the bytes it must touch at least (stated per kernel), with 1 and 2 threads.
//   bench_kernels --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The fused causal attention (autograd/attention.h) reports FLOP/s instead, fast kernels beside the
// naive references. Not here: GEMM (bench_gemm.cpp), the whole step (bench_train.cpp). GELU has no
// raw kernel in the header, so it is timed through the Tensor op.
#include <benchmark/benchmark.h>
#include "autograd/omp.h"

#include <vector>

#if __has_include("autograd/attention.h")
#include "autograd/attention.h"
#define GS_HAVE_ATTENTION 1
#endif
#include "autograd/elementwise.h"
#include "autograd/layer_norm.h"
#include "autograd/linear.h"
#include "autograd/softmax.h"
#include "nn/optim.h"

using namespace gs;

namespace {

std::vector<real> random_vector(int64_t n, uint64_t seed, real scale = 1) {
    Rng rng(seed);
    std::vector<real> v(static_cast<size_t>(n));
    for (real& x : v) x = scale * real(rng.normal());
    return v;
}

std::vector<real> zeros(int64_t n) { return std::vector<real>(static_cast<size_t>(n), 0); }

// bytes/s over `bytes` touched per iteration, printed with decimal prefixes ("12.3G/s" is 12.3 GB/s)
void set_bytes(benchmark::State& state, double bytes) {
    state.counters["bytes/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate,
                                                   benchmark::Counter::kIs1000);
}

// Each benchmark sets its thread count from its last argument and puts the old one back when done.
struct Threads {
    int prev;
    explicit Threads(int64_t n) : prev(omp_get_max_threads()) { omp_set_num_threads(int(n)); }
    ~Threads() { omp_set_num_threads(prev); }
};

// args: N, V, threads. Forward reads the logits; backward reads them again and adds into dlogits.
// Bytes: 4 passes over N*V floats (logits twice, dlogits read and written).
void BM_cross_entropy_fwd_bwd(benchmark::State& state) {
    int64_t N = state.range(0), V = state.range(1);
    Threads threads(state.range(2));
    std::vector<real> logits = random_vector(N * V, 1), dlogits = zeros(N * V), losses = zeros(N);
    std::vector<int32_t> targets(static_cast<size_t>(N));
    Rng rng(2);
    for (int32_t& t : targets) t = int32_t(rng.below(uint32_t(V)));
    for (auto _ : state) {
        cross_entropy_forward(losses.data(), logits.data(), targets.data(), N, V, -1);
        cross_entropy_backward(dlogits.data(), logits.data(), targets.data(), real(1.0 / double(N)), N, V, -1);
        benchmark::DoNotOptimize(dlogits.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, 4.0 * double(N * V) * sizeof(real));
}

// args: N, C, threads. Reads inp, writes out (mean and rstd are N floats, left out of the count).
void BM_layer_norm_fwd(benchmark::State& state) {
    int64_t N = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    std::vector<real> inp = random_vector(N * C, 1), w = random_vector(C, 2), out = zeros(N * C);
    std::vector<real> mean = zeros(N), rstd = zeros(N);
    for (auto _ : state) {
        layer_norm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(), nullptr, N, C, real(1e-5));
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, 2.0 * double(N * C) * sizeof(real));
}

// args: N, C, threads. Reads dout and inp, reads and writes dinp; dweight is C floats, not counted.
void BM_layer_norm_bwd(benchmark::State& state) {
    int64_t N = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    std::vector<real> inp = random_vector(N * C, 1), w = random_vector(C, 2), out = zeros(N * C);
    std::vector<real> dout = random_vector(N * C, 3), dinp = zeros(N * C), dw = zeros(C);
    std::vector<real> mean = zeros(N), rstd = zeros(N);
    layer_norm_forward(out.data(), mean.data(), rstd.data(), inp.data(), w.data(), nullptr, N, C, real(1e-5));
    for (auto _ : state) {
        layer_norm_backward(dinp.data(), dw.data(), nullptr, dout.data(), inp.data(), w.data(), mean.data(),
                            rstd.data(), N, C);
        benchmark::DoNotOptimize(dinp.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, 4.0 * double(N * C) * sizeof(real));
}

// args: rows, cols, threads. The Tensor op without a graph: reads x, writes y.
void BM_gelu_fwd(benchmark::State& state) {
    int64_t R = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    Rng rng(1);
    Tensor x = Tensor::randn({R, C}, rng);
    NoGradGuard no_grad;
    for (auto _ : state) {
        Tensor y = gelu(x);
        benchmark::DoNotOptimize(y.data());
    }
    set_bytes(state, 2.0 * double(R * C) * sizeof(real));
}

// args: rows, cols, threads. Forward, then backward from a fixed dy: the backward reads x and dy and
// adds into dx, so 5 passes over rows*cols floats in all.
void BM_gelu_fwd_bwd(benchmark::State& state) {
    int64_t R = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    Rng rng(1);
    Tensor x = Tensor::randn({R, C}, rng).requires_grad_();
    Tensor dy = Tensor::randn({R, C}, rng);
    for (auto _ : state) {
        Tensor y = gelu(x);
        y.backward(dy);
        benchmark::DoNotOptimize(x.grad());
    }
    set_bytes(state, 5.0 * double(R * C) * sizeof(real));
}

// args: rows, cols, threads. out += bias: reads and writes out.
void BM_bias_add_fwd(benchmark::State& state) {
    int64_t R = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    std::vector<real> out = random_vector(R * C, 1), bias = random_vector(C, 2);
    for (auto _ : state) {
        bias_add_forward(out.data(), bias.data(), R, C);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, 2.0 * double(R * C) * sizeof(real));
}

// args: rows, cols, threads. dbias += column sums of dout: reads dout once.
void BM_bias_add_bwd(benchmark::State& state) {
    int64_t R = state.range(0), C = state.range(1);
    Threads threads(state.range(2));
    std::vector<real> dout = random_vector(R * C, 1), dbias = zeros(C);
    for (auto _ : state) {
        bias_add_backward(dbias.data(), dout.data(), R, C);
        benchmark::DoNotOptimize(dbias.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, double(R * C) * sizeof(real));
}

// args: n, threads. Reads p, g, m, v and writes p, m, v: 7 passes over n floats.
void BM_adamw_update(benchmark::State& state) {
    int64_t n = state.range(0);
    Threads threads(state.range(1));
    std::vector<real> p = random_vector(n, 1, real(0.02)), g = random_vector(n, 2, real(1e-3));
    std::vector<real> m = zeros(n), v = zeros(n);
    int64_t t = 0;
    for (auto _ : state) {
        nn::adamw_update(p.data(), g.data(), m.data(), v.data(), n, real(1e-3), real(0.9), real(0.99), real(1e-8),
                     real(0.1), ++t);
        benchmark::DoNotOptimize(p.data());
        benchmark::ClobberMemory();
    }
    set_bytes(state, 7.0 * double(n) * sizeof(real));
}

#ifdef GS_HAVE_ATTENTION
// The FLOPs of the dense formula, 2*hs per (b, h, t, t2) for each of q·k and att·v, though the kernels
// may skip the masked half: so the figure compares with a plain masked softmax doing all the work.
// The backward does twice the forward's (dq, dk from datt; datt, dv from dout).
void set_attention_flops(benchmark::State& state, int64_t B, int64_t T, int64_t C, double passes) {
    state.counters["FLOP/s"] = benchmark::Counter(passes * 4.0 * double(B * T * T * C),
                                                  benchmark::Counter::kIsIterationInvariantRate,
                                                  benchmark::Counter::kIs1000);
}

// args: B, T, C, NH, threads, naive (0 or 1). Forward alone.
void BM_attention_fwd(benchmark::State& state) {
    int64_t B = state.range(0), T = state.range(1), C = state.range(2), NH = state.range(3);
    Threads threads(state.range(4));
    bool naive = state.range(5) != 0;
    std::vector<real> qkv = random_vector(B * T * 3 * C, 1), out = zeros(B * T * C), att = zeros(B * NH * T * T);
    for (auto _ : state) {
        (naive ? attention_forward_naive : attention_forward)(out.data(), att.data(), qkv.data(), B, T, C, NH);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    set_attention_flops(state, B, T, C, 1);
    state.SetLabel(naive ? "naive" : "fast");
}

// args as above. Forward, then backward.
void BM_attention_fwd_bwd(benchmark::State& state) {
    int64_t B = state.range(0), T = state.range(1), C = state.range(2), NH = state.range(3);
    Threads threads(state.range(4));
    bool naive = state.range(5) != 0;
    std::vector<real> qkv = random_vector(B * T * 3 * C, 1), out = zeros(B * T * C), att = zeros(B * NH * T * T);
    std::vector<real> dout = random_vector(B * T * C, 2), dqkv = zeros(B * T * 3 * C);
    for (auto _ : state) {
        (naive ? attention_forward_naive : attention_forward)(out.data(), att.data(), qkv.data(), B, T, C, NH);
        (naive ? attention_backward_naive : attention_backward)(dqkv.data(), dout.data(), qkv.data(), att.data(), B,
                                                                T, C, NH);
        benchmark::DoNotOptimize(dqkv.data());
        benchmark::ClobberMemory();
    }
    set_attention_flops(state, B, T, C, 3);
    state.SetLabel(naive ? "naive" : "fast");
}
#endif

// Runs every shape with 1 thread and with 2.
void with_threads(benchmark::internal::Benchmark* b, const std::vector<std::vector<int64_t>>& shapes) {
    for (int64_t threads : {1, 2})
        for (std::vector<int64_t> s : shapes) {
            s.push_back(threads);
            b->Args(s);
        }
}

}  // namespace

// default config: N = B*T = 768, V = 65;  124M-shaped: N = 256, V = 50257
BENCHMARK(BM_cross_entropy_fwd_bwd)->ArgNames({"N", "V", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 65}, {256, 50257}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);
// C = 128 (default) and 768 (124M-shaped), both at 768 rows as the brief's shapes
BENCHMARK(BM_layer_norm_fwd)->ArgNames({"N", "C", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 128}, {768, 768}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_layer_norm_bwd)->ArgNames({"N", "C", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 128}, {768, 768}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);
// the MLP's hidden layer: (B*T, 4C)
BENCHMARK(BM_gelu_fwd)->ArgNames({"rows", "cols", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 512}, {256, 3072}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gelu_fwd_bwd)->ArgNames({"rows", "cols", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 512}, {256, 3072}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);
// c_attn's and c_fc's outputs: (B*T, 3C) and (B*T, 4C)
BENCHMARK(BM_bias_add_fwd)->ArgNames({"rows", "cols", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 384}, {768, 512}, {256, 2304}, {256, 3072}}); })
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_bias_add_bwd)->ArgNames({"rows", "cols", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{768, 384}, {768, 512}, {256, 2304}, {256, 3072}}); })
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
// the default GPT has 0.8M parameters; 20M stands in for 124M (past every cache, like it, in 560 MB)
BENCHMARK(BM_adamw_update)->ArgNames({"n", "threads"})
    ->Apply([](auto* b) { with_threads(b, {{800000}, {20000000}}); })->UseRealTime()->Unit(benchmark::kMicrosecond);

#ifdef GS_HAVE_ATTENTION
// default config (B 12, T 64, C 128, NH 4) and 124M-shaped (B 4, T 64, C 768, NH 12); the naive
// reference once per shape, on 1 thread (it is single-threaded)
void attention_shapes(benchmark::internal::Benchmark* b) {
    for (int64_t naive : {1, 0})
        for (int64_t threads : {1, 2}) {
            if (naive && threads == 2) continue;
            b->Args({12, 64, 128, 4, threads, naive})->Args({4, 64, 768, 12, threads, naive});
        }
}
BENCHMARK(BM_attention_fwd)->ArgNames({"B", "T", "C", "NH", "threads", "naive"})->Apply(attention_shapes)
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_attention_fwd_bwd)->ArgNames({"B", "T", "C", "NH", "threads", "naive"})->Apply(attention_shapes)
    ->UseRealTime()->Unit(benchmark::kMicrosecond);
#endif

BENCHMARK_MAIN();
