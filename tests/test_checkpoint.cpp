// GPT checkpoints (gpt/checkpoint.h): bit-exact round trips of the model and of the training state,
// and clear refusals of files that are not ours, of another version, truncated, or of the wrong shape.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "gpt/checkpoint.h"
#include "nn/io/safetensors.h"

using namespace gs;
using namespace gs::gpt;
using namespace gs::io;

namespace {

GPTConfig tiny() {
    GPTConfig c;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 8;
    c.block_size = 6;
    c.vocab_size = 5;
    c.bias = true;
    return c;
}

std::string temp_path(const std::string& name) {
    static std::string dir = [] {
        char tmpl[] = "/tmp/gs_ckpt_XXXXXX";
        return std::string(::mkdtemp(tmpl));
    }();
    return dir + "/" + name;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const CharTokenizer kTok = CharTokenizer::from_text("abc\n\"");

}  // namespace

TEST(Checkpoint, ModelRoundTripIsBitExact) {
    GPT m(tiny(), 3);
    std::string path = temp_path("model.safetensors");
    save_model(path, m, kTok, {{"iter", "250"}});
    LoadedModel l = load_model(path);
    EXPECT_EQ(l.tok.to_string(), kTok.to_string());
    EXPECT_EQ(l.metadata.at("iter"), "250");
    EXPECT_EQ(l.model->config.n_embd, 8);
    EXPECT_TRUE(l.model->config.bias);
    auto a = m.named_parameters(), b = l.model->named_parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); i++) {
        EXPECT_EQ(a[i].first, b[i].first);
        EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;   // exact equality
    }
}

TEST(Checkpoint, OtherSafetensorsFilesAreRefusedWithTheReason) {
    std::string path = temp_path("foreign.safetensors");
    save_safetensors(path, {{"w", Tensor::zeros({2})}}, {});
    EXPECT_TRUE(has(message_of([&] { load_model(path); }), "not a gradschool gpt-model file"));

    GPT m(tiny(), 1);
    save_model(path, m, kTok, {{"version", "99"}});   // extra metadata cannot override the header...
    EXPECT_NO_THROW(load_model(path));
    // ...so write a file that claims another version by hand
    Metadata meta = config_metadata(tiny());
    meta["format"] = "gpt-model";
    meta["version"] = "2";
    meta["vocab"] = kTok.to_string();
    save_safetensors(path, m.named_parameters(), meta);
    EXPECT_TRUE(has(message_of([&] { load_model(path); }), "checkpoint version 2 is not supported"));
}

TEST(Checkpoint, ShapeMismatchAndMissingTensorsAreRefused) {
    GPT m(tiny(), 1);
    std::string path = temp_path("mismatch.safetensors");
    Metadata meta = config_metadata(tiny());
    meta["format"] = "gpt-model";
    meta["version"] = kCheckpointVersion;
    meta["vocab"] = kTok.to_string();
    meta["n_embd"] = "4";   // the tensors are for n_embd 8
    meta["n_head"] = "2";
    save_safetensors(path, m.named_parameters(), meta);
    std::string msg = message_of([&] { load_model(path); });
    // caught before the model is built: the config would decide how much memory to allocate
    EXPECT_TRUE(has(msg, "tensor transformer.wte.weight has shape [5, 8] but the config says [5, 4]")) << msg;

    auto params = m.named_parameters();
    params.pop_back();   // drop one tensor
    meta["n_embd"] = "8";
    save_safetensors(path, params, meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "missing from the file")) << msg;

    meta["n_layer"] = "1";   // the file holds two layers
    save_safetensors(path, m.named_parameters(), meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "holds more layers than n_layer = 1")) << msg;
    meta["n_layer"] = "3";
    save_safetensors(path, m.named_parameters(), meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "tensor transformer.h.2.ln_1.weight is missing")) << msg;
    meta["n_layer"] = "2";
    meta["block_size"] = "4611686018427387904";   // 2^62: would overflow if the model were built from it
    save_safetensors(path, m.named_parameters(), meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "transformer.wpe.weight has shape [6, 8]")) << msg;
}

TEST(Checkpoint, TruncatedFileIsRefused) {
    GPT m(tiny(), 1);
    std::string path = temp_path("trunc.safetensors");
    save_model(path, m, kTok);
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t cut : {size_t(0), size_t(4), size_t(100), bytes.size() / 2, bytes.size() - 1}) {
        std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(cut));
        EXPECT_THROW(load_model(path), std::runtime_error) << "cut at " << cut;
    }
}

