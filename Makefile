# gradschool build. Everything lands in $(BUILD)/, out of source.
#
#   make              library (float and double builds), the gpt program, tests, tutorials, benchmarks
#   make train        only the float library and gpt; fetch Tiny Shakespeare, train the default GPT, sample
#   make test         build and run the GoogleTest suite
#   make test-arm64   the suite cross-compiled for aarch64 and run under qemu (Debian/Ubuntu on x86-64)
#   make bench        run the Google Benchmark programs
#   make sanitize     run the suite under ASan + UBSan + LSan
#   make deps         install the missing packages (Debian/Ubuntu), or print the command for this system
#
# Knobs: OPENMP=0 (one thread, no OpenMP needed), CXX=clang++, OPT="-O3 -march=x86-64" (no AVX2),
# DEBUG= (no -g), TEST_OPT= (see below), BUILD=dir. A change of compiler or flags rebuilds what it
# affects ($(BUILD)/config holds them).
#
# The library is compiled twice from the same sources: $(BUILD)/f32 with `real` = float (what every
# program uses) and $(BUILD)/f64 with `real` = double (what the finite-difference gradient tests use;
# without the gpt program's own files, see F64_SKIP).

# GNU make 3.81 (macOS's /usr/bin/make) is older than anything this file is tested with; stop at once
# with the fix rather than fail later in a confusing way. GS_MAKE_VERSION exists so the check can be tested.
GS_MAKE_VERSION ?= $(MAKE_VERSION)
ifneq ($(filter 1.% 2.% 3.%,$(GS_MAKE_VERSION)),)
$(error GNU make $(GS_MAKE_VERSION) is too old: gradschool needs make 4.0 or newer (on macOS: brew install make, then type gmake instead of make))
endif

BUILD ?= build
UNAME_S := $(shell uname -s)
UNAME_M := $(shell uname -m)

# ---- platform ----------------------------------------------------------------------------------------
# Every AArch64 CPU has NEON, so -O3 alone vectorises there; -mcpu=native also tunes for this CPU.
# On macOS the compiler is Apple's clang, which has OpenMP's compiler half but neither the -fopenmp
# driver flag nor the runtime: -Xpreprocessor passes the flag through, Homebrew's libomp is the runtime.
ifeq ($(UNAME_S),Darwin)
  ifeq ($(origin CXX),default)
    CXX := clang++
  endif
endif
CXX_VERSION := $(shell $(CXX) --version 2>/dev/null)
ifeq ($(UNAME_S),Darwin)
  BREW   := $(shell brew --prefix 2>/dev/null)
  NPROC  := $(shell sysctl -n hw.ncpu 2>/dev/null || echo 2)
  ifeq ($(UNAME_M),arm64)
    OPT ?= -O3
  endif
  ifneq ($(findstring clang,$(CXX_VERSION)),)
    OMP_CFLAGS ?= -Xpreprocessor -fopenmp -I$(BREW)/opt/libomp/include
    OMP_LIBS   ?= -L$(BREW)/opt/libomp/lib -lomp
  endif
  # googletest and google-benchmark from Homebrew
  DEP_CPPFLAGS ?= -I$(BREW)/include
  DEP_LDFLAGS  ?= -L$(BREW)/lib
else
  NPROC := $(shell nproc 2>/dev/null || echo 2)
endif
ifneq ($(filter aarch64 arm64,$(UNAME_M)),)
  OPT ?= -O3 -mcpu=native
endif
OPT        ?= -O3 -march=native
OMP_CFLAGS ?= -fopenmp
OMP_LIBS   ?= -fopenmp

