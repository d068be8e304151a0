// GPT checkpoints (gpt/checkpoint.h): bit-exact round trips of the model and of the training state,
// and clear refusals of files that are not ours, of another version, truncated, or of the wrong shape.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>

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

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Replaces the first `from` in the file's bytes with `to` (the same length, so every offset holds), as
// a flipped bit or an editor would.
void tamper(const std::string& path, const std::string& from, const std::string& to) {
    ASSERT_EQ(from.size(), to.size());
    std::string bytes = read_bytes(path);
    size_t at = bytes.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    bytes.replace(at, from.size(), to);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A checkpoint written by hand with the metadata given and the checksum it needs: what someone who
// edits a file on purpose can make. Only the checks of the values stand in the way.
void save_sealed(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors, Metadata meta) {
    meta["crc32"] = checkpoint_crc32(tensors, meta);
    save_safetensors(path, tensors, meta);
}

Metadata model_metadata(const GPTConfig& cfg) {
    Metadata meta = config_metadata(cfg);
    meta["format"] = "gpt-model";
    meta["version"] = kCheckpointVersion;
    meta["vocab"] = kTok.to_string();
    return meta;
}

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
    Metadata meta = model_metadata(tiny());
    meta["version"] = "3";
    save_sealed(path, m.named_parameters(), meta);
    EXPECT_TRUE(has(message_of([&] { load_model(path); }), "checkpoint version 3 is not supported"));
    // version 1 had a checksum over the tensor data only: refused, saying why
    meta["version"] = "1";
    meta.erase("crc32");
    save_safetensors(path, m.named_parameters(), meta);
    std::string msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "checkpoint version 1 predates the header checksum of version 2 and is no longer read")) << msg;
    // our own format without a checksum is not ours
    meta["version"] = kCheckpointVersion;
    save_safetensors(path, m.named_parameters(), meta);
    EXPECT_TRUE(has(message_of([&] { load_model(path); }), "metadata key \"crc32\" is missing"));
}

TEST(Checkpoint, ShapeMismatchAndMissingTensorsAreRefused) {
    GPT m(tiny(), 1);
    std::string path = temp_path("mismatch.safetensors");
    Metadata meta = model_metadata(tiny());
    meta["n_embd"] = "4";   // the tensors are for n_embd 8
    meta["n_head"] = "2";
    save_sealed(path, m.named_parameters(), meta);
    std::string msg = message_of([&] { load_model(path); });
    // caught before the model is built: the config would decide how much memory to allocate
    EXPECT_TRUE(has(msg, "the tensors do not match its config: shape mismatch: \"transformer.wte.weight\" is [5, 8] "
                         "in the file but [5, 4] in the model")) << msg;

    auto params = m.named_parameters();
    params.pop_back();   // drop one tensor
    meta["n_embd"] = "8";
    save_sealed(path, params, meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "holds 27 tensors, but its config (n_layer 2, bias true) has 28")) << msg;

    meta["n_layer"] = "1";   // the file holds two layers
    save_sealed(path, m.named_parameters(), meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "holds 28 tensors, but its config (n_layer 1, bias true) has 16")) << msg;
    meta["n_layer"] = "2";
    meta["block_size"] = "4611686018427387904";   // 2^62: would overflow if the model were built from it
    save_sealed(path, m.named_parameters(), meta);
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "\"transformer.wpe.weight\" is [6, 8] in the file but [4611686018427387904, 8]")) << msg;
}

