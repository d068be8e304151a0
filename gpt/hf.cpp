// Hugging Face GPT-2 directories: the config, the tokenizer, the tensors' names and layout, loading
// each tensor straight into place, and writing the same layout. See hf.h.
#include "gpt/hf.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "gpt/bpe_files.h"
#include "gpt/checkpoint.h"
#include "gpt/data.h"
#include "gpt/memory.h"
#include "gpt/run_dir.h"
#include "nn/io/atomic_file.h"
#include "nn/io/json.h"
#include "nn/io/safetensors.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void bad_file(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

io::Json read_json_file(const std::string& path) {
    if (!exists(path)) bad_file(path, "is missing");
    try {
        return io::parse_json(read_text_file(path));
    } catch (const std::exception& e) {
        bad_file(path, std::string("is not valid JSON: ") + e.what());
    }
}

// ---- config.json ----

struct ConfigReader {
    const io::Json& j;
    const std::string& path;

    // A positive integer field, at most 2^31 - 1 (far past any GPT-2; keeps every product of two in int64).
    int64_t count(const char* key, const char* fallback = nullptr) const {
        const io::Json* v = j.find(key);
        if (!v && fallback) v = j.find(fallback);
        if (!v) bad_file(path, std::string("\"") + key + "\" is missing");
        if (v->type != io::Json::Type::Integer || v->integer < 1 || v->integer > 2147483647)
            bad_file(path, std::string("\"") + key + "\" must be an integer in [1, 2147483647]");
        return v->integer;
    }
    // An optional string field: its value, or `otherwise`.
    std::string text(const char* key, const std::string& otherwise) const {
        const io::Json* v = j.find(key);
        if (!v || v->type == io::Json::Type::Null) return otherwise;
        if (v->type != io::Json::Type::String) bad_file(path, std::string("\"") + key + "\" must be a string");
        return v->string;
    }
    double number(const char* key, double otherwise) const {
        const io::Json* v = j.find(key);
        if (!v || v->type == io::Json::Type::Null) return otherwise;
        if (v->type != io::Json::Type::Integer && v->type != io::Json::Type::Number)
            bad_file(path, std::string("\"") + key + "\" must be a number");
        return v->number;
    }
    bool flag(const char* key, bool otherwise) const {
        const io::Json* v = j.find(key);
        if (!v) return otherwise;
        if (v->type != io::Json::Type::Bool) bad_file(path, std::string("\"") + key + "\" must be true or false");
        return v->boolean;
    }
};

// ---- the tensors ----

// One tensor as model.safetensors names and shapes it, and where it goes in our GPT.
struct HfTensor {
    std::string name;   // "h.0.attn.c_attn.weight"
    Shape shape;        // as stored: a Conv1D weight is (in, out)
    bool transposed;    // our parameter is (out, in)
};

std::vector<HfTensor> hf_tensors(const GPTConfig& cfg) {
    const int64_t C = cfg.n_embd;
    std::vector<HfTensor> t = {{"wte.weight", {cfg.vocab_size, C}, false}, {"wpe.weight", {cfg.block_size, C}, false}};
    // A block's tensors are our block's (memory.h) under "h.<i>.", always with biases; Hugging Face's
    // Conv1D keeps a Linear's weight as (in, out), the transpose of ours.
    GPTConfig with_bias = cfg;
    with_bias.bias = true;
    const std::vector<NamedShape> block = block_parameter_shapes(with_bias);
    for (int64_t i = 0; i < cfg.n_layer; i++)
        for (const auto& [name, shape] : block) {
            const bool matrix = shape.size() == 2;
            t.push_back({"h." + std::to_string(i) + "." + name, matrix ? Shape{shape[1], shape[0]} : shape, matrix});
        }
    t.push_back({"ln_f.weight", {C}, false});
    t.push_back({"ln_f.bias", {C}, false});
    return t;
}

