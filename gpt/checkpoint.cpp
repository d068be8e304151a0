// Saving and loading GPT checkpoints and training state. See checkpoint.h.
#include "gpt/checkpoint.h"

#include <cstring>
#include <stdexcept>

#include "nn/io/safetensors.h"

namespace gs::gpt {

namespace {

std::string rng_to_string(const RngState& s) {
    uint32_t spare_bits;
    std::memcpy(&spare_bits, &s.spare, sizeof spare_bits);
    return std::to_string(s.state) + " " + std::to_string(s.inc) + " " + std::to_string(s.has_spare) + " " +
           std::to_string(spare_bits);
}

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
    throw std::runtime_error("checkpoint " + path + ": " + why);
}

const std::string& need(const Metadata& m, const std::string& key, const std::string& path) {
    auto it = m.find(key);
    if (it == m.end()) bad_file(path, "metadata key \"" + key + "\" is missing");
    return it->second;
}

int64_t need_int(const Metadata& m, const std::string& key, const std::string& path) {
    const std::string& v = need(m, key, path);
    size_t used = 0;
    long long x = 0;
    try {
        x = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != v.size()) bad_file(path, "metadata \"" + key + "\" is not an integer: \"" + v + "\"");
    return int64_t(x);
}

RngState rng_from_string(const std::string& v, const std::string& path) {
    RngState s{};
    unsigned long long a, b;
    unsigned has, bits;
    char tail;
    if (std::sscanf(v.c_str(), "%llu %llu %u %u %c", &a, &b, &has, &bits, &tail) != 4 || has > 1)
        bad_file(path, "bad RNG state \"" + v + "\"");
    s.state = a;
    s.inc = b;
    s.has_spare = has;
    std::memcpy(&s.spare, &bits, sizeof bits);
    return s;
}

// CRC-32 (IEEE 802.3, the one zip and PNG use) of every tensor's bytes in order. safetensors has no
// checksum of its own; with this one a flipped bit in the weights is an error, not a silently worse model.
std::string tensors_crc32(const std::vector<std::pair<std::string, Tensor>>& tensors) {
    static const std::vector<uint32_t> table = [] {
        std::vector<uint32_t> t(256);
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t crc = 0xFFFFFFFFu;
    for (const auto& nt : tensors) {
        const unsigned char* p = reinterpret_cast<const unsigned char*>(nt.second.data());
        for (size_t i = 0, n = size_t(nt.second.numel()) * sizeof(real); i < n; i++)
            crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    }
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc ^ 0xFFFFFFFFu);
    return hex;
}

// Files written by gradschool carry "crc32"; a file without it (written by other tools) is not checked.
void check_crc(const io::SafetensorsFile& f, const std::string& path) {
    auto it = f.metadata.find("crc32");
    if (it == f.metadata.end()) return;
    std::string got = tensors_crc32(f.tensors);
    if (got != it->second)
        bad_file(path, "tensor data is corrupted: its CRC-32 is " + got + " but the file records " + it->second);
}

void check_kind(const Metadata& m, const std::string& kind, const std::string& path) {
    auto f = m.find("format");
    if (f == m.end() || f->second != kind)
        bad_file(path, "not a gradschool " + kind + " file (metadata \"format\" is " +
                           (f == m.end() ? std::string("missing") : "\"" + f->second + "\"") + ")");
    const std::string& v = need(m, "version", path);
    if (v != kCheckpointVersion)
        bad_file(path, "checkpoint version " + v + " is not supported (this build reads version " +
                           kCheckpointVersion + ")");
}

Metadata with_header(const std::string& kind, const GPT& model, const CharTokenizer& tok, const Metadata& extra) {
    Metadata m = extra;
    m["format"] = kind;
    m["version"] = kCheckpointVersion;
    for (const auto& kv : config_metadata(model.config)) m[kv.first] = kv.second;
    m["vocab"] = tok.to_string();
    return m;
}

}  // namespace

Metadata config_metadata(const GPTConfig& c) {
    char dropout[32];
    std::snprintf(dropout, sizeof dropout, "%.9g", double(c.dropout));
    return {{"n_layer", std::to_string(c.n_layer)}, {"n_head", std::to_string(c.n_head)},
            {"n_embd", std::to_string(c.n_embd)},   {"block_size", std::to_string(c.block_size)},
            {"vocab_size", std::to_string(c.vocab_size)}, {"dropout", dropout},
            {"bias", c.bias ? "true" : "false"}};
}

GPTConfig config_from_metadata(const Metadata& m, const std::string& path) {
    GPTConfig c;
    c.n_layer = need_int(m, "n_layer", path);
    c.n_head = need_int(m, "n_head", path);
    c.n_embd = need_int(m, "n_embd", path);
    c.block_size = need_int(m, "block_size", path);
    c.vocab_size = need_int(m, "vocab_size", path);
    c.dropout = real(std::atof(need(m, "dropout", path).c_str()));
    const std::string& bias = need(m, "bias", path);
    if (bias != "true" && bias != "false") bad_file(path, "metadata \"bias\" must be true or false, got \"" + bias + "\"");
    c.bias = bias == "true";
    try {
        c.validated();
    } catch (const std::invalid_argument& e) {
        bad_file(path, std::string("bad model config: ") + e.what());
    }
    return c;
}