TEST(Checkpoint, BadConfigInMetadataIsRefused) {
    GPT m(tiny(), 1);
    std::string path = temp_path("badcfg.safetensors");
    Metadata meta = config_metadata(tiny());
    meta["format"] = "gpt-model";
    meta["version"] = kCheckpointVersion;
    meta["vocab"] = kTok.to_string();
    meta["n_layer"] = "two";
    save_safetensors(path, m.named_parameters(), meta);
    EXPECT_TRUE(has(message_of([&] { load_model(path); }), "metadata \"n_layer\" is not an integer: \"two\""));
}

TEST(Checkpoint, TrainStateRoundTripRestoresMomentsStepAndRngs) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    for (auto& p : m.parameters())   // one step so the moments hold something
        for (int64_t i = 0; i < p.numel(); i++) p.grad()[i] = real(0.01) * real(i % 7);
    opt.step();
    TrainState st;
    st.iter = 17;
    st.best_val = 1.25;
    Rng a(1), b(2);
    a.normal();   // leaves a spare normal in the state
    st.data_rng = a.state();
    st.dropout_rng = b.state();
    std::string path = temp_path("state.safetensors");
    save_train_state(path, m, kTok, opt, st);

    GPT m2(tiny(), 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    TrainState got = load_train_state(path, m2, kTok, opt2);
    EXPECT_EQ(got.iter, 17);
    EXPECT_EQ(got.best_val, 1.25);
    EXPECT_EQ(got.data_rng.state, st.data_rng.state);
    EXPECT_EQ(got.data_rng.has_spare, 1u);
    EXPECT_EQ(got.data_rng.spare, st.data_rng.spare);
    EXPECT_EQ(got.dropout_rng.inc, st.dropout_rng.inc);
    EXPECT_EQ(opt2.step_count(), 1);
    auto s1 = opt.state_tensors(), s2 = opt2.state_tensors();
    ASSERT_EQ(s1.size(), s2.size());
    for (size_t i = 0; i < s1.size(); i++) EXPECT_EQ(s1[i].second.to_vector(), s2[i].second.to_vector()) << s1[i].first;
    auto p1 = m.named_parameters(), p2 = m2.named_parameters();
    for (size_t i = 0; i < p1.size(); i++) EXPECT_EQ(p1[i].second.to_vector(), p2[i].second.to_vector());
}

TEST(Checkpoint, TrainStateOfAnotherRunIsRefusedAndNothingIsLoaded) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    std::string path = temp_path("state2.safetensors");
    save_train_state(path, m, kTok, opt, TrainState());
    GPTConfig other = tiny();
    other.n_layer = 1;
    GPT m2(other, 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    std::vector<real> before = m2.parameters()[0].to_vector();
    std::string msg = message_of([&] { load_train_state(path, m2, kTok, opt2); });
    EXPECT_TRUE(has(msg, "was written for n_layer = 2, this run has 1")) << msg;
    EXPECT_EQ(m2.parameters()[0].to_vector(), before);
    GPT m3(tiny(), 6);
    nn::AdamW opt3({{m3.parameters(), real(0.1)}}, real(1e-3));
    msg = message_of([&] { load_train_state(path, m3, CharTokenizer::from_text("xyz\n!"), opt3); });
    EXPECT_TRUE(has(msg, "different vocabulary")) << msg;
}

TEST(Checkpoint, FlippedBitInTheWeightsIsCaughtByTheChecksum) {
    GPT m(tiny(), 1);
    std::string path = temp_path("flip.safetensors");
    save_model(path, m, kTok);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    std::streamoff size = f.tellg();
    f.seekg(size - 10);   // inside the last tensor's data
    char c;
    f.get(c);
    f.seekp(size - 10);
    f.put(char(c ^ 0x01));
    f.close();
    std::string msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "tensor data is corrupted: its CRC-32 is")) << msg;
}

TEST(Checkpoint, FlippedBitInTrainStateIsCaughtBeforeAnythingIsLoaded) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    std::string path = temp_path("flipstate.safetensors");
    save_train_state(path, m, kTok, opt, TrainState());
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    std::streamoff size = f.tellg();
    f.seekp(size - 3);
    f.put('\x7f');
    f.close();
    GPT m2(tiny(), 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    std::vector<real> before = m2.parameters()[0].to_vector();
    std::string msg = message_of([&] { load_train_state(path, m2, kTok, opt2); });
    EXPECT_TRUE(has(msg, "corrupted")) << msg;
    EXPECT_EQ(m2.parameters()[0].to_vector(), before);
}