// Buffers Hugging Face saves beside the weights: the causal mask and the value masked scores take.
bool is_mask_buffer(const std::string& name) {
    auto ends_with = [&](const std::string& s) {
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return name.rfind("h.", 0) == 0 && (ends_with(".attn.bias") || ends_with(".attn.masked_bias"));
}

bool readable_dtype(const std::string& d) { return d == "F32" || d == "F16" || d == "BF16" || d == "F64"; }

// Every name, shape and dtype checked against the config before anything is allocated. Returns the
// prefix the names carry ("" or "transformer.").
std::string check_tensors(const io::SafetensorsIndex& ix, const GPTConfig& cfg) {
    const std::string prefix = ix.find("transformer.wte.weight") ? "transformer." : "";
    // a config claiming more layers than the file has tensors is refused before listing its names
    if (double(cfg.n_layer) > double(ix.tensors.size()))
        bad_file(ix.path, "holds " + std::to_string(ix.tensors.size()) + " tensors, too few for the " +
                              std::to_string(cfg.n_layer) + " layers config.json gives: tensor \"" + prefix + "h." +
                              std::to_string(ix.tensors.size()) + ".ln_1.weight\" is missing");
    std::map<std::string, const HfTensor*> want;
    std::vector<HfTensor> all = hf_tensors(cfg);
    for (const HfTensor& t : all) want[prefix + t.name] = &t;
    for (const HfTensor& t : all) {
        const io::SafetensorsIndex::Tensor* f = ix.find(prefix + t.name);
        if (!f) bad_file(ix.path, "tensor \"" + prefix + t.name + "\" is missing");
        if (f->shape != t.shape)
            bad_file(ix.path, "tensor \"" + f->name + "\" is " + shape_str(f->shape) + " but config.json (n_layer " +
                                  std::to_string(cfg.n_layer) + ", n_embd " + std::to_string(cfg.n_embd) +
                                  ", n_positions " + std::to_string(cfg.block_size) + ", vocab_size " +
                                  std::to_string(cfg.vocab_size) + ") makes it " + shape_str(t.shape));
        if (!readable_dtype(f->dtype))
            bad_file(ix.path, "tensor \"" + f->name + "\" has dtype " + f->dtype +
                                  "; gradschool reads F32, F16, BF16 and F64 (converted to float32)");
    }
    for (const io::SafetensorsIndex::Tensor& f : ix.tensors) {
        std::string bare = f.name.substr(f.name.rfind(prefix, 0) == 0 ? prefix.size() : 0);
        if (want.count(f.name) || is_mask_buffer(bare)) continue;
        if (f.name == "lm_head.weight" && f.shape == Shape{cfg.vocab_size, cfg.n_embd} && readable_dtype(f.dtype))
            continue;   // checked against wte after loading
        bad_file(ix.path, "tensor \"" + f.name + "\" (" + f.dtype + " " + shape_str(f.shape) +
                              ") is not part of a GPT-2 with this config.json");
    }
    return prefix;
}

// Reads a stored (in, out) Conv1D weight into our (out, in) layout: a block of the file's rows at a
// time into a small buffer, each row scattered into a column.
void read_transposed(const io::SafetensorsIndex& ix, const io::SafetensorsIndex::Tensor& f, real* dst) {
    const int64_t in = f.shape[0], out = f.shape[1];
    const int64_t rows = std::max<int64_t>(1, 16384 / out);   // about 64 KiB of floats
    std::vector<real> buf(size_t(rows * out));
    for (int64_t i0 = 0; i0 < in; i0 += rows) {
        int64_t n = std::min(rows, in - i0);
        io::read_safetensors_values(ix, f, i0 * out, n * out, buf.data());
        for (int64_t i = 0; i < n; i++)
            for (int64_t o = 0; o < out; o++) dst[o * in + i0 + i] = buf[size_t(i * out + o)];
    }
}

// lm_head.weight, if the file has it, must be wte (GPT-2 ties them); compared a block at a time.
void check_tied(const io::SafetensorsIndex& ix, const Tensor& wte) {
    const io::SafetensorsIndex::Tensor* f = ix.find("lm_head.weight");
    if (!f) return;
    std::vector<real> buf(16384);
    for (int64_t at = 0; at < wte.numel(); at += int64_t(buf.size())) {
        int64_t n = std::min(int64_t(buf.size()), wte.numel() - at);
        io::read_safetensors_values(ix, *f, at, n, buf.data());
        for (int64_t i = 0; i < n; i++)
            if (buf[size_t(i)] != wte.data()[at + i])
                bad_file(ix.path, "lm_head.weight differs from wte.weight at element " + std::to_string(at + i) +
                                      ": gradschool's GPT ties them, as GPT-2 does");
    }
}

std::shared_ptr<const Tokenizer> read_tokenizer(const std::string& dir, int64_t vocab_size) {
    const std::string chars = dir + "/chars.json";
    const bool bpe = (exists(dir + "/encoder.json") && exists(dir + "/vocab.bpe")) ||
                     (exists(dir + "/vocab.json") && exists(dir + "/merges.txt"));
    std::shared_ptr<const Tokenizer> tok;
    std::string file;
    if (bpe || !exists(chars)) {
        tok = std::make_shared<BpeTokenizer>(load_bpe(dir));   // names the missing files if there are none
        file = exists(dir + "/encoder.json") && exists(dir + "/vocab.bpe") ? dir + "/encoder.json" : dir + "/vocab.json";
    } else {
        io::Json j = read_json_file(chars);
        if (j.type != io::Json::Type::Array) bad_file(chars, "must be a JSON array of one-character strings");
        std::string all;
        for (const io::Json& c : j.array) {
            if (c.type != io::Json::Type::String || io::decode_utf8(c.string, chars).size() != 1)
                bad_file(chars, "must be a JSON array of one-character strings");
            all += c.string;
        }
        try {
            tok = std::make_shared<CharTokenizer>(CharTokenizer::from_string(all));
        } catch (const std::invalid_argument& e) {
            bad_file(chars, e.what());
        }
        file = chars;
    }
    if (tok->vocab_size() != vocab_size)
        bad_file(file, "holds " + std::to_string(tok->vocab_size()) + " tokens but " + dir + "/config.json says vocab_size " +
                           std::to_string(vocab_size));
    return tok;
}

}  // namespace