void save_model(const std::string& path, const GPT& model, const CharTokenizer& tok, const Metadata& extra) {
    nn::NamedTensors tensors = model.named_parameters();
    Metadata m = with_header("gpt-model", model, tok, extra);
    m["crc32"] = tensors_crc32(tensors);
    io::save_safetensors(path, tensors, m);
}

LoadedModel load_model(const std::string& path) {
    io::SafetensorsFile f = io::load_safetensors(path);
    check_kind(f.metadata, "gpt-model", path);
    check_crc(f, path);
    GPTConfig cfg = config_from_metadata(f.metadata, path);
    CharTokenizer tok = [&] {
        try {
            return CharTokenizer::from_string(need(f.metadata, "vocab", path));
        } catch (const std::invalid_argument& e) {
            bad_file(path, std::string("bad vocabulary: ") + e.what());
        }
    }();
    if (tok.vocab_size() != cfg.vocab_size)
        bad_file(path, "vocabulary has " + std::to_string(tok.vocab_size()) + " characters but vocab_size is " +
                           std::to_string(cfg.vocab_size));
    // The config decides how much memory the model takes: check it against the tensors the file
    // really holds before building anything, so a corrupt header cannot ask for terabytes.
    std::map<std::string, Shape> shapes;
    for (const auto& [name, t] : f.tensors) shapes[name] = t.shape();
    auto expect_shape = [&](const std::string& name, const Shape& want) {
        auto it = shapes.find(name);
        if (it == shapes.end()) bad_file(path, "tensor " + name + " is missing");
        if (it->second != want)
            bad_file(path, "tensor " + name + " has shape " + shape_str(it->second) + " but the config says " +
                               shape_str(want));
    };
    expect_shape("transformer.wte.weight", {cfg.vocab_size, cfg.n_embd});
    expect_shape("transformer.wpe.weight", {cfg.block_size, cfg.n_embd});
    expect_shape("transformer.h." + std::to_string(cfg.n_layer - 1) + ".ln_1.weight", {cfg.n_embd});
    if (shapes.count("transformer.h." + std::to_string(cfg.n_layer) + ".ln_1.weight"))
        bad_file(path, "holds more layers than n_layer = " + std::to_string(cfg.n_layer));
    auto model = std::make_unique<GPT>(cfg, 0);
    io::load_into(path, model->named_parameters());   // checks names and shapes, copies only if all match
    return LoadedModel{std::move(model), std::move(tok), f.metadata};
}

void save_train_state(const std::string& path, const GPT& model, const CharTokenizer& tok, const nn::Optimizer& opt,
                      const TrainState& st, const Metadata& extra) {
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& [name, t] : model.named_parameters()) tensors.push_back({"model." + name, t});
    for (auto& [name, t] : opt.state_tensors()) tensors.push_back({"optim." + name, t});
    Metadata m = with_header("gpt-train-state", model, tok, extra);
    m["iter"] = std::to_string(st.iter);
    m["optim_step"] = std::to_string(opt.step_count());
    char best[40];
    std::snprintf(best, sizeof best, "%.17g", st.best_val);
    m["best_val"] = best;
    m["data_rng"] = rng_to_string(st.data_rng);
    m["dropout_rng"] = rng_to_string(st.dropout_rng);
    m["crc32"] = tensors_crc32(tensors);
    io::save_safetensors(path, tensors, m);
}

// cppcheck-suppress constParameter ; the weights are loaded into model's tensors, through their handles
TrainState load_train_state(const std::string& path, GPT& model, const CharTokenizer& tok, nn::Optimizer& opt,
                            Metadata* metadata) {
    io::SafetensorsFile f = io::load_safetensors(path);
    const Metadata& m = f.metadata;
    check_kind(m, "gpt-train-state", path);
    check_crc(f, path);
    Metadata want = config_metadata(model.config);
    for (auto& [key, value] : want)
        if (need(m, key, path) != value)
            bad_file(path, "was written for " + key + " = " + need(m, key, path) + ", this run has " + value);
    if (need(m, "vocab", path) != tok.to_string()) bad_file(path, "was written for a different vocabulary");
    TrainState st;
    st.iter = need_int(m, "iter", path);
    int64_t optim_step = need_int(m, "optim_step", path);
    st.best_val = std::atof(need(m, "best_val", path).c_str());
    st.data_rng = rng_from_string(need(m, "data_rng", path), path);
    st.dropout_rng = rng_from_string(need(m, "dropout_rng", path), path);

    // Everything parsed: now copy, all names and shapes checked first so nothing is half loaded.
    std::vector<std::pair<std::string, Tensor>> targets;
    for (auto& [name, t] : model.named_parameters()) targets.push_back({"model." + name, t});
    for (auto& [name, t] : opt.state_tensors()) targets.push_back({"optim." + name, t});
    io::load_into(path, targets);
    opt.set_step_count(optim_step);
    if (metadata) *metadata = m;
    return st;
}

}  // namespace gs::gpt
