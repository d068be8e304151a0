// Hugging Face GPT-2 directories (gpt/hf.h). The reference is tests/gpt2_fixture/: a tiny GPT-2 in
// Hugging Face's exact layout, written with its expected logits by make_fixture.py, which implements
// GPT-2's modules in PyTorch itself. Logits must agree to 1e-4 over 86 tokens (past 64), with and
// without the KV cache, from F32, F16 and BF16 files. Then every kind of bad directory is refused with
// one line naming the file, and export + load gives back the same model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "gpt/bpe_files.h"
#include "gpt/hf.h"
#include "nn/io/safetensors.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::gpt;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = "tests/gpt2_fixture";

struct TempDir {
    fs::path path;
    TempDir() {
        static int n = 0;
        path = fs::temp_directory_path() / ("gs_hf_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string str() const { return path.string(); }
};

// A copy of the fixture directory, model.safetensors taken from `model` (a file name in the fixture).
std::string fixture_copy(const TempDir& tmp, const std::string& model = "model.safetensors") {
    for (const char* f : {"config.json", "encoder.json", "vocab.bpe"}) fs::copy_file(kFixture + "/" + f, tmp.path / f);
    fs::copy_file(kFixture + "/" + model, tmp.path / "model.safetensors");
    return tmp.str();
}

using test::read_file;
void write_file(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// Writes dir/config.json as `config` with its first `from` replaced by `to`.
void write_config_with(const std::string& dir, std::string config, const std::string& from, const std::string& to) {
    const size_t at = config.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    write_file(dir + "/config.json", config.replace(at, from.size(), to));
}

// A safetensors tensor as raw bytes, so tests can rename, drop or retype tensors and write them back.
struct Raw {
    std::string name, dtype;
    Shape shape;
    std::string bytes;
};

std::vector<Raw> read_raw(const std::string& path) {
    io::SafetensorsIndex ix = io::read_safetensors_index(path);
    std::string file = read_file(path);
    std::vector<Raw> out;
    for (const auto& t : ix.tensors)
        out.push_back({t.name, t.dtype, t.shape, file.substr(size_t(ix.data_start + t.begin), size_t(t.end - t.begin))});
    return out;
}

void write_raw(const std::string& path, const std::vector<Raw>& ts) {
    std::string header = "{", data;
    for (const Raw& t : ts) {
        std::string dims;
        for (int64_t d : t.shape) dims += (dims.empty() ? "" : ",") + std::to_string(d);
        header += (header.size() > 1 ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"" + t.dtype +
                  "\",\"shape\":[" + dims + "],\"data_offsets\":[" + std::to_string(data.size()) + "," +
                  std::to_string(data.size() + t.bytes.size()) + "]}";
        data += t.bytes;
    }
    header += "}";
    std::string len(8, '\0');
    for (int i = 0; i < 8; i++) len[size_t(i)] = char(uint64_t(header.size()) >> (8 * i));
    write_file(path, len + header + data);
}

struct Expected {
    std::vector<int32_t> ids;   // (T,)
    Tensor logits;              // (T, V)
    std::string text;
};

Expected expected() {
    io::SafetensorsFile f = io::load_safetensors(kFixture + "/expected.safetensors");
    Expected e;
    for (auto& [name, t] : f.tensors) {
        if (name == "logits") e.logits = t;
        if (name == "ids")
            for (real x : t.to_vector()) e.ids.push_back(int32_t(std::lround(x)));
    }
    e.text = f.metadata.at("text");
    return e;
}

constexpr double kTol = 1e-4;

// max |got - want| over row t of the expected logits
double row_diff(const real* got, const Expected& e, int64_t t) {
    const int64_t V = e.logits.size(1);
    double worst = 0;
    for (int64_t v = 0; v < V; v++) worst = std::max(worst, std::fabs(double(got[v]) - double(e.logits.data()[t * V + v])));
    return worst;
}

void expect_logits_match(const GPT& model, const Expected& e, const std::string& what) {
    const int64_t T = int64_t(e.ids.size()), V = e.logits.size(1);
    ASSERT_GT(T, 64) << "the fixture must run past 64 tokens";
    NoGradGuard no_grad;
    Tensor logits = model.forward(Indices({1, T}, e.ids)).logits;   // (1, T, V)
    ASSERT_EQ(logits.shape(), (Shape{1, T, V}));
    for (int64_t t = 0; t < T; t++) ASSERT_LE(row_diff(logits.data() + t * V, e, t), kTol) << what << ", position " << t;
}

// The cache path: a prompt of 10 tokens in one forward, then one token at a time to the end.
void expect_cached_logits_match(const GPT& model, const Expected& e) {
    const int64_t T = int64_t(e.ids.size()), V = e.logits.size(1), prompt = 10;
    KVCache cache(model.config);
    std::vector<int32_t> head(e.ids.begin(), e.ids.begin() + prompt);
    Tensor out = model.forward(Indices({1, prompt}, head), cache).logits;
    ASSERT_LE(row_diff(out.data(), e, prompt - 1), kTol) << "after the prompt";
    for (int64_t t = prompt; t < T; t++) {
        out = model.forward(Indices({1, 1}, {e.ids[size_t(t)]}), cache).logits;
        ASSERT_EQ(out.shape(), (Shape{1, 1, V}));
        ASSERT_LE(row_diff(out.data(), e, t), kTol) << "cached, position " << t;
    }
}

// The one line load_hf throws for a directory, or "" if it loads.
std::string load_error(const std::string& dir) {
    try {
        load_hf(dir);
    } catch (const std::runtime_error& err) {
        std::string msg = err.what();
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        return msg;
    }
    return "";
}

}  // namespace

TEST(HfFixture, TokenizerEncodesTheTextAsGpt2Would) {
    Expected e = expected();
    EXPECT_EQ(load_bpe(kFixture).encode(e.text), e.ids);
}

TEST(HfFixture, LogitsMatchPyTorchWithoutTheCache) {
    HfModel m = load_hf(kFixture);
    EXPECT_EQ(m.model->config.block_size, 96);
    EXPECT_TRUE(m.model->config.bias);
    m.model->eval();
    expect_logits_match(*m.model, expected(), "F32");
}

TEST(HfFixture, LogitsMatchPyTorchWithTheCache) {
    HfModel m = load_hf(kFixture);
    m.model->eval();
    expect_cached_logits_match(*m.model, expected());
}

TEST(HfFixture, F16AndBF16FilesLoadAsTheSameWeights) {
    Expected e = expected();
    HfModel f32 = load_hf(kFixture);
    for (const char* file : {"model_f16.safetensors", "model_bf16.safetensors"}) {
        TempDir tmp;
        HfModel m = load_hf(fixture_copy(tmp, file));
        auto want = f32.model->named_parameters();
        auto got = m.model->named_parameters();
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); i++)   // the fixture's values are exact in all three dtypes
            ASSERT_EQ(got[i].second.to_vector(), want[i].second.to_vector()) << file << ": " << got[i].first;
        m.model->eval();
        expect_logits_match(*m.model, e, file);
    }
}

TEST(HfFixture, TransformerPrefixAndATiedLmHeadAreAccepted) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    std::vector<Raw> ts = read_raw(dir + "/model.safetensors");
    for (Raw& t : ts) t.name = "transformer." + t.name;
    for (const Raw& t : std::vector<Raw>(ts))
        if (t.name == "transformer.wte.weight") ts.push_back({"lm_head.weight", t.dtype, t.shape, t.bytes});
    write_raw(dir + "/model.safetensors", ts);
    HfModel m = load_hf(dir);
    m.model->eval();
    expect_logits_match(*m.model, expected(), "transformer. prefix");

