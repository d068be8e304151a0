# The workbook (tutorials/exercises/README.md), included by the main Makefile.
#
#   make exercises              build your workbook (work/, made from stubs/ on first use) and print the table
#   make exercises STRICT=1     the same, but exit non-zero unless every exercise is done
#   make exercise EX=04.3       run one exercise with its tests' full output
#
# It links the double build of the library (real = double), so gradient checks are tight. The tests
# (harness/) are compiled once into $(BUILD)/exercises/harness; each set of exercise sources gets its own
# directory. tutorials/exercises/check_workbook builds the same binary from solutions/, from stubs/ and
# from rounds of wrong answers by setting EX_SRC, EX_OUT and EX_OBJS.

BUILD ?= build
EX_DIR     := tutorials/exercises
EX_STEMS   := $(sort $(basename $(notdir $(wildcard $(EX_DIR)/stubs/*.cpp))))
# EX_SRC: the exercise sources to build; EX_OUT: their objects and the exercises binary
EX_SRC     ?= $(EX_DIR)/work
EX_OUT     ?= $(BUILD)/exercises/work
EX_OBJS    ?= $(EX_STEMS:%=$(EX_OUT)/%.o)
EX_HARNESS := $(patsubst $(EX_DIR)/harness/%.cpp,$(BUILD)/exercises/harness/%.o,$(wildcard $(EX_DIR)/harness/*.cpp))
EX_LIB     := $(BUILD)/libgradschool64.a
EX_BIN     := $(EX_OUT)/exercises
# The tests run small cases, so a quick compile matters more than fast code: -O1 for your files (-O0 for the
# tests), -g for a debugger. -Wno-unused-parameter: a stub does not use its parameters yet.
EX_CXXFLAGS := -std=c++17 -Wall -Wextra -Wshadow -Wno-unused-parameter -O1 -g $(OMPFLAGS) -I. -MMD -MP -DGRADSCHOOL_DOUBLE
EX_TESTFLAGS := $(subst -O1,-O0,$(EX_CXXFLAGS))
EX_STRICT  := $(if $(filter-out 0,$(STRICT)),--strict)

.PHONY: exercises exercise
.PRECIOUS: $(EX_DIR)/work/%.cpp

# A learner's file is copied from its stub once and never overwritten (cp -n; no prerequisite to be newer than).
$(EX_DIR)/work/%.cpp:
	@mkdir -p $(@D)
	@test -f $(EX_DIR)/stubs/$*.cpp || { echo "workbook: no stub $(EX_DIR)/stubs/$*.cpp for $@" >&2; exit 1; }
	@echo "your file: $@ (a copy of its stub)"
	@cp -n $(EX_DIR)/stubs/$*.cpp $@

$(BUILD)/exercises/harness/%.o: $(EX_DIR)/harness/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(EX_TESTFLAGS) -c $< -o $@

# A file of yours that does not compile leaves a marker, <stem>.error, beside the binary, which reports that
# exercise as failing; its stub stands in for it so that the other exercises still run. check_workbook turns
# this off (EX_FALLBACK=0): a wrong answer that does not compile is an error there.
EX_FALLBACK ?= 1
$(EX_OUT)/%.o: $(EX_SRC)/%.cpp
	@mkdir -p $(@D)
	@rm -f $(@D)/$*.error
ifeq ($(EX_FALLBACK),1)
	@echo "compiling $<"
	@$(CXX) $(EX_CXXFLAGS) -c $< -o $@ || { echo "$<" > $(@D)/$*.error; \
	    echo "workbook: $< does not compile (the errors are above); its exercise is marked failing" >&2; \
	    $(CXX) $(EX_CXXFLAGS) -c $(EX_DIR)/stubs/$*.cpp -o $@; }
else
	$(CXX) $(EX_CXXFLAGS) -c $< -o $@
endif

$(EX_BIN): $(EX_HARNESS) $(EX_OBJS) $(EX_LIB)
	@echo "linking $@"
	@$(CXX) $(EX_HARNESS) $(EX_OBJS) $(EX_LIB) -o $@ $(DEP_LDFLAGS) -lgtest $(LDLIBS)

exercises: $(EX_BIN)
	@$(EX_BIN) --workbook=$(strip $(EX_SRC)) $(EX_STRICT)

exercise: $(EX_BIN)
	@test -n "$(EX)" || { echo "usage: make exercise EX=04.3 (the ids are in $(EX_DIR)/README.md)" >&2; exit 2; }
	@$(EX_BIN) --workbook=$(strip $(EX_SRC)) --only=$(EX) $(EX_STRICT)