// H3 of issue 11: a small file whose config claims 100000 layers, with layer 0's tensors renamed to the
// last layer, passed the spot checks and built a 1.7 GB model before failing with a 23 MB message.
TEST(Checkpoint, ConfigClaimingHugeModelIsRefusedAtOnceInOneShortLine) {
    GPTConfig one = tiny();
    one.n_layer = 1;
    GPT m(one, 1);
    std::vector<std::pair<std::string, Tensor>> renamed;
    for (auto& [name, t] : m.named_parameters()) {
        std::string n = name;
        if (n.rfind("transformer.h.0.", 0) == 0) n = "transformer.h.99999." + n.substr(16);
        renamed.push_back({n, t});
    }
    std::string path = temp_path("huge.safetensors");
    Metadata meta = model_metadata(one);
    meta["n_layer"] = "100000";
    save_sealed(path, renamed, meta);
    std::string msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "holds 16 tensors, but its config (n_layer 100000, bias true) has 1200004")) << msg;
    EXPECT_LT(msg.size(), 300u);
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
    Metadata meta = model_metadata(tiny());
    meta["n_layer"] = "two";
    save_sealed(path, m.named_parameters(), meta);
    EXPECT_TRUE(has(message_of([&] { load_model(path); }),
                    "metadata \"n_layer\" must be an integer in [1, 9223372036854775807], got \"two\""));
}

// U9 of issue 11: dropout "abc" or "0.9xyz" was read with atof and accepted.
TEST(Checkpoint, MetadataNumbersAreParsedWhole) {
    GPT m(tiny(), 1);
    std::string path = temp_path("lenient.safetensors");
    for (const char* bad : {"abc", "0.9xyz", " 0.1", "0.1 ", "nan", "1", "-0.5", "0x1p-2"}) {
        Metadata meta = model_metadata(tiny());
        meta["dropout"] = bad;
        save_sealed(path, m.named_parameters(), meta);
        EXPECT_TRUE(has(message_of([&] { load_model(path); }),
                        "metadata \"dropout\" must be a number in [0, 1), got \"" + std::string(bad) + "\""))
            << bad;
    }
    for (const char* bad : {"12abc", " 12", "12 ", "+12", "1e3", "-1", "99999999999999999999"}) {
        Metadata meta = model_metadata(tiny());
        meta["n_embd"] = bad;
        save_sealed(path, m.named_parameters(), meta);
        EXPECT_TRUE(has(message_of([&] { load_model(path); }), "metadata \"n_embd\" must be an integer")) << bad;
    }
}

// U4 of issue 11: a model with a NaN weight loaded, and `gpt eval` printed nan.
TEST(Checkpoint, NonFiniteWeightsAreRefusedNamingTheTensor) {
    GPT m(tiny(), 1);
    m.named_parameters()[3].second.data()[2] = std::numeric_limits<real>::quiet_NaN();
    std::string path = temp_path("nan.safetensors");
    save_model(path, m, kTok);
    std::string msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "tensor " + m.named_parameters()[3].first + " holds nan at index 2")) << msg;
}