    ts.back().bytes[5] ^= 1;   // an lm_head that is not wte
    write_raw(dir + "/model.safetensors", ts);
    EXPECT_NE(load_error(dir).find("lm_head.weight differs from wte.weight"), std::string::npos) << load_error(dir);
}

// ---- bad directories: one line naming the file and the problem ----

TEST(HfBadInput, ShapeDisagreeingWithTheConfig) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    write_config_with(dir, read_file(dir + "/config.json"), "\"n_positions\": 96", "\"n_positions\": 128");
    std::string msg = load_error(dir);
    EXPECT_NE(msg.find(dir + "/model.safetensors: tensor \"wpe.weight\" is [96, 16] but config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("makes it [128, 16]"), std::string::npos) << msg;
}

TEST(HfBadInput, MissingTensor) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    std::vector<Raw> ts = read_raw(dir + "/model.safetensors");
    ts.erase(std::remove_if(ts.begin(), ts.end(), [](const Raw& t) { return t.name == "h.1.mlp.c_fc.bias"; }), ts.end());
    write_raw(dir + "/model.safetensors", ts);
    EXPECT_EQ(load_error(dir), dir + "/model.safetensors: tensor \"h.1.mlp.c_fc.bias\" is missing");
}

TEST(HfBadInput, UnknownDtypeIsNamed) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    std::vector<Raw> ts = read_raw(dir + "/model.safetensors");
    for (Raw& t : ts)
        if (t.name == "h.0.attn.c_proj.weight") t.dtype = "I32";   // same size as F32
    write_raw(dir + "/model.safetensors", ts);
    std::string msg = load_error(dir);
    EXPECT_NE(msg.find("tensor \"h.0.attn.c_proj.weight\" has dtype I32; gradschool reads F32, F16, BF16 and F64"),
              std::string::npos) << msg;
    for (Raw& t : ts)
        if (t.name == "h.0.attn.c_proj.weight") t.dtype = "Q4";   // not a safetensors dtype at all
    write_raw(dir + "/model.safetensors", ts);
    msg = load_error(dir);
    EXPECT_NE(msg.find("tensor \"h.0.attn.c_proj.weight\": dtype \"Q4\" is not a safetensors dtype"), std::string::npos) << msg;
}