# -fno-math-errno: std::sqrt need not set errno, so loops that call it (AdamW, layer norm) vectorise
DEBUG    ?= -g
CXXFLAGS ?= $(OPT) $(DEBUG) -fno-math-errno
# The tests' own code (references, fixtures, GoogleTest's macros) is built at TEST_OPT, -O1: a third less
# compile time than -O3, and those small cases run as fast. The library keeps its flags, and the tests
# keep the rest of OPT (-march), so the inline kernels in headers that they call are compiled for the
# same CPU. TEST_OPT= builds them with the library's flags.
TEST_OPT ?= -O1
TEST_CXXFLAGS ?= $(if $(TEST_OPT),$(filter-out -O%,$(CXXFLAGS)) $(TEST_OPT),$(CXXFLAGS))
OBJ_CXXFLAGS   = $(CXXFLAGS)
# -ffp-contract=off: a*b + c is rounded twice, never fused into one FMA unless the code says so (the
# GEMM micro-kernels' intrinsics do), so that g++ and clang, on x86-64 and on ARM, give the same bits for
# the same formula: by default g++ fuses wherever the target has FMA and clang within one expression, and
# the tests that compare a kernel with the same formula written out would differ in the last bit. The
# price: loops the compiler vectorises do a multiply and an add where it would have fused them.
WARN     := -std=c++17 -ffp-contract=off -Wall -Wextra -Wshadow
# clang takes `#pragma omp simd` as an order and warns about each such loop it cannot vectorise: the unary
# ops that call libm (exp, log, tanh in elementwise.cpp) and the float max reductions of attention.cpp's
# softmax rows (clang vectorises those only under -ffinite-math-only). The loops are correct; g++
# vectorises what it can and is silent about the rest. Speed is measured in bench/, not by warnings.
ifneq ($(findstring clang,$(CXX_VERSION)),)
WARN     += -Wno-pass-failed
endif
CPPFLAGS := -I. -MMD -MP
AR       ?= ar

