# make test-gpt2-tokenizer: gradschool's GPT-2 tokenizer against the npm package gpt-3-encoder, token
# by token, on Tiny Shakespeare and a multilingual sample (tests/gpt2_tokenizer/compare.sh says how).
# Needs node and npm; skips with one line without them. Included by the Makefile.
GPT2_COMPARE := $(BUILD)/tests/gpt2_tokenizer/gpt2_compare

$(GPT2_COMPARE): $(BUILD)/f32/tests/gpt2_tokenizer/gpt2_compare.o $(LIB32)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(LDLIBS)

.PHONY: test-gpt2-tokenizer
test-gpt2-tokenizer: $(GPT2_COMPARE)
	@bash tests/gpt2_tokenizer/compare.sh $(GPT2_COMPARE) $(BUILD)
