// Saving and loading GPT checkpoints and training state. See checkpoint.h. Loading goes: the file
// (nn/io/safetensors), its kind and version, the checksum, every metadata value, the tensors' names
// and shapes against the config, finite weights; only then is anything built or copied.
#include "gpt/checkpoint.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "gpt/memory.h"
#include "nn/io/crc32.h"
#include "nn/io/safetensors.h"

namespace gs::gpt {

namespace {

using Tensors = std::vector<std::pair<std::string, Tensor>>;

[[noreturn]] void bad_file(const std::string& path, const std::string& why) {
    throw std::runtime_error("checkpoint " + path + ": " + why);
}

// ---- metadata values, written and read back strictly ----

std::string real_str(double x) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", x);   // round-trips a double (and so a float) exactly
    return buf;
}

std::string rng_str(const RngState& s) {
    uint32_t spare_bits;
    std::memcpy(&spare_bits, &s.spare, sizeof spare_bits);
    return std::to_string(s.state) + " " + std::to_string(s.inc) + " " + std::to_string(s.has_spare) + " " +
           std::to_string(spare_bits);
}

// Decimal digits only (no sign, space or "0x"), and within uint64: false otherwise.
bool parse_u64(const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 20) return false;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        if (__builtin_mul_overflow(v, uint64_t(10), &v) || __builtin_add_overflow(v, uint64_t(c - '0'), &v)) return false;
    }
    *out = v;
    return true;
}

// Every value is read whole: "12abc", " 12", "1e3" as an integer or "nan" as a number are errors.
struct MetadataReader {
    const Metadata& m;
    const std::string& path;

