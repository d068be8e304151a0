# gradschool build. Everything lands in $(BUILD)/, out of source.
#
#   make            library (float and double builds), the gpt program, tests, tutorials, benchmarks
#   make test       build and run the GoogleTest suite
#   make train      fetch Tiny Shakespeare, build, train the default GPT, print a sample
#   make bench      run the Google Benchmark programs
#   make sanitize   run the suite under ASan + UBSan + LSan
#   make deps       install missing Debian packages
#
# The library is compiled twice from the same sources: $(BUILD)/f32 with `real` = float (what every
# program uses) and $(BUILD)/f64 with `real` = double (what the finite-difference gradient tests use).

BUILD    ?= build
CXX      ?= g++
OPT      ?= -O3 -march=native
# -fno-math-errno: std::sqrt need not set errno, so loops that call it (AdamW, layer norm) vectorise
CXXFLAGS ?= $(OPT) -g -fopenmp -fno-math-errno
WARN     := -std=c++17 -Wall -Wextra -Wshadow
CPPFLAGS := -I. -MMD -MP
LDLIBS   := -fopenmp -pthread
GTEST    := -lgtest -lgtest_main

MAKEFLAGS += --no-builtin-rules
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

LIB_SRCS   := $(wildcard autograd/*.cpp nn/*.cpp nn/io/*.cpp gpt/*.cpp)
LIB_SRCS   := $(filter-out gpt/main.cpp,$(LIB_SRCS))
TEST_SRCS  := $(wildcard tests/test_*.cpp)
GRAD_SRCS  := $(wildcard tests/grad/test_*.cpp)
TUT_SRCS   := $(wildcard tutorials/[0-9][0-9]_*.cpp)
# bench_openblas links OpenBLAS, which gradschool never depends on: only `make bench-openblas` builds it
BENCH_SRCS := $(filter-out bench/bench_openblas.cpp,$(wildcard bench/bench_*.cpp))

LIB32 := $(BUILD)/libgradschool.a
LIB64 := $(BUILD)/libgradschool64.a
OBJ32 := $(LIB_SRCS:%.cpp=$(BUILD)/f32/%.o)
OBJ64 := $(LIB_SRCS:%.cpp=$(BUILD)/f64/%.o)

TEST_BIN  := $(BUILD)/tests/gradschool_tests
GRAD_BIN  := $(BUILD)/tests/gradschool_grad_tests
TUT_BINS  := $(TUT_SRCS:tutorials/%.cpp=$(BUILD)/tutorials/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.cpp=$(BUILD)/bench/%)
GPT_BIN   := $(BUILD)/gpt
# Tutorials that verify gradients by finite differences link the double-precision build.
TUT_F64   := $(filter $(BUILD)/tutorials/03_% $(BUILD)/tutorials/04_%,$(TUT_BINS))

.PHONY: all lib test tutorials bench bench-openblas train sanitize deps clean check-deps
all: lib $(TEST_BIN) $(GRAD_BIN) tutorials $(BENCH_BINS)
ifneq ($(wildcard gpt/main.cpp),)
all: $(GPT_BIN)
endif
lib: $(LIB32) $(LIB64)
tutorials: $(TUT_BINS)

# ---- objects and libraries -------------------------------------------------------------------------
$(BUILD)/f32/%.o: %.cpp | check-deps
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(CXXFLAGS) $(CPPFLAGS) -c $< -o $@
$(BUILD)/f64/%.o: %.cpp | check-deps
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(CXXFLAGS) $(CPPFLAGS) -DGRADSCHOOL_DOUBLE -c $< -o $@
$(LIB32): $(OBJ32)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(LIB64): $(OBJ64)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# ---- programs --------------------------------------------------------------------------------------
$(GPT_BIN): $(BUILD)/f32/gpt/main.o $(LIB32)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(TEST_BIN): $(TEST_SRCS:%.cpp=$(BUILD)/f32/%.o) $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(GTEST) $(LDLIBS)
$(GRAD_BIN): $(GRAD_SRCS:%.cpp=$(BUILD)/f64/%.o) $(LIB64)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(GTEST) $(LDLIBS)
$(filter-out $(TUT_F64),$(TUT_BINS)): $(BUILD)/tutorials/%: $(BUILD)/f32/tutorials/%.o $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(TUT_F64): $(BUILD)/tutorials/%: $(BUILD)/f64/tutorials/%.o $(LIB64)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/bench/%: $(BUILD)/f32/bench/%.o $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ -lbenchmark $(LDLIBS)

# ---- running ---------------------------------------------------------------------------------------
# Both suites run even if the first fails; scripts/test_summary prints one closing line for the pair.
# The CLI tests run the gpt program itself: GRADSCHOOL_GPT tells them where it is.
test: $(TEST_BIN) $(GRAD_BIN) $(GPT_BIN)
	@GRADSCHOOL_GPT=$(GPT_BIN) bash scripts/run_tests $(TEST_BIN) $(GRAD_BIN)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b --benchmark_min_time=0.2 || exit 1; done

# GEMM against OpenBLAS's cblas_sgemm at the same shapes and thread counts. A comparison only: OpenBLAS
# is never a dependency of gradschool, and nothing else builds or links this program.
bench-openblas: $(LIB32)
	@pkg-config --exists openblas || { echo "bench-openblas: needs OpenBLAS for the comparison: sudo apt-get install libopenblas-dev pkg-config"; exit 1; }
	@mkdir -p $(BUILD)/bench
	$(CXX) $(WARN) $(CXXFLAGS) -I. $$(pkg-config --cflags openblas) bench/bench_openblas.cpp $(LIB32) \
	    -o $(BUILD)/bench/bench_openblas -lbenchmark $$(pkg-config --libs openblas) $(LDLIBS)
	@bash bench/compare_openblas $(BUILD)/bench/bench_openblas

train: all
	@bash scripts/get_data data/tinyshakespeare.txt
	$(GPT_BIN) train --data data/tinyshakespeare.txt --out out/shakespeare
	$(GPT_BIN) sample --ckpt out/shakespeare --tokens 500

# Sanitized build of the whole suite: ASan + UBSan (+ LSan, which ASan enables on Linux).
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fopenmp
sanitize:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/sanitize CXXFLAGS="$(SAN_FLAGS)" \
	    $(BUILD)/sanitize/tests/gradschool_tests $(BUILD)/sanitize/tests/gradschool_grad_tests $(BUILD)/sanitize/gpt
	@GRADSCHOOL_GPT=$(BUILD)/sanitize/gpt ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 GRADSCHOOL_SANITIZE=1 \
	    bash scripts/run_tests $(BUILD)/sanitize/tests/gradschool_tests $(BUILD)/sanitize/tests/gradschool_grad_tests

# `make deps` installs what is missing; every build runs the same check first and installs too when
# it can (as root, or with sudo), or stops with the exact command to run.
deps check-deps:
	@bash scripts/deps install

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- reliability: fuzzing, ThreadSanitizer, static analysis ----------------------------------------
#   make fuzz       the checkpoint readers under libFuzzer + ASan + UBSan for FUZZ_TIME (60) seconds
#   make tsan       the OpenMP kernels' tests under ThreadSanitizer (clang++ and LLVM's libomp)
#   make cppcheck   static analysis of autograd/, nn/ and gpt/
.PHONY: fuzz tsan cppcheck

# clang++ builds the fuzzer: its objects, library sources included, all get the same flags (coverage
# instrumentation and sanitizers must be in the library code that parses the files). The fuzzer runs
# on a copy of the seed corpora; what it adds, and any crashing input, stay in $(BUILD)/fuzz.
FUZZ_CXX   ?= clang++
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fopenmp \
              -Wno-pass-failed
FUZZ_TIME  ?= 60
FUZZ_BIN   := $(BUILD)/fuzz/fuzz_safetensors
$(BUILD)/fuzz/obj/%.o: %.cpp
	@command -v $(FUZZ_CXX) >/dev/null || { echo "make fuzz needs $(FUZZ_CXX): apt-get install clang libomp-dev" >&2; exit 1; }
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(WARN) $(FUZZ_FLAGS) $(CPPFLAGS) -c $< -o $@
$(FUZZ_BIN): $(LIB_SRCS:%.cpp=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/tests/fuzz/fuzz_safetensors.o
	$(FUZZ_CXX) $(FUZZ_FLAGS) $^ -o $@ -pthread
fuzz: $(FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/crashes
	@cp tests/data/safetensors/*.safetensors tests/fuzz/seeds/*.safetensors $(BUILD)/fuzz/corpus/
	OMP_NUM_THREADS=1 $(FUZZ_BIN) -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -dict=tests/fuzz/safetensors.dict -artifact_prefix=$(BUILD)/fuzz/crashes/ $(BUILD)/fuzz/corpus

# scripts/tsan explains why this is clang++ with LLVM's libomp rather than g++ with libgomp.
tsan:
	@BUILD=$(BUILD) bash scripts/tsan

cppcheck:
	@bash scripts/cppcheck
include tutorials/figures.mk
include tutorials/exercises/exercises.mk

# ---- GPT-2's tokenizer against its JavaScript reference (make test-gpt2-tokenizer) ----------------
include tests/gpt2_tokenizer/rules.mk