TEST(HfBadInput, UnexpectedTensorIsRefused) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    std::vector<Raw> ts = read_raw(dir + "/model.safetensors");
    ts.push_back({"h.0.attn.q_norm.weight", "F32", {16}, std::string(64, '\0')});
    write_raw(dir + "/model.safetensors", ts);
    EXPECT_NE(load_error(dir).find("tensor \"h.0.attn.q_norm.weight\" (F32 [16]) is not part of a GPT-2"), std::string::npos);
}

TEST(HfBadInput, MalformedTokenizerFiles) {
    {
        TempDir tmp;
        std::string dir = fixture_copy(tmp);
        write_file(dir + "/vocab.bpe", "#version: 0.2\nt h\nnot-a-pair\n");
        std::string msg = load_error(dir);
        EXPECT_EQ(msg.rfind(dir + "/vocab.bpe: ", 0), 0u) << msg;
    }
    {
        TempDir tmp;
        std::string dir = fixture_copy(tmp);
        write_file(dir + "/encoder.json", "{\"a\": 0,");
        std::string msg = load_error(dir);
        EXPECT_EQ(msg.rfind(dir + "/encoder.json: ", 0), 0u) << msg;
    }
    {
        TempDir tmp;
        std::string dir = fixture_copy(tmp);
        fs::remove(dir + "/vocab.bpe");
        fs::remove(dir + "/encoder.json");
        EXPECT_NE(load_error(dir).find("no tokenizer files"), std::string::npos);
    }
}

TEST(HfBadInput, VocabSizeDisagreeingWithTheTokenizer) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    write_config_with(dir, read_file(dir + "/config.json"), "\"vocab_size\": 269", "\"vocab_size\": 270");
    EXPECT_EQ(load_error(dir), dir + "/encoder.json: holds 269 tokens but " + dir + "/config.json says vocab_size 270");
}