    const std::string& str(const std::string& key) const {
        auto it = m.find(key);
        if (it == m.end()) bad_file(path, "metadata key \"" + key + "\" is missing");
        return it->second;
    }
    [[noreturn]] void bad(const std::string& key, const std::string& want) const {
        bad_file(path, "metadata \"" + key + "\" must be " + want + ", got \"" + str(key) + "\"");
    }
    int64_t integer(const std::string& key, int64_t lo, int64_t hi = std::numeric_limits<int64_t>::max()) const {
        const std::string& v = str(key);
        bool neg = !v.empty() && v[0] == '-';
        uint64_t u;
        std::string want = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
        if (!parse_u64(v.substr(neg ? 1 : 0), &u) || u > uint64_t(std::numeric_limits<int64_t>::max())) bad(key, want);
        int64_t x = neg ? -int64_t(u) : int64_t(u);
        if (x < lo || x > hi) bad(key, want);
        return x;
    }
    uint64_t unsigned_integer(const std::string& key) const {
        uint64_t u;
        if (!parse_u64(str(key), &u)) bad(key, "an integer in [0, 2^64)");
        return u;
    }
    // a finite number in [lo, hi] (or [lo, hi) when hi_open), in plain decimal or exponent notation
    double number(const std::string& key, double lo, double hi, bool hi_open = false) const {
        const std::string& v = str(key);
        std::string want = "a number in [" + real_str(lo) + ", " + real_str(hi) + (hi_open ? ")" : "]");
        if (v.empty() || v.find_first_not_of("0123456789+-.eE") != std::string::npos) bad(key, want);
        char* end = nullptr;
        double x = std::strtod(v.c_str(), &end);
        if (*end != '\0' || !std::isfinite(x) || x < lo || x > hi || (hi_open && x == hi)) bad(key, want);
        return x;
    }
    bool boolean(const std::string& key) const {
        const std::string& v = str(key);
        if (v != "true" && v != "false") bad(key, "true or false");
        return v == "true";
    }
    uint32_t hex32(const std::string& key) const {
        const std::string& v = str(key);
        if (v.size() != 8 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
            bad(key, "8 lowercase hex digits");
        return uint32_t(std::strtoul(v.c_str(), nullptr, 16));
    }
    // "state inc has_spare spare_bits", one space apart; PCG32 needs an odd increment
    RngState rng(const std::string& key) const {
        const std::string& v = str(key);
        std::vector<uint64_t> f;
        for (size_t at = 0;;) {
            size_t sp = v.find(' ', at);
            uint64_t x;
            if (!parse_u64(v.substr(at, sp == std::string::npos ? std::string::npos : sp - at), &x)) {
                f.clear();   // an empty field (two spaces, a space at either end) or not a number
                break;
            }
            f.push_back(x);
            if (sp == std::string::npos) break;
            at = sp + 1;
        }
        const char* want = "four integers \"state increment has_spare spare_bits\" with an odd increment, "
                           "has_spare 0 or 1 and 32-bit spare bits";
        if (f.size() != 4 || f[1] % 2 == 0 || f[2] > 1 || f[3] > UINT32_MAX) bad(key, want);
        RngState s{};
        s.state = f[0];
        s.inc = f[1];
        s.has_spare = uint32_t(f[2]);
        uint32_t bits = uint32_t(f[3]);
        std::memcpy(&s.spare, &bits, sizeof bits);
        if (s.has_spare && !std::isfinite(s.spare)) bad(key, want);
        return s;
    }
};

// ---- the parts every checkpoint shares ----

void check_kind(const Metadata& m, const std::string& kind, const std::string& path) {
    auto f = m.find("format");
    if (f == m.end() || f->second != kind)
        bad_file(path, "not a gradschool " + kind + " file (metadata \"format\" is " +
                           (f == m.end() ? std::string("missing") : "\"" + f->second + "\"") + ")");
    const std::string& v = MetadataReader{m, path}.str("version");
    if (v == "1")
        bad_file(path, "checkpoint version 1 predates the header checksum of version " +
                           std::string(kCheckpointVersion) + " and is no longer read: train the model again");
    if (v != kCheckpointVersion)
        bad_file(path, "checkpoint version " + v + " is not supported (this build reads version " +
                           kCheckpointVersion + ")");
}

void check_crc(const io::SafetensorsFile& f, const std::string& path) {
    uint32_t recorded = MetadataReader{f.metadata, path}.hex32("crc32");
    std::string got = checkpoint_crc32(f.tensors, f.metadata);
    if (got != io::crc32_hex(recorded))
        bad_file(path, "the file is corrupted: the CRC-32 of its header and data is " + got + " but it records " +
                           io::crc32_hex(recorded));
}

// A diverged run's weights are no use to anyone: name the first bad value.
void check_finite(const Tensors& tensors, const std::string& prefix, const std::string& path) {
    for (const auto& [name, t] : tensors) {
        if (name.rfind(prefix, 0) != 0) continue;
        const real* p = t.data();
        for (int64_t i = 0; i < t.numel(); i++)
            if (!std::isfinite(p[i]))
                bad_file(path, "tensor " + name + " holds " + real_str(double(p[i])) + " at index " + std::to_string(i) +
                                   ": the weights come from a run that diverged");
    }
}

Metadata with_header(const std::string& kind, const GPT& model, const CharTokenizer& tok, const Metadata& extra) {
    Metadata m = extra;
    m["format"] = kind;
    m["version"] = kCheckpointVersion;
    for (const auto& kv : config_metadata(model.config)) m[kv.first] = kv.second;
    m["vocab"] = tok.to_string();
    return m;
}

void save_sealed(const std::string& path, const Tensors& tensors, Metadata m) {
    m.erase("crc32");
    m["crc32"] = checkpoint_crc32(tensors, m);
    io::save_safetensors(path, tensors, m);
}

CharTokenizer vocab_from_metadata(const Metadata& m, const GPTConfig& cfg, const std::string& path) {
    CharTokenizer tok = [&] {
        try {
            return CharTokenizer::from_string(MetadataReader{m, path}.str("vocab"));
        } catch (const std::invalid_argument& e) {
            bad_file(path, std::string("bad vocabulary: ") + e.what());
        }
    }();
    if (tok.vocab_size() != cfg.vocab_size)
        bad_file(path, "vocabulary has " + std::to_string(tok.vocab_size()) + " characters but vocab_size is " +
                           std::to_string(cfg.vocab_size));
    return tok;
}

// The config decides how much memory the model takes, so the file's tensors are checked against it
// before anything is built: first their number (a config claiming 100000 layers is refused without
// listing a name), then every name and shape.
void check_tensors_match(const io::SafetensorsFile& f, const GPTConfig& cfg, const std::string& path) {
    double want = num_parameter_tensors(cfg);
    if (double(f.tensors.size()) != want)
        bad_file(path, "holds " + std::to_string(f.tensors.size()) + " tensors, but its config (n_layer " +
                           std::to_string(cfg.n_layer) + ", bias " + (cfg.bias ? "true" : "false") + ") has " +
                           real_str(want));
    std::string mismatch = io::layout_mismatch(f, parameter_shapes(cfg));
    if (!mismatch.empty()) bad_file(path, "the tensors do not match its config: " + mismatch);
}

}  // namespace