TEST(Checkpoint, TrainStateRoundTripRestoresMomentsStepAndRngs) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    for (auto& p : m.parameters())   // one step so the moments hold something
        for (int64_t i = 0; i < p.numel(); i++) p.grad()[i] = real(0.01) * real(i % 7);
    opt.step();
    TrainState st;
    st.iter = 1;   // one iteration, one optimizer step
    st.best_val = 1.25;
    st.run.seed = 99;
    st.run.batch_size = 12;
    st.run.data = "data/tiny shakespeare.txt";
    st.run.data_bytes = 1115394;
    st.run.data_crc32 = 0x9dc6d1a9u;
    st.run.lr = real(6e-4);
    st.run.min_lr = real(6e-5);
    st.run.warmup_iters = 100;
    st.run.lr_decay_iters = 5000;
    st.run.beta2 = real(0.95);
    Rng a(1), b(2);
    a.normal();   // leaves a spare normal in the state
    st.data_rng = a.state();
    st.dropout_rng = b.state();
    std::string path = temp_path("state.safetensors");
    save_train_state(path, m, kTok, opt, st);

    GPT m2(tiny(), 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    TrainState got = load_train_state(path, m2, kTok, opt2);
    EXPECT_EQ(got.iter, 1);
    EXPECT_EQ(got.run.seed, 99u);
    EXPECT_EQ(got.run.batch_size, 12);
    EXPECT_EQ(got.run.data, "data/tiny shakespeare.txt");
    EXPECT_EQ(got.run.data_bytes, 1115394);
    EXPECT_EQ(got.run.data_crc32, 0x9dc6d1a9u);
    EXPECT_EQ(got.run.lr, real(6e-4));
    EXPECT_EQ(got.run.min_lr, real(6e-5));
    EXPECT_EQ(got.run.lr_decay_iters, 5000);
    EXPECT_EQ(got.run.beta2, real(0.95));
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
    EXPECT_TRUE(has(msg, "the file is corrupted: the CRC-32 of its header and data is")) << msg;
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

// D5 of issue 11: the checksum covered only the tensor bytes, so a header edit passed. Each edit here
// keeps the file well-formed safetensors; each must now be caught.
TEST(Checkpoint, ChecksumCoversTheHeader) {
    GPT m(tiny(), 1);
    // two tensors of the same shape swap their data_offsets: the same bytes, each under the other's name
    auto params = m.named_parameters();
    size_t a = 0, b = 0;
    for (size_t i = 0; i < params.size(); i++) {
        if (params[i].first == "transformer.h.0.attn.c_proj.weight") a = i;
        if (params[i].first == "transformer.h.1.attn.c_proj.weight") b = i;
    }
    ASSERT_NE(a, b);
    std::string path = temp_path("swapped.safetensors");
    save_model(path, m, kTok);
    Metadata meta = load_safetensors(path).metadata;   // its crc32 included
    std::swap(params[a].first, params[b].first);
    save_safetensors(path, params, meta);
    std::string msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "the file is corrupted: the CRC-32 of its header and data is")) << msg;

    // one flipped bit in the vocabulary: 'c' (0x63) becomes 'g' (0x67), still a valid, sorted vocabulary
    save_model(path, m, kTok);
    tamper(path, "abc", "abg");
    msg = message_of([&] { load_model(path); });
    EXPECT_TRUE(has(msg, "the file is corrupted")) << msg;

    // the state's counters and best loss
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    GPT m2(tiny(), 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    std::string state = temp_path("tampered_state.safetensors");
    for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"\"iter\":\"0\"", "\"iter\":\"7\""},
             {"\"optim_step\":\"0\"", "\"optim_step\":\"9\""},
             {"\"best_val\":\"1", "\"best_val\":\"x"}}) {
        save_train_state(state, m, kTok, opt, TrainState());
        tamper(state, from, to);
        msg = message_of([&] { load_train_state(state, m2, kTok, opt2); });
        EXPECT_TRUE(has(msg, "the file is corrupted")) << to << ": " << msg;
    }
}