bool is_hf_dir(const std::string& dir) { return exists(dir + "/config.json"); }

GPTConfig read_hf_config(const std::string& dir) {
    const std::string path = dir + "/config.json";
    io::Json j = read_json_file(path);
    if (j.type != io::Json::Type::Object) bad_file(path, "must be a JSON object");
    ConfigReader r{j, path};
    std::string type = r.text("model_type", "gpt2");
    if (type != "gpt2") bad_file(path, "model_type is \"" + type + "\"; gradschool reads GPT-2 (\"gpt2\")");
    GPTConfig c;
    c.n_layer = r.count("n_layer");
    c.n_head = r.count("n_head");
    c.n_embd = r.count("n_embd");
    c.block_size = r.count("n_positions", "n_ctx");
    c.vocab_size = r.count("vocab_size");
    c.bias = true;
    if (c.n_embd % c.n_head != 0)
        bad_file(path, "n_embd " + std::to_string(c.n_embd) + " is not a multiple of n_head " + std::to_string(c.n_head));
    double dropout = r.number("resid_pdrop", 0);
    if (!(dropout >= 0 && dropout < 1)) bad_file(path, "\"resid_pdrop\" must be in [0, 1)");
    c.dropout = real(dropout);
    // what our GPT computes; a config asking for anything else would give silently wrong logits
    std::string act = r.text("activation_function", "gelu_new");
    if (act != "gelu_new" && act != "gelu_pytorch_tanh")
        bad_file(path, "activation_function is \"" + act + "\"; gradschool's GPT uses GELU's tanh form (\"gelu_new\")");
    double eps = r.number("layer_norm_epsilon", 1e-5);
    if (std::fabs(eps - 1e-5) > 1e-12) bad_file(path, "layer_norm_epsilon is " + std::to_string(eps) + "; gradschool's LayerNorm uses 1e-5");
    if (!r.flag("tie_word_embeddings", true)) bad_file(path, "tie_word_embeddings is false; gradschool's GPT ties them");
    if (!r.flag("scale_attn_weights", true)) bad_file(path, "scale_attn_weights is false; gradschool scales by 1/sqrt(hs)");
    if (r.flag("scale_attn_by_inverse_layer_idx", false))
        bad_file(path, "scale_attn_by_inverse_layer_idx is true; gradschool's attention does not scale by layer");
    const io::Json* inner = j.find("n_inner");
    if (inner && inner->type != io::Json::Type::Null && !(inner->type == io::Json::Type::Integer && inner->integer == 4 * c.n_embd))
        bad_file(path, "n_inner must be null or 4 * n_embd; gradschool's MLP is 4 * n_embd wide");
    return c;
}