std::string checkpoint_crc32(const Tensors& tensors, const Metadata& metadata) {
    Metadata m = metadata;
    m.erase("crc32");
    uint32_t crc = io::crc32(io::safetensors_header(tensors, m));
    for (const auto& [name, t] : tensors) crc = io::crc32(t.data(), size_t(t.numel()) * sizeof(real), crc);
    return io::crc32_hex(crc);
}

Metadata config_metadata(const GPTConfig& c) {
    return {{"n_layer", std::to_string(c.n_layer)}, {"n_head", std::to_string(c.n_head)},
            {"n_embd", std::to_string(c.n_embd)},   {"block_size", std::to_string(c.block_size)},
            {"vocab_size", std::to_string(c.vocab_size)}, {"dropout", real_str(double(c.dropout))},
            {"bias", c.bias ? "true" : "false"}};
}

GPTConfig config_from_metadata(const Metadata& m, const std::string& path) {
    MetadataReader r{m, path};
    GPTConfig c;
    c.n_layer = r.integer("n_layer", 1);
    c.n_head = r.integer("n_head", 1);
    c.n_embd = r.integer("n_embd", 1);
    c.block_size = r.integer("block_size", 1);
    c.vocab_size = r.integer("vocab_size", 1);
    c.dropout = real(r.number("dropout", 0, 1, /*hi_open=*/true));
    c.bias = r.boolean("bias");
    try {
        c.validated();
    } catch (const std::invalid_argument& e) {
        bad_file(path, std::string("bad model config: ") + e.what());
    }
    return c;
}

void save_model(const std::string& path, const GPT& model, const CharTokenizer& tok, const Metadata& extra) {
    save_sealed(path, model.named_parameters(), with_header("gpt-model", model, tok, extra));
}

LoadedModel load_model(const std::string& path) {
    io::SafetensorsFile f = io::load_safetensors(path);
    check_kind(f.metadata, "gpt-model", path);
    check_crc(f, path);
    GPTConfig cfg = config_from_metadata(f.metadata, path);
    CharTokenizer tok = vocab_from_metadata(f.metadata, cfg, path);
    if (f.metadata.count("iter")) MetadataReader{f.metadata, path}.integer("iter", 0);
    check_tensors_match(f, cfg, path);
    check_finite(f.tensors, "", path);
    auto model = std::make_unique<GPT>(cfg, 0);
    io::copy_into(f, path, model->named_parameters());
    return LoadedModel{std::move(model), std::move(tok), f.metadata};
}