// D5 and U3 of issue 11: a file edited on purpose carries a valid checksum, so every value is checked
// on its own and against the others: iter and optim_step agree, RNG increments are odd, best_val is a
// number. Each message names the key (not an internal function such as cosine_lr).
TEST(Checkpoint, StateValuesAreCheckedEvenWithAValidChecksum) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    std::string path = temp_path("sealed_state.safetensors");
    TrainState st;
    st.data_rng = Rng(1, 3).state();
    st.dropout_rng = Rng(1, 2).state();
    st.run.lr = real(1e-3);
    st.run.beta2 = real(0.99);
    save_train_state(path, m, kTok, opt, st);
    io::SafetensorsFile good = load_safetensors(path);
    GPT m2(tiny(), 6);
    nn::AdamW opt2({{m2.parameters(), real(0.1)}}, real(1e-3));
    std::vector<real> before = m2.parameters()[0].to_vector();
    auto error_with = [&](const std::string& key, const std::string& value) {
        Metadata meta = good.metadata;
        meta[key] = value;
        save_sealed(path, good.tensors, meta);
        return message_of([&] { load_train_state(path, m2, kTok, opt2); });
    };
    const std::string rng_want = "must be four integers \"state increment has_spare spare_bits\"";
    EXPECT_TRUE(has(error_with("iter", "-7"), "metadata \"iter\" must be an integer in [0, ")) << "iter -7";
    EXPECT_TRUE(has(error_with("iter", "3"), "metadata \"optim_step\" (0) must equal \"iter\" (3)"));
    EXPECT_TRUE(has(error_with("optim_step", "5"), "metadata \"optim_step\" (5) must equal \"iter\" (0)"));
    EXPECT_TRUE(has(error_with("best_val", "nan"), "metadata \"best_val\" must be a number"));
    EXPECT_TRUE(has(error_with("best_val", "garbage"), "metadata \"best_val\" must be a number"));
    EXPECT_TRUE(has(error_with("data_rng", "1 2 0 0"), rng_want)) << "even increment";
    EXPECT_TRUE(has(error_with("data_rng", "1 -5 0 0"), rng_want)) << "negative increment";
    EXPECT_TRUE(has(error_with("dropout_rng", "1 3 0"), rng_want)) << "three fields";
    EXPECT_TRUE(has(error_with("dropout_rng", "1 3 0 0 "), rng_want)) << "trailing space";
    EXPECT_TRUE(has(error_with("dropout_rng", "1 3 2 0"), rng_want)) << "has_spare 2";
    EXPECT_TRUE(has(error_with("seed", "-1"), "metadata \"seed\" must be an integer in [0, 2^64)"));
    EXPECT_TRUE(has(error_with("batch_size", "0"), "metadata \"batch_size\" must be an integer in [1, "));
    EXPECT_TRUE(has(error_with("data_crc32", "XYZ"), "metadata \"data_crc32\" must be 8 lowercase hex digits"));
    EXPECT_TRUE(has(error_with("min_lr", "1"), "metadata \"min_lr\" must be a number in [0, 0.0010"));
    EXPECT_TRUE(has(error_with("beta2", "1"), "metadata \"beta2\" must be a number in [0, 1)"));
    EXPECT_EQ(m2.parameters()[0].to_vector(), before);   // nothing was loaded by any of them
}

TEST(Checkpoint, SavingAStateWhoseIterationDisagreesWithTheOptimizerIsRefused) {
    GPT m(tiny(), 5);
    nn::AdamW opt({{m.parameters(), real(0.1)}}, real(1e-3));
    TrainState st;
    st.iter = 17;
    std::string msg = message_of([&] { save_train_state(temp_path("never.safetensors"), m, kTok, opt, st); });
    EXPECT_TRUE(has(msg, "iter (17) must equal the optimizer's step count (0)")) << msg;
    EXPECT_NE(::access(temp_path("never.safetensors").c_str(), F_OK), 0);
}

// The two GPT seeds of the fuzz corpus must be checkpoints this build reads, or the fuzzer never gets
// past the version check; tests/fuzz/make_seeds.sh writes them again after a format change.
TEST(Checkpoint, FuzzSeedsAreCurrentCheckpoints) {
    std::string seeds = std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/')) + "/fuzz/seeds/";
    if (::access((seeds + "gpt_model_tiny.safetensors").c_str(), F_OK) != 0)
        GTEST_SKIP() << "fuzz seeds not found at " << seeds << " (run from the repository root)";
    std::string msg = message_of([&] { load_model(seeds + "gpt_model_tiny.safetensors"); });
    EXPECT_EQ(msg, "(no exception)") << "run bash tests/fuzz/make_seeds.sh";
    LoadedModel m = load_model(seeds + "gpt_model_tiny.safetensors");
    nn::ParamGroup decay{{}, real(0.1)}, no_decay{{}, 0};   // the groups gpt/train.cpp makes
    for (auto& [name, p] : m.model->named_parameters()) (p.dim() >= 2 ? decay : no_decay).params.push_back(p);
    nn::AdamW opt({decay, no_decay}, real(1e-3));
    msg = message_of([&] { load_train_state(seeds + "gpt_state_tiny.safetensors", *m.model, m.tok, opt); });
    EXPECT_EQ(msg, "(no exception)") << "run bash tests/fuzz/make_seeds.sh";
}
