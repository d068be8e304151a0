// A model directory's tokenizer (gpt/tokenizer_io.h) through the checkpoints that record it: a BPE
// checkpoint carries encoder.json and vocab.bpe beside it and refuses files that are missing, malformed
// or of another tokenizer, naming the file; a character checkpoint, with or without the "tokenizer"
// key, loads as before; a state refuses a resume with another tokenizer.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "gpt/bpe_files.h"
#include "gpt/checkpoint.h"
#include "nn/io/safetensors.h"

using namespace gs;
using namespace gs::gpt;

namespace {

namespace fs = std::filesystem;

const std::string kText = "the cat sat on the mat; the rat ate the hat. That is that.\n";

const BpeTokenizer& bpe300() {
    static const BpeTokenizer tok = train_bpe(kText, 270);
    return tok;
}

GPTConfig tiny(int vocab_size) {
    GPTConfig c;
    c.n_layer = 1;
    c.n_head = 1;
    c.n_embd = 4;
    c.block_size = 4;
    c.vocab_size = vocab_size;
    return c;
}

std::string fresh_dir() {
    char tmpl[] = "/tmp/gs_tokio_XXXXXX";
    return std::string(::mkdtemp(tmpl));
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

ino_t inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// A directory holding a BPE checkpoint of the 270-token tokenizer.
std::string bpe_checkpoint() {
    std::string dir = fresh_dir();
    GPT m(tiny(bpe300().vocab_size()), 1);
    save_model(dir + "/model.safetensors", m, bpe300(), {{"iter", "0"}});
    return dir;
}

}  // namespace

TEST(TokenizerIo, BpeCheckpointKeepsItsTokenizerBesideIt) {
    std::string dir = bpe_checkpoint();
    ASSERT_TRUE(fs::exists(dir + "/encoder.json"));
    ASSERT_TRUE(fs::exists(dir + "/vocab.bpe"));
    EXPECT_EQ(load_bpe(dir).vocab_size(), 270);   // the files are GPT-2's format, readable on their own
    LoadedModel l = load_model(dir + "/model.safetensors");
    EXPECT_EQ(l.tok->kind(), "bpe");
    EXPECT_TRUE(same_tokenizer(*l.tok, bpe300()));
    EXPECT_EQ(l.tok->encode(kText), bpe300().encode(kText));
    EXPECT_EQ(l.metadata.at("tokenizer"), "bpe");
    EXPECT_EQ(l.metadata.at("tokenizer_crc32"), bpe_crc32(bpe300()));
    EXPECT_EQ(l.metadata.count("vocab"), 0u);   // a BPE vocabulary is not also in the metadata
}

TEST(TokenizerIo, CharCheckpointsRecordTheKindAndLoadWithoutIt) {
    std::string dir = fresh_dir();
    CharTokenizer tok = CharTokenizer::from_text(kText);
    GPT m(tiny(tok.vocab_size()), 1);
    save_model(dir + "/model.safetensors", m, tok);
    EXPECT_FALSE(fs::exists(dir + "/encoder.json"));
    LoadedModel l = load_model(dir + "/model.safetensors");
    EXPECT_EQ(l.metadata.at("tokenizer"), "char");
    EXPECT_TRUE(same_tokenizer(*l.tok, tok));
    // a version-2 file from before the key existed: the same metadata without it
    Metadata old = l.metadata;
    old.erase("tokenizer");
    old.erase("crc32");
    auto tensors = m.named_parameters();
    old["crc32"] = checkpoint_crc32(tensors, old);
    io::save_safetensors(dir + "/old.safetensors", tensors, old);
    LoadedModel o = load_model(dir + "/old.safetensors");
    EXPECT_EQ(o.tok->kind(), "char");
    EXPECT_TRUE(same_tokenizer(*o.tok, tok));
}

TEST(TokenizerIo, SavingAgainDoesNotRewriteIdenticalFiles) {
    std::string dir = bpe_checkpoint();
    ino_t before = inode(dir + "/encoder.json");
    ASSERT_NE(before, 0u);
    GPT m(tiny(270), 2);
    save_model(dir + "/model.safetensors", m, bpe300());
    EXPECT_EQ(inode(dir + "/encoder.json"), before);   // an atomic rewrite would give a new inode
    std::ofstream(dir + "/vocab.bpe", std::ios::trunc) << "#version: 0.2\n";
    save_model(dir + "/model.safetensors", m, bpe300());
    EXPECT_EQ(load_bpe(dir).vocab_size(), 270) << "a changed file is written again";
}

TEST(TokenizerIo, MissingOrMalformedFilesAreRefusedByName) {
    std::string dir = bpe_checkpoint(), model = dir + "/model.safetensors";
    std::string enc = dir + "/encoder.json", merges = dir + "/vocab.bpe";
    const std::string enc_text = encoder_json_text(bpe300()), merges_text = vocab_bpe_text(bpe300());

    fs::remove(merges);
    std::string msg = message_of([&] { load_model(model); });
    EXPECT_TRUE(has(msg, merges + ": missing")) << msg;

    std::ofstream(merges) << merges_text;
    std::ofstream(enc, std::ios::trunc) << "{\"a\": 0,";
    msg = message_of([&] { load_model(model); });
    EXPECT_TRUE(has(msg, enc + ": not valid JSON")) << msg;

    std::ofstream(enc, std::ios::trunc) << enc_text;
    std::ofstream(merges, std::ios::trunc) << "#version: 0.2\nx y z\n";
    msg = message_of([&] { load_model(model); });
    EXPECT_TRUE(has(msg, merges + ": line 2: expected two tokens")) << msg;
}

TEST(TokenizerIo, FilesThatDisagreeWithTheModelAreRefusedByName) {
    std::string dir = bpe_checkpoint(), model = dir + "/model.safetensors";
    // fewer tokens than the model's vocab_size
    save_bpe(train_bpe(kText, 265), dir);
    std::string msg = message_of([&] { load_model(model); });
    EXPECT_TRUE(has(msg, dir + "/encoder.json: has 265 tokens, but the model in " + model + " has vocab_size 270")) << msg;
    // as many tokens, but another tokenizer: the fingerprint catches it
    BpeTokenizer other = train_bpe(kText + "zzzz zzzz zzzz zzzz qqqq qqqq\n", 270);
    ASSERT_FALSE(same_tokenizer(other, bpe300()));
    save_bpe(other, dir);
    msg = message_of([&] { load_model(model); });
    EXPECT_TRUE(has(msg, dir + "/encoder.json and " + dir + "/vocab.bpe hold another tokenizer than " + model)) << msg;
    save_bpe(bpe300(), dir);
    EXPECT_EQ(message_of([&] { load_model(model); }), "(no exception)");
}

TEST(TokenizerIo, TheTokenizerKeysAreReadStrictly) {
    std::string dir = bpe_checkpoint(), model = dir + "/model.safetensors";
    io::SafetensorsFile f = io::load_safetensors(model);
    auto reseal = [&](Metadata m) {
        m.erase("crc32");
        m["crc32"] = checkpoint_crc32(f.tensors, m);
        io::save_safetensors(dir + "/edited.safetensors", f.tensors, m);
        return message_of([&] { load_model(dir + "/edited.safetensors"); });
    };
    Metadata m = f.metadata;
    m["tokenizer"] = "word";
    EXPECT_TRUE(has(reseal(m), "metadata \"tokenizer\" must be \"char\" or \"bpe\", got \"word\""));
    m = f.metadata;
    m["vocab"] = "abc";
    EXPECT_TRUE(has(reseal(m), "metadata \"vocab\" belongs to a character tokenizer"));
    m = f.metadata;
    m.erase("tokenizer_crc32");
    EXPECT_TRUE(has(reseal(m), "metadata key \"tokenizer_crc32\" is missing"));
    m = f.metadata;
    m["tokenizer_crc32"] = "12345678";
    EXPECT_TRUE(has(reseal(m), "hold another tokenizer"));
    m = f.metadata;
    m.erase("tokenizer");   // read as "char", which a BPE fingerprint contradicts
    EXPECT_TRUE(has(reseal(m), "metadata \"tokenizer_crc32\" belongs to a BPE tokenizer, but \"tokenizer\" is \"char\""));
}

TEST(TokenizerIo, LoadTokenizerServesADirectoryWithoutOurMetadata) {
    std::string dir = fresh_dir();
    save_bpe(bpe300(), dir);
    auto tok = load_tokenizer(dir, {{"tokenizer", "bpe"}, {"vocab_size", "270"}});
    EXPECT_TRUE(same_tokenizer(*tok, bpe300()));
    std::string msg = message_of([&] { load_tokenizer(dir, {{"tokenizer", "bpe"}, {"vocab_size", "300"}}); });
    EXPECT_TRUE(has(msg, dir + "/encoder.json: has 270 tokens")) << msg;
    msg = message_of([&] { load_tokenizer(dir, {{"tokenizer", "bpe"}, {"vocab_size", "27x"}}); });
    EXPECT_TRUE(has(msg, "metadata \"vocab_size\" must be an integer")) << msg;
}

TEST(TokenizerIo, TrainStateRefusesAnotherTokenizer) {
    std::string dir = fresh_dir();
    CharTokenizer chars = CharTokenizer::from_text(kText);
    GPT m(tiny(270), 1);
    nn::AdamW opt({{m.parameters(), 0}}, real(1e-3));
    TrainState st;
    st.data_rng = Rng(1).state();
    st.dropout_rng = Rng(2).state();
    save_train_state(dir + "/state.safetensors", m, bpe300(), opt, st);
    EXPECT_TRUE(fs::exists(dir + "/vocab.bpe"));
    GPT m2(tiny(270), 2);
    nn::AdamW opt2({{m2.parameters(), 0}}, real(1e-3));
    EXPECT_NO_THROW(load_train_state(dir + "/state.safetensors", m2, bpe300(), opt2));
    BpeTokenizer other = train_bpe(kText + "zzzz zzzz zzzz zzzz qqqq qqqq\n", 270);
    std::string msg = message_of([&] { load_train_state(dir + "/state.safetensors", m2, other, opt2); });
    EXPECT_TRUE(has(msg, "was written with a BPE tokenizer (CRC-32 " + bpe_crc32(bpe300()) + "), not a BPE tokenizer of 270"))
        << msg;
    GPT m3(tiny(chars.vocab_size()), 3);
    nn::AdamW opt3({{m3.parameters(), 0}}, real(1e-3));
    msg = message_of([&] { load_train_state(dir + "/state.safetensors", m3, chars, opt3); });
    EXPECT_TRUE(has(msg, "not the character tokenizer (")) << msg;
}