# parallel by default; a sub-make shares its parent's job slots instead of forcing its own
MAKEFLAGS += --no-builtin-rules
ifeq ($(MAKELEVEL)$(filter -j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(NPROC)
endif

# Goals that compile nothing need no compiler probe and no config file.
NO_BUILD_GOALS := clean deps check-compiler check-test-deps check-bench-deps cppcheck tsan
BUILDING := $(filter-out $(NO_BUILD_GOALS),$(or $(MAKECMDGOALS),all))

# ---- OpenMP ------------------------------------------------------------------------------------------
# OPENMP=auto (default): use it if $(CXX) can build and link an OpenMP program, else build single-threaded
# and say so. OPENMP=1: require it. OPENMP=0: never. Single-threaded builds include autograd/omp.h's
# stand-ins; -fopenmp-simd keeps the `omp simd` loops vectorised (it needs no runtime), and the other
# `#pragma omp` lines are ignored, on purpose, so -Wno-unknown-pragmas (in that mode only).
OPENMP ?= auto
# try_cxx(compile flags, expression, link flags): 1 if $(CXX) builds `int main() { return EXPR; }`, else 0
try_cxx = $(shell t=$$(mktemp) && echo 'int main() { return $(2); }' | \
              $(CXX) $(1) -x c++ - -o $$t $(3) >/dev/null 2>&1 && echo 1 || echo 0; rm -f $$t)
ifneq ($(BUILDING),)
  ifneq ($(OPENMP),0)
    # no compiler yet: the first object's check installs one (with OpenMP) or says how, so no probe
    ifeq ($(shell command -v $(firstword $(CXX)) 2>/dev/null),)
      omp := 1
    else
      omp := $(call try_cxx,$(OMP_CFLAGS) -include omp.h,omp_get_max_threads() < 1,$(OMP_LIBS))
    endif
    ifeq ($(omp),0)
      ifeq ($(OPENMP),1)
        $(error OPENMP=1, but $(CXX) cannot build an OpenMP program with "$(OMP_CFLAGS) $(OMP_LIBS)" (Debian: apt-get install libomp-dev for clang; macOS: brew install libomp))
      endif
      $(info OpenMP not found: building single-threaded; on macOS: brew install libomp)
    endif
  endif
endif
ifeq ($(omp),1)
  OMPFLAGS := $(OMP_CFLAGS)
  OMPLIBS  := $(OMP_LIBS)
else ifneq ($(BUILDING),)
  OMPFLAGS := $(if $(filter 1,$(call try_cxx,-fopenmp-simd,0)),-fopenmp-simd) -Wno-unknown-pragmas
endif
LDLIBS := $(OMPLIBS) -pthread

# GoogleTest: the system's (-lgtest), or GTEST_FROM_SOURCE=1 to compile it from its sources with $(CXX)
# (what the cross build does: Debian's libgtest-dev ships them in /usr/src/googletest).
GTEST_SRC ?= /usr/src/googletest/googletest
ifeq ($(GTEST_FROM_SOURCE),1)
  GTEST_LIBS     := $(BUILD)/gtest/libgtest_main.a $(BUILD)/gtest/libgtest-all.a
  GTEST_CPPFLAGS := -isystem $(GTEST_SRC)/include
else
  GTEST_LIBS     := -lgtest_main -lgtest
endif

# ---- sources and targets -----------------------------------------------------------------------------
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
# The double build serves the finite-difference checks (tests/grad, chapters 3 and 4, the workbook), so it
# leaves out the gpt program's own files, which compute nothing to check: the training loop, checkpoints,
# Hugging Face directories, run folders, plots, reference bands, tokenizer training and files, memory sums.
F64_SKIP := $(addprefix gpt/,train.cpp checkpoint.cpp hf.cpp run_dir.cpp plot.cpp reference_bands.cpp \
              tokenizer_train.cpp tokenizer_io.cpp bpe_files.cpp memory.cpp)
OBJ64 := $(patsubst %.cpp,$(BUILD)/f64/%.o,$(filter-out $(F64_SKIP),$(LIB_SRCS)))
TEST_OBJS  := $(TEST_SRCS:%.cpp=$(BUILD)/f32/%.o) $(GRAD_SRCS:%.cpp=$(BUILD)/f64/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.cpp=$(BUILD)/f32/%.o)

TEST_BIN  := $(BUILD)/tests/gradschool_tests
GRAD_BIN  := $(BUILD)/tests/gradschool_grad_tests
TUT_BINS  := $(TUT_SRCS:tutorials/%.cpp=$(BUILD)/tutorials/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.cpp=$(BUILD)/bench/%)
GPT_BIN   := $(BUILD)/gpt
# Tutorials that verify gradients by finite differences link the double-precision build.
TUT_F64   := $(filter $(BUILD)/tutorials/03_% $(BUILD)/tutorials/04_%,$(TUT_BINS))

.PHONY: all lib test tests tutorials bench bench-openblas train sanitize deps clean
.PHONY: check-compiler check-test-deps check-bench-deps test-arm64
all: lib $(TEST_BIN) $(GRAD_BIN) tutorials $(BENCH_BINS)
ifneq ($(wildcard gpt/main.cpp),)
all: $(GPT_BIN)
endif
lib: $(LIB32) $(LIB64)
tests: $(TEST_BIN) $(GRAD_BIN) $(GPT_BIN)
tutorials: $(TUT_BINS)

# make does not notice changed flags: every object depends on $(BUILD)/config, which holds the compile
# settings and is rewritten only when they change. test-arm64 compiles nothing into $(BUILD) itself (its
# sub-make builds into $(BUILD)/arm64), so it must not rewrite the host build's settings either.
CONFIG := $(CXX) | $(WARN) | $(CXXFLAGS) | $(TEST_CXXFLAGS) | $(OMPFLAGS) $(OMPLIBS) | $(GTEST_CPPFLAGS)
ifneq ($(filter-out test-arm64,$(BUILDING)),)
  $(shell mkdir -p $(BUILD) && c='$(subst ','',$(CONFIG))' && \
      { [ "$$(cat $(BUILD)/config 2>/dev/null)" = "$$c" ] || printf '%s\n' "$$c" >$(BUILD)/config; })
endif
$(BUILD)/config: ;

# ---- objects and libraries ---------------------------------------------------------------------------
# Library and program objects need only a compiler; tests add GoogleTest's headers, benchmarks Google
# Benchmark's, and each checks for its own (scripts/deps) before the first of them is compiled.
$(BUILD)/f32/%.o: %.cpp $(BUILD)/config | check-compiler
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(OBJ_CXXFLAGS) $(OMPFLAGS) $(CPPFLAGS) $(OBJ_CPPFLAGS) -c $< -o $@
$(BUILD)/f64/%.o: %.cpp $(BUILD)/config | check-compiler
	@mkdir -p $(@D)
	$(CXX) $(WARN) $(OBJ_CXXFLAGS) $(OMPFLAGS) $(CPPFLAGS) $(OBJ_CPPFLAGS) -DGRADSCHOOL_DOUBLE -c $< -o $@
$(TEST_OBJS): OBJ_CXXFLAGS = $(TEST_CXXFLAGS)
$(TEST_OBJS): OBJ_CPPFLAGS = $(GTEST_CPPFLAGS) $(DEP_CPPFLAGS)
$(TEST_OBJS): | check-test-deps
$(BENCH_OBJS): OBJ_CPPFLAGS = $(DEP_CPPFLAGS)
$(BENCH_OBJS): | check-bench-deps
$(LIB32): $(OBJ32)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(LIB64): $(OBJ64)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
$(BUILD)/gtest/lib%.a: $(GTEST_SRC)/src/%.cc $(BUILD)/config | check-compiler
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 -isystem $(GTEST_SRC)/include -I$(GTEST_SRC) -pthread -c $< -o $(@:.a=.o)
	rm -f $@ && $(AR) rcs $@ $(@:.a=.o)

# ---- programs ----------------------------------------------------------------------------------------
$(GPT_BIN): $(BUILD)/f32/gpt/main.o $(LIB32)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(TEST_BIN): $(TEST_SRCS:%.cpp=$(BUILD)/f32/%.o) $(LIB32) $(filter %.a,$(GTEST_LIBS))
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(DEP_LDFLAGS) $(filter %.o,$^) $(LIB32) -o $@ $(GTEST_LIBS) $(LDLIBS)
$(GRAD_BIN): $(GRAD_SRCS:%.cpp=$(BUILD)/f64/%.o) $(LIB64) $(filter %.a,$(GTEST_LIBS))
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(DEP_LDFLAGS) $(filter %.o,$^) $(LIB64) -o $@ $(GTEST_LIBS) $(LDLIBS)
$(filter-out $(TUT_F64),$(TUT_BINS)): $(BUILD)/tutorials/%: $(BUILD)/f32/tutorials/%.o $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(TUT_F64): $(BUILD)/tutorials/%: $(BUILD)/f64/tutorials/%.o $(LIB64)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/bench/%: $(BUILD)/f32/bench/%.o $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(DEP_LDFLAGS) $^ -o $@ -lbenchmark $(LDLIBS)

# ---- running -----------------------------------------------------------------------------------------
# Both suites run even if the first fails; scripts/run_tests prints one closing line for the pair.
# The CLI tests run the gpt program itself: GRADSCHOOL_GPT tells them where it is.
test: tests
	@GRADSCHOOL_GPT=$(GPT_BIN) bash scripts/run_tests $(TEST_BIN) $(GRAD_BIN)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b --benchmark_min_time=0.2 || exit 1; done

# GEMM against OpenBLAS's cblas_sgemm at the same shapes and thread counts. A comparison only: OpenBLAS
# is never a dependency of gradschool, and nothing else builds or links this program.
bench-openblas: $(LIB32) | check-bench-deps
	@pkg-config --exists openblas || { echo "bench-openblas: needs OpenBLAS for the comparison: sudo apt-get install libopenblas-dev pkg-config"; exit 1; }
	@mkdir -p $(BUILD)/bench
	$(CXX) $(WARN) $(CXXFLAGS) $(OMPFLAGS) -I. $(DEP_CPPFLAGS) $$(pkg-config --cflags openblas) bench/bench_openblas.cpp $(LIB32) \
	    -o $(BUILD)/bench/bench_openblas $(DEP_LDFLAGS) -lbenchmark $$(pkg-config --libs openblas) $(LDLIBS)
	@bash bench/compare_openblas $(BUILD)/bench/bench_openblas

# Training needs only the float library and gpt: no GoogleTest, no Benchmark, no double build.
train: $(GPT_BIN)
	@bash scripts/get_data data/tinyshakespeare.txt
	$(GPT_BIN) train --data data/tinyshakespeare.txt --out out/shakespeare
	$(GPT_BIN) sample --ckpt out/shakespeare --tokens 500

# Sanitized build of the whole suite: ASan + UBSan (+ LSan, which ASan enables on Linux). -g1 keeps the
# line tables, all a report's stack trace needs, at a third less compile time than -g; the tests' own
# code (instrumented the same) is built at -O0, which halves its compile time under the sanitizers, while
# the library keeps -O1 so the suite runs at a usable speed. The suite runs one shard per core.
SAN_FLAGS      := -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
sanitize:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/sanitize CXXFLAGS="-O1 $(SAN_FLAGS)" TEST_CXXFLAGS="-O0 $(SAN_FLAGS)" \
	    OPENMP=$(if $(filter 1,$(omp)),1,0) $(BUILD)/sanitize/tests/gradschool_tests $(BUILD)/sanitize/tests/gradschool_grad_tests $(BUILD)/sanitize/gpt
	@GRADSCHOOL_GPT=$(BUILD)/sanitize/gpt ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    TEST_SHARDS=$(NPROC) bash scripts/run_tests $(BUILD)/sanitize/tests/gradschool_tests $(BUILD)/sanitize/tests/gradschool_grad_tests

# `make deps` installs what is missing for everything `make` builds (Debian/Ubuntu, as root or with
# sudo) or prints the command for this system. The checks below run before the first object of their
# kind, install the same way when they can, or stop with the exact command to run.
deps:
	@CXX="$(CXX)" DEP_CPPFLAGS="$(DEP_CPPFLAGS)" bash scripts/deps install all
check-compiler:
	@CXX="$(CXX)" bash scripts/deps install compiler
check-test-deps:
	@CXX="$(CXX)" DEP_CPPFLAGS="$(DEP_CPPFLAGS) $(GTEST_CPPFLAGS)" bash scripts/deps install test
check-bench-deps:
	@CXX="$(CXX)" DEP_CPPFLAGS="$(DEP_CPPFLAGS)" bash scripts/deps install bench

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/f32 $(BUILD)/f64 $(BUILD)/exercises -name '*.d' 2>/dev/null)

# ---- aarch64: cross-compiled with Debian's g++-aarch64-linux-gnu, run under qemu-aarch64-static -------
# Everything the suite needs (both library builds, both test binaries, gpt) is built into $(BUILD)/arm64
# with the cross compiler, GoogleTest included (from /usr/src/googletest, so no arm64 packages or
# multiarch setup are needed). qemu runs each binary with the aarch64 libraries from ARM_SYSROOT; the
# gpt program is reached through a two-line script that does the same, so the tests that start it work
# with or without a binfmt_misc registration. Emulation is slow (float arithmetic is done in software), so
# the suite runs as one shard per core, and OpenMP's idle threads sleep instead of spinning through
# emulated instructions. ARM_OPENMP=0 builds it single-threaded (CI does: see .ci/run). qemu says nothing
# about ARM speed: time nothing here.
ARM_BUILD   := $(BUILD)/arm64
ARM_CXX     ?= aarch64-linux-gnu-g++
ARM_SYSROOT ?= /usr/aarch64-linux-gnu
ARM_OPT     ?= -O3
ARM_OPENMP  ?= 1
QEMU        ?= qemu-aarch64-static
ARM_RUN     := $(QEMU) -L $(ARM_SYSROOT)
test-arm64:
	@bash scripts/deps install arm64
	@$(MAKE) --no-print-directory BUILD=$(ARM_BUILD) CXX=$(ARM_CXX) AR=$(ARM_CXX:%g++=%ar) OPT="$(ARM_OPT)" OPENMP=$(ARM_OPENMP) \
	    GTEST_FROM_SOURCE=1 $(ARM_BUILD)/tests/gradschool_tests $(ARM_BUILD)/tests/gradschool_grad_tests $(ARM_BUILD)/gpt
	@printf '#!/bin/sh\nexec %s "$$(dirname "$$0")/gpt" "$$@"\n' "$(ARM_RUN)" >$(ARM_BUILD)/gpt-qemu
	@chmod +x $(ARM_BUILD)/gpt-qemu
	@echo "== aarch64 suite under $(QEMU), $(NPROC) shards at once"
	@GRADSCHOOL_GPT=$(ARM_BUILD)/gpt-qemu TEST_RUNNER="$(ARM_RUN)" TEST_SHARDS=$(NPROC) OMP_WAIT_POLICY=passive \
	    bash scripts/run_tests $(ARM_BUILD)/tests/gradschool_tests $(ARM_BUILD)/tests/gradschool_grad_tests

# ---- reliability: fuzzing, ThreadSanitizer, static analysis ------------------------------------------
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