TEST(HfBadInput, BadConfig) {
    TempDir tmp;
    std::string dir = fixture_copy(tmp);
    std::string cfg = read_file(dir + "/config.json");
    auto with = [&](const std::string& from, const std::string& to) {
        write_config_with(dir, cfg, from, to);
        return load_error(dir);
    };
    EXPECT_EQ(with("\"n_layer\": 2", "\"n_layerz\": 2"), dir + "/config.json: \"n_layer\" is missing");
    EXPECT_EQ(with("\"n_head\": 2", "\"n_head\": -2"), dir + "/config.json: \"n_head\" must be an integer in [1, 2147483647]");
    EXPECT_NE(with("\"gelu_new\"", "\"relu\"").find("activation_function is \"relu\""), std::string::npos);
    EXPECT_NE(with("\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": 1e-06").find("layer_norm_epsilon"), std::string::npos);
    EXPECT_NE(with("\"n_layer\": 2", "\"n_layer\": 1000000").find("too few for the 1000000 layers"), std::string::npos);
    EXPECT_EQ(with("{", "[").rfind(dir + "/config.json: is not valid JSON: ", 0), 0u);
    write_file(dir + "/config.json", cfg);
    EXPECT_EQ(load_error(dir), "");
}

TEST(HfBadInput, NonUtf8PromptIsRefusedByTheTokenizer) {
    HfModel m = load_hf(kFixture);
    try {
        m.tok->encode("the \xff day", "prompt");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("prompt"), std::string::npos) << e.what();
    }
}

// ---- writing ----

namespace {

void expect_same_model(const GPT& a, const GPT& b) {
    EXPECT_EQ(a.config.n_layer, b.config.n_layer);
    EXPECT_EQ(a.config.n_head, b.config.n_head);
    EXPECT_EQ(a.config.n_embd, b.config.n_embd);
    EXPECT_EQ(a.config.block_size, b.config.block_size);
    EXPECT_EQ(a.config.vocab_size, b.config.vocab_size);
    EXPECT_EQ(a.config.dropout, b.config.dropout);
    std::map<std::string, Tensor> pb;
    for (auto& [name, t] : b.named_parameters()) pb[name] = t;
    for (auto& [name, t] : a.named_parameters()) {
        ASSERT_TRUE(pb.count(name)) << name;
        EXPECT_EQ(t.to_vector(), pb[name].to_vector()) << name;
        pb.erase(name);
    }
    for (auto& [name, t] : pb) {   // biases a bias-free model gains: zeros
        EXPECT_NE(name.find("bias"), std::string::npos) << name;
        for (real x : t.to_vector()) EXPECT_EQ(x, 0) << name;
    }
}

}  // namespace

TEST(HfExport, Gpt2FixtureRoundTripsExactly) {
    HfModel m = load_hf(kFixture);
    TempDir tmp;
    save_hf(*m.model, *m.tok, tmp.str(), /*overwrite=*/true);
    HfModel back = load_hf(tmp.str());
    expect_same_model(*m.model, *back.model);
    EXPECT_EQ(read_file(tmp.str() + "/vocab.bpe"), read_file(kFixture + "/vocab.bpe"));
    EXPECT_EQ(back.tok->encode(expected().text), expected().ids);
}

TEST(HfExport, CharModelWithoutBiasesRoundTripsWithTheSameLogits) {
    CharTokenizer tok = CharTokenizer::from_text("Hello, world! \"é\\中\"\n");
    GPTConfig cfg;
    cfg.n_layer = 2, cfg.n_head = 2, cfg.n_embd = 8, cfg.block_size = 12, cfg.vocab_size = tok.vocab_size(), cfg.bias = false;
    GPT model(cfg, 7);
    TempDir tmp;
    std::string dir = tmp.str() + "/out";
    save_hf(model, tok, dir);
    HfModel back = load_hf(dir);
    EXPECT_EQ(back.tok->kind(), "char");
    EXPECT_EQ(dynamic_cast<const CharTokenizer&>(*back.tok).to_string(), tok.to_string());
    expect_same_model(model, *back.model);
    Indices idx({1, 12}, tok.encode("Hello, 中é\"\\\n"));
    NoGradGuard no_grad;
    EXPECT_EQ(model.forward(idx).logits.to_vector(), back.model->forward(idx).logits.to_vector());

    try {   // a second export into the same directory is refused without overwrite
        save_hf(model, tok, dir);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("is not empty"), std::string::npos) << e.what();
    }
}

TEST(HfDtypes, HalfAndBfloat16ConvertExactly) {
    TempDir tmp;
    const std::string path = tmp.str() + "/h.safetensors";
    auto bytes16 = [](std::vector<uint16_t> v) {
        std::string s;
        for (uint16_t x : v) s += std::string{char(x & 0xff), char(x >> 8)};
        return s;
    };
    // F16: 1, -2, 65504 (largest), 2^-14 (smallest normal), 2^-24 (smallest subnormal), 3 * 2^-24, -0, inf
    // BF16: 1, -2, 2^-133 (a float subnormal), 3.140625
    write_raw(path, {{"h", "F16", {8}, bytes16({0x3C00, 0xC000, 0x7BFF, 0x0400, 0x0001, 0x0003, 0x8000, 0x7C00})},
                     {"b", "BF16", {4}, bytes16({0x3F80, 0xC000, 0x0001, 0x4049})}});
    io::SafetensorsIndex ix = io::read_safetensors_index(path);
    std::vector<real> h(8), b(4);
    io::read_safetensors_values(ix, *ix.find("h"), 0, 8, h.data());
    io::read_safetensors_values(ix, *ix.find("b"), 0, 4, b.data());
    EXPECT_EQ(h, (std::vector<real>{1, -2, 65504, std::ldexp(real(1), -14), std::ldexp(real(1), -24),
                                    3 * std::ldexp(real(1), -24), real(-0.0), INFINITY}));
    EXPECT_TRUE(std::signbit(h[6]));
    EXPECT_EQ(b, (std::vector<real>{1, -2, std::ldexp(real(1), -133), real(3.140625)}));
    std::vector<real> part(3);   // a range in the middle
    io::read_safetensors_values(ix, *ix.find("h"), 2, 3, part.data());
    EXPECT_EQ(part, (std::vector<real>{65504, std::ldexp(real(1), -14), std::ldexp(real(1), -24)}));
    EXPECT_THROW(io::read_safetensors_values(ix, *ix.find("h"), 6, 3, part.data()), std::invalid_argument);
}