HfModel load_hf(const std::string& dir) {
    GPTConfig cfg = read_hf_config(dir);
    std::shared_ptr<const Tokenizer> tok = read_tokenizer(dir, cfg.vocab_size);
    io::SafetensorsIndex ix = io::read_safetensors_index(dir + "/model.safetensors");
    const std::string prefix = check_tensors(ix, cfg);

    // Only now, with every tensor known to fit, is the model built; each tensor is read into place.
    auto model = std::make_unique<GPT>(cfg, 0);
    std::map<std::string, Tensor> params;
    for (auto& [name, t] : model->named_parameters()) params[name] = t;
    for (const HfTensor& t : hf_tensors(cfg)) {
        const io::SafetensorsIndex::Tensor& f = *ix.find(prefix + t.name);
        Tensor& p = params.at("transformer." + t.name);
        if (t.transposed) read_transposed(ix, f, p.data());
        else io::read_safetensors_values(ix, f, 0, f.numel(), p.data());
        for (int64_t i = 0; i < p.numel(); i++)
            if (!std::isfinite(p.data()[i]))
                bad_file(ix.path, "tensor \"" + f.name + "\" holds " + std::to_string(p.data()[i]) + " at index " +
                                      std::to_string(i));
    }
    check_tied(ix, model->transformer.wte.weight);
    return HfModel{std::move(model), std::move(tok)};
}

HfModel load_model_dir(const std::string& dir) {
    if (is_hf_dir(dir)) return load_hf(dir);
    LoadedModel m = load_model(dir + "/model.safetensors");
    return HfModel{std::move(m.model), m.tok};
}

GPTConfig model_dir_config(const std::string& dir) {
    if (is_hf_dir(dir)) return read_hf_config(dir);
    const std::string path = dir + "/model.safetensors";
    return config_from_metadata(io::read_safetensors_index(path).metadata, path);
}

// ---- writing ----