void save_train_state(const std::string& path, const GPT& model, const CharTokenizer& tok, const nn::Optimizer& opt,
                      const TrainState& st, const Metadata& extra) {
    check(st.iter == opt.step_count(), "save_train_state", "iter (", st.iter, ") must equal the optimizer's step count (",
          opt.step_count(), "): every iteration takes one step");
    Tensors tensors;
    for (auto& [name, t] : model.named_parameters()) tensors.push_back({"model." + name, t});
    for (auto& [name, t] : opt.state_tensors()) tensors.push_back({"optim." + name, t});
    Metadata m = with_header("gpt-train-state", model, tok, extra);
    const RunSettings& r = st.run;
    m["iter"] = std::to_string(st.iter);
    m["optim_step"] = std::to_string(opt.step_count());
    m["best_val"] = real_str(st.best_val);
    m["data_rng"] = rng_str(st.data_rng);
    m["dropout_rng"] = rng_str(st.dropout_rng);
    m["seed"] = std::to_string(r.seed);
    m["batch_size"] = std::to_string(r.batch_size);
    m["grad_accum"] = std::to_string(r.grad_accum);
    m["data"] = r.data;
    m["data_bytes"] = std::to_string(r.data_bytes);
    m["data_crc32"] = io::crc32_hex(r.data_crc32);
    m["lr"] = real_str(double(r.lr));
    m["min_lr"] = real_str(double(r.min_lr));
    m["warmup_iters"] = std::to_string(r.warmup_iters);
    m["lr_decay_iters"] = std::to_string(r.lr_decay_iters);
    m["weight_decay"] = real_str(double(r.weight_decay));
    m["beta1"] = real_str(double(r.beta1));
    m["beta2"] = real_str(double(r.beta2));
    m["grad_clip"] = real_str(double(r.grad_clip));
    save_sealed(path, tensors, m);
}

namespace {

TrainState state_from_metadata(const Metadata& m, const std::string& path) {
    MetadataReader r{m, path};
    TrainState st;
    st.iter = r.integer("iter", 0);
    int64_t optim_step = r.integer("optim_step", 0);
    if (optim_step != st.iter)
        bad_file(path, "metadata \"optim_step\" (" + std::to_string(optim_step) + ") must equal \"iter\" (" +
                           std::to_string(st.iter) + "): every iteration takes one optimizer step");
    st.best_val = r.number("best_val", 0, std::numeric_limits<double>::max());
    st.data_rng = r.rng("data_rng");
    st.dropout_rng = r.rng("dropout_rng");
    RunSettings& s = st.run;
    s.seed = r.unsigned_integer("seed");
    s.batch_size = r.integer("batch_size", 1);
    s.grad_accum = r.integer("grad_accum", 1);
    s.data = r.str("data");
    s.data_bytes = r.integer("data_bytes", 0);
    s.data_crc32 = r.hex32("data_crc32");
    const double big = std::numeric_limits<real>::max();
    s.lr = real(r.number("lr", 0, big));
    s.min_lr = real(r.number("min_lr", 0, double(s.lr)));
    s.warmup_iters = r.integer("warmup_iters", 0);
    s.lr_decay_iters = r.integer("lr_decay_iters", s.warmup_iters);
    s.weight_decay = real(r.number("weight_decay", 0, big));
    s.beta1 = real(r.number("beta1", 0, 1, /*hi_open=*/true));
    s.beta2 = real(r.number("beta2", 0, 1, /*hi_open=*/true));
    s.grad_clip = real(r.number("grad_clip", 0, big));
    return st;
}

}  // namespace

// cppcheck-suppress constParameter ; the weights are loaded into model's tensors, through their handles
TrainState load_train_state(const std::string& path, GPT& model, const CharTokenizer& tok, nn::Optimizer& opt,
                            Metadata* metadata) {
    io::SafetensorsFile f = io::load_safetensors(path);
    const Metadata& m = f.metadata;
    check_kind(m, "gpt-train-state", path);
    check_crc(f, path);
    Metadata file_cfg = config_metadata(config_from_metadata(m, path)), want = config_metadata(model.config);
    for (auto& [key, value] : want)
        if (file_cfg.at(key) != value)
            bad_file(path, "was written for " + key + " = " + file_cfg.at(key) + ", this run has " + value);
    if (MetadataReader{m, path}.str("vocab") != tok.to_string()) bad_file(path, "was written for a different vocabulary");
    TrainState st = state_from_metadata(m, path);

    // Everything parsed: now the tensors, all names and shapes checked first so nothing is half loaded.
    Tensors targets;
    for (auto& [name, t] : model.named_parameters()) targets.push_back({"model." + name, t});
    for (auto& [name, t] : opt.state_tensors()) targets.push_back({"optim." + name, t});
    check_finite(f.tensors, "model.", path);
    io::copy_into(f, path, targets);
    opt.set_step_count(st.iter);
    if (metadata) *metadata = m;
    return st;
}

}  // namespace gs::gpt
