// Parameter shapes and memory estimates from a config alone. See memory.h; the shapes must follow
// gpt/model.cpp (tests/test_memory.cpp compares them with a built model's).
#include "gpt/memory.h"

#include <unistd.h>

#include <cstdio>

#include "autograd/check.h"

namespace gs::gpt {

std::vector<NamedShape> block_parameter_shapes(const GPTConfig& cfg) {
    const int64_t C = cfg.n_embd;
    std::vector<NamedShape> s;
    // a Linear's weight is (out, in) and its bias (out); a LayerNorm has a weight (and bias) of C
    auto linear = [&](const std::string& name, int64_t in, int64_t out) {
        s.push_back({name + ".weight", {out, in}});
        if (cfg.bias) s.push_back({name + ".bias", {out}});
    };
    auto layer_norm = [&](const std::string& name) {
        s.push_back({name + ".weight", {C}});
        if (cfg.bias) s.push_back({name + ".bias", {C}});
    };
    layer_norm("ln_1");
    linear("attn.c_attn", C, 3 * C);
    linear("attn.c_proj", C, C);
    layer_norm("ln_2");
    linear("mlp.c_fc", C, 4 * C);
    linear("mlp.c_proj", 4 * C, C);
    return s;
}

namespace {

// The parameters outside the blocks: the two embeddings (wte is also the output layer) and ln_f.
std::vector<NamedShape> embedding_shapes(const GPTConfig& cfg) {
    return {{"transformer.wte.weight", {cfg.vocab_size, cfg.n_embd}},
            {"transformer.wpe.weight", {cfg.block_size, cfg.n_embd}}};
}
std::vector<NamedShape> final_norm_shapes(const GPTConfig& cfg) {
    std::vector<NamedShape> s = {{"transformer.ln_f.weight", {cfg.n_embd}}};
    if (cfg.bias) s.push_back({"transformer.ln_f.bias", {cfg.n_embd}});
    return s;
}

double numel(const std::vector<NamedShape>& shapes) {
    double n = 0;
    for (const auto& [name, shape] : shapes) {
        double k = 1;
        for (int64_t d : shape) k *= double(d);
        n += k;
    }
    return n;
}

}  // namespace

std::vector<NamedShape> parameter_shapes(const GPTConfig& cfg) {
    std::vector<NamedShape> s = embedding_shapes(cfg), block = block_parameter_shapes(cfg);
    for (int64_t i = 0; i < cfg.n_layer; i++)
        for (const auto& [name, shape] : block) s.push_back({"transformer.h." + std::to_string(i) + "." + name, shape});
    for (const NamedShape& ns : final_norm_shapes(cfg)) s.push_back(ns);
    return s;
}

double num_parameter_tensors(const GPTConfig& cfg) {
    return double(embedding_shapes(cfg).size()) + double(cfg.n_layer) * double(block_parameter_shapes(cfg).size()) +
           double(final_norm_shapes(cfg).size());
}

double num_parameters(const GPTConfig& cfg) {
    return numel(embedding_shapes(cfg)) + double(cfg.n_layer) * numel(block_parameter_shapes(cfg)) +
           numel(final_norm_shapes(cfg));
}

// The activations are counted per (B, T) position from what gpt/model.cpp's forward keeps:
// per block ln_1, qkv (3C), the attention output, c_proj, the residual, ln_2, c_fc and GELU (4C each),
// c_proj and the residual: 17C, plus the (NH, T) softmax row per position; with dropout the unfused
// attention's q, k, v and dropout copies add about 8C, and its scores, masked scores, dropout mask and
// output 4 more (NH, T) rows.
// Outside the blocks: the embeddings and ln_f (4C) and the logits, their softmax and gradient (3V).
// The backward's gradient buffers live one block at a time, which the factor 1.25 stands for.
MemoryEstimate training_memory(const GPTConfig& cfg, int64_t B, int64_t eval_iters, int64_t text_bytes) {
    const double C = double(cfg.n_embd), T = double(cfg.block_size), V = double(cfg.vocab_size);
    const double NH = double(cfg.n_head), L = double(cfg.n_layer), positions = double(B) * T;
    const bool dropout = cfg.dropout > 0;
    const double per_block = (dropout ? 25 : 17) * C + (dropout ? 5 : 1) * NH * T;
    MemoryEstimate m;
    m.weights = 4 * num_parameters(cfg) * sizeof(real);   // weights, grads, AdamW's m and v
    m.activations = 1.25 * positions * (L * per_block + 4 * C + 3 * V) * sizeof(real);
    // the text, its ids and the train/val copies (9 bytes a character), the fixed eval batches (x and y
    // of both splits) and one training batch
    m.data = 9 * double(text_bytes) + (4 * double(eval_iters) + 2) * positions * sizeof(int32_t);
    return m;
}

MemoryEstimate eval_memory(const GPTConfig& cfg, int64_t B, int64_t n_tokens) {
    const double C = double(cfg.n_embd), T = double(cfg.block_size), V = double(cfg.vocab_size);
    const double positions = double(B) * T;
    MemoryEstimate m;
    m.weights = num_parameters(cfg) * sizeof(real);
    // without a graph a block's tensors die as it returns: the widest moment holds the MLP's 4C twice,
    // the residual stream, the (NH, T) softmax rows, and then the logits
    m.activations = positions * (10 * C + double(cfg.n_head) * T + 2 * V) * sizeof(real);
    m.data = 3 * double(n_tokens) * sizeof(int32_t);   // the ids and every window's x and y
    return m;
}

MemoryEstimate sample_memory(const GPTConfig& cfg, int64_t n_prompt, int64_t n_new) {
    const double C = double(cfg.n_embd), T = double(cfg.block_size), V = double(cfg.vocab_size);
    MemoryEstimate m;
    m.weights = num_parameters(cfg) * sizeof(real);
    // the KV cache (keys and values of every layer and position) and a full forward over the window
    m.activations = (2 * double(cfg.n_layer) * T * C + T * (10 * C + double(cfg.n_head) * T) + 2 * V) * sizeof(real);
    m.data = 2 * (double(n_prompt) + double(n_new)) * sizeof(int32_t);   // the context and the new tokens
    return m;
}

std::string format_bytes(double bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) bytes /= 1024, u++;
    char buf[64];
    if (u == 0) std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
    else std::snprintf(buf, sizeof buf, "%.*f %s", bytes < 10 ? 1 : 0, bytes, units[u]);
    return buf;
}

std::string MemoryEstimate::str() const {
    return "about " + format_bytes(total()) + " (weights " + format_bytes(weights) + ", activations " +
           format_bytes(activations) + ", data " + format_bytes(data) + ")";
}

double physical_memory_bytes() {
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? double(pages) * double(page) : 0;
}

void check_fits_in_memory(const MemoryEstimate& m, const std::string& who, const std::string& what,
                          const std::string& advice) {
    const double have = physical_memory_bytes();
    const double limit = have > 0 ? have : double(int64_t(1) << 40);
    check(m.total() <= limit, who.c_str(), what, " needs ", m.str(), " of memory, more than the ", format_bytes(limit),
          have > 0 ? " this machine has" : " assumed when the machine's memory is unknown", "; ", advice);
}

}  // namespace gs::gpt