namespace {

std::string config_json(const GPTConfig& c, const Tokenizer& tok) {
    char p_buf[32];
    std::snprintf(p_buf, sizeof p_buf, "%.9g", double(c.dropout));
    const std::string p = p_buf;
    std::string s = "{\n";
    s += "  \"activation_function\": \"gelu_new\",\n  \"architectures\": [\"GPT2LMHeadModel\"],\n";
    s += "  \"attn_pdrop\": " + p + ",\n  \"embd_pdrop\": " + p + ",\n  \"resid_pdrop\": " + p + ",\n";
    if (tok.kind() == "bpe" && tok.token_bytes(tok.vocab_size() - 1) == "<|endoftext|>") {
        const std::string eot = std::to_string(tok.vocab_size() - 1);
        s += "  \"bos_token_id\": " + eot + ",\n  \"eos_token_id\": " + eot + ",\n";
    }
    s += "  \"initializer_range\": 0.02,\n  \"layer_norm_epsilon\": 1e-05,\n  \"model_type\": \"gpt2\",\n";
    s += "  \"n_ctx\": " + std::to_string(c.block_size) + ",\n  \"n_embd\": " + std::to_string(c.n_embd) + ",\n";
    s += "  \"n_head\": " + std::to_string(c.n_head) + ",\n  \"n_inner\": null,\n";
    s += "  \"n_layer\": " + std::to_string(c.n_layer) + ",\n  \"n_positions\": " + std::to_string(c.block_size) + ",\n";
    s += "  \"scale_attn_weights\": true,\n  \"tie_word_embeddings\": true,\n";
    s += "  \"vocab_size\": " + std::to_string(c.vocab_size) + "\n}\n";
    return s;
}

std::string chars_json(const CharTokenizer& tok) {
    std::string s = "[";
    for (uint32_t cp : tok.chars()) {
        s += (s.size() > 1 ? ", " : "") + io::json_quote(io::encode_utf8(cp));
    }
    return s + "]\n";
}

// model.safetensors in GPT-2's names and layout, streamed: each Conv1D weight is transposed a block
// of rows at a time, so writing holds no second copy of the model either.
void write_weights(const GPT& model, const std::string& path) {
    const GPTConfig& cfg = model.config;
    std::map<std::string, Tensor> params;
    for (auto& [name, t] : model.named_parameters()) params[name] = t;
    std::string header = "{\"__metadata__\":{\"format\":\"pt\"}";
    int64_t offset = 0;
    std::vector<HfTensor> all = hf_tensors(cfg);
    for (const HfTensor& t : all) {
        int64_t end = offset + 4 * shape_numel(t.shape);
        std::string dims;
        for (int64_t d : t.shape) dims += (dims.empty() ? "" : ",") + std::to_string(d);
        header += "," + io::json_quote(t.name) + ":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[" +
                  std::to_string(offset) + "," + std::to_string(end) + "]}";
        offset = end;
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');

    io::AtomicFile f(path, "gpt export");
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
    f.write(len, 8);
    f.write(header.data(), header.size());
    std::vector<float> buf;
    for (const HfTensor& t : all) {
        auto it = params.find("transformer." + t.name);
        const int64_t n = shape_numel(t.shape);
        if (it == params.end()) {   // a bias of a model without biases: zeros compute the same function
            buf.assign(size_t(std::min<int64_t>(n, 16384)), 0.0f);
            for (int64_t at = 0; at < n; at += int64_t(buf.size()))
                f.write(buf.data(), size_t(std::min(int64_t(buf.size()), n - at)) * 4);
            continue;
        }
        const real* src = it->second.data();
        const int64_t in = t.shape[0], out = t.transposed ? t.shape[1] : n / std::max<int64_t>(1, in);
        if (!t.transposed) {
            buf.resize(size_t(std::min<int64_t>(n, 16384)));
            for (int64_t at = 0; at < n; at += int64_t(buf.size())) {
                int64_t k = std::min(int64_t(buf.size()), n - at);
                for (int64_t i = 0; i < k; i++) buf[size_t(i)] = float(src[at + i]);
                f.write(buf.data(), size_t(k) * 4);
            }
            continue;
        }
        // stored row i (out values) is our column i
        buf.resize(size_t(out));
        for (int64_t i = 0; i < in; i++) {
            for (int64_t o = 0; o < out; o++) buf[size_t(o)] = float(src[o * in + i]);
            f.write(buf.data(), size_t(out) * 4);
        }
    }
    f.commit();
}

}  // namespace

void save_hf(const GPT& model, const Tokenizer& tok, const std::string& dir, bool overwrite) {
    check(tok.vocab_size() == model.config.vocab_size, "gpt export", "the tokenizer has ", tok.vocab_size(),
          " tokens, the model ", model.config.vocab_size);
    const auto* bpe = dynamic_cast<const BpeTokenizer*>(&tok);
    const auto* chars = dynamic_cast<const CharTokenizer*>(&tok);
    check(bpe || chars, "gpt export", "tokenizer kind \"", tok.kind(), "\" has no Hugging Face form");
    make_dirs(dir);
    std::error_code ec;
    if (!overwrite && fs::directory_iterator(dir, ec) != fs::directory_iterator())
        throw std::runtime_error("gpt export: " + dir + " is not empty: choose a new --out, or replace it with --overwrite");
    // another tokenizer's files left beside the new ones would be read instead of them
    for (const char* stale : {"encoder.json", "vocab.bpe", "vocab.json", "merges.txt", "chars.json"}) fs::remove(dir + "/" + stale, ec);
    write_weights(model, dir + "/model.safetensors");
    if (bpe) save_bpe(*bpe, dir);
    else io::write_file_atomic(dir + "/chars.json", chars_json(*chars), "gpt export");
    io::write_file_atomic(dir + "/config.json", config_json(model.config, tok), "gpt export");
}

}  // namespace gs::gpt
