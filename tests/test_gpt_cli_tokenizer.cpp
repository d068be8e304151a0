// The gpt program with a tokenizer of its own, end to end: `gpt tokenizer train` writes encoder.json
// and vocab.bpe, `gpt train --tokenizer` trains with them and copies them into the run, `gpt sample`
// and `gpt eval` use the tokenizer the checkpoint records. A resume with another tokenizer, and
// tokenizer files in a run that are missing, malformed or of another tokenizer, are refused in one line
// naming the file; character runs work as before.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <filesystem>
#include <fstream>

#include "gpt/bpe_files.h"
#include "gpt/checkpoint.h"
#include "gpt/sample.h"
#include "gpt/tokenizer_train.h"
#include "nn/io/utf8.h"
#include "tests/gpt_cli.h"

using namespace gs::test;

namespace {

namespace fs = std::filesystem;

// A 1-layer model on one thread, evaluated every 10 steps.
const std::string kTiny = " --n-layer 1 --n-head 1 --n-embd 16 --block-size 16 --batch-size 4 --eval-iters 2"
                          " --threads 1 --eval-interval 10 --lr 3e-3 --warmup-iters 2";

// English with accents and Chinese, so that BPE tokens can end inside a character.
std::string corpus(int lines, const std::string& salt = "") {
    std::string text;
    for (int i = 0; i < lines; i++)
        text += "First Citizen: caf\xC3\xA9, na\xC3\xAFve " + std::to_string(i % 7) +
                ". \xE6\x88\x91\xE4\xBB\xAC\xE5\x85\x88\xE8\xAF\xB4\xE3\x80\x82 " + salt + "\n";
    return text;
}

class GptCliTokenizer : public GptProgram {
protected:
    void SetUp() override {
        GptProgram::SetUp();
        if (IsSkipped()) return;
        std::ofstream(dir + "/c.txt") << corpus(300);
    }
    // `gpt tokenizer train` into dir/<name>
    std::string tokenizer(const std::string& name, int vocab_size, const std::string& data = "") {
        Result r = run("tokenizer train --data " + (data.empty() ? dir + "/c.txt" : data) + " --vocab-size " +
                       std::to_string(vocab_size) + " --out " + dir + "/" + name);
        EXPECT_EQ(r.status, 0) << r.err;
        return dir + "/" + name;
    }
    // a finished 20-step run with the tokenizer in tok ("" for characters)
    std::string train(const std::string& name, const std::string& tok) {
        Result r = run("train --data " + dir + "/c.txt --out " + dir + "/" + name + kTiny +
                       " --max-iters 20 --lr-decay-iters 20" + (tok.empty() ? "" : " --tokenizer " + tok));
        EXPECT_EQ(r.status, 0) << r.err;
        return dir + "/" + name;
    }
};

}  // namespace

TEST_F(GptCliTokenizer, TokenizerTrainThenTrainSampleEval) {
    Result t = run("tokenizer train --data " + dir + "/c.txt --vocab-size 300 --out " + dir + "/tok");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 10 + 3) << t.out;   // a tenth of the merges per line, the summary
    EXPECT_TRUE(has(t.out, "merge 44/44: token 299")) << t.out;
    const gs::gpt::BpeTokenizer tok = gs::gpt::load_bpe(dir + "/tok");
    EXPECT_EQ(tok.vocab_size(), 300);
    const std::string text = read_file(dir + "/c.txt");
    const std::vector<int32_t> ids = tok.encode(text);
    EXPECT_TRUE(has(t.out, "is " + std::to_string(ids.size()) + " tokens with it")) << t.out;

    Result tr = run("train --data " + dir + "/c.txt --tokenizer " + dir + "/tok --out " + dir + "/run" + kTiny +
                    " --max-iters 20 --lr-decay-iters 20");
    ASSERT_EQ(tr.status, 0) << tr.err;
    EXPECT_TRUE(has(tr.out, "vocab 300")) << tr.out;
    for (const char* f : {"/encoder.json", "/vocab.bpe"})   // the run's own copy
        EXPECT_EQ(read_file(dir + "/run" + f), read_file(dir + "/tok" + f)) << f;

    // sample: the same text as generate() and one decode of all the ids: the stream never splits a character
    const std::string prompt = "First \xE6\x88\x91";
    Result s = run("sample --ckpt " + dir + "/run --prompt '" + prompt + "' --tokens 200 --temperature 1 --seed 5 --threads 1");
    ASSERT_EQ(s.status, 0) << s.err;
    gs::gpt::LoadedModel m = gs::gpt::load_model(dir + "/run/model.safetensors");
    ASSERT_EQ(m.tok->kind(), "bpe");
    m.model->eval();
    gs::gpt::SampleOptions so;
    so.temperature = 1;
    gs::Rng rng(5);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);   // as the program ran: the same thread count gives the same numbers
    const std::vector<int32_t> out = gs::gpt::generate(*m.model, m.tok->encode(prompt), 200, so, rng, true);
    omp_set_num_threads(threads);
    EXPECT_EQ(s.out, prompt + m.tok->decode(out) + "\n");
    std::string one_by_one;   // what printing each token's own decode would give
    for (int32_t id : out) one_by_one += m.tok->decode({id});
    EXPECT_NE(one_by_one, m.tok->decode(out)) << "no character of this sample spans two tokens: the check above "
                                                  "does not test the stream";

    Result e = run("eval --ckpt " + dir + "/run --data " + dir + "/c.txt --threads 1");
    ASSERT_EQ(e.status, 0) << e.err;
    const size_t predictions = (ids.size() - 1) / 16 * 16;   // whole windows of block_size 16
    EXPECT_TRUE(has(e.out, "over " + std::to_string(predictions) + " predictions")) << e.out;

    expect_error("sample --ckpt " + dir + "/run --prompt \"$(printf 'ab\\377')\"", "prompt: invalid UTF-8 at byte offset 2");
}

TEST_F(GptCliTokenizer, TokenizerTrainChecksEverythingBeforeWriting) {
    const std::string tok = tokenizer("tok", 290);
    const std::string before = read_file(tok + "/encoder.json") + read_file(tok + "/vocab.bpe");
    const std::string args = "tokenizer train --data " + dir + "/c.txt --vocab-size 280 --out " + tok;
    expect_error(args, "gpt tokenizer train: --out " + tok + " already holds a tokenizer (encoder.json, vocab.bpe): "
                       "choose a new --out, or replace it with --overwrite");
    EXPECT_EQ(read_file(tok + "/encoder.json") + read_file(tok + "/vocab.bpe"), before);
    ASSERT_EQ(run(args + " --overwrite").status, 0);
    EXPECT_EQ(gs::gpt::load_bpe(tok).vocab_size(), 280);

    const std::string fresh = " --out " + dir + "/fresh";
    expect_error("tokenizer train --data " + dir + "/c.txt --vocab-size 100" + fresh, "--vocab-size must be in [256, ");
    expect_error("tokenizer train --data " + dir + "/c.txt --vocab-size x" + fresh, "--vocab-size expects an integer");
    expect_error("tokenizer train --vocab-size 300" + fresh, "gpt tokenizer train: --data is required");
    expect_error("tokenizer train --data " + dir + "/c.txt", "gpt tokenizer train: --out is required");
    std::ofstream(dir + "/bad.txt") << "ok \xC3\x28";
    expect_error("tokenizer train --data " + dir + "/bad.txt" + fresh, "invalid UTF-8 at byte offset 3");
    expect_error("tokenizer train --data " + dir + "/nope.txt" + fresh, "nope.txt");
    // more merges than the text has pairs: found only while training, and the new --out goes again
    expect_error("tokenizer train --data " + dir + "/c.txt --vocab-size 100000" + fresh, "has no pair of tokens left to merge");
    EXPECT_FALSE(fs::exists(dir + "/fresh"));
    const std::string run_dir = train("run", "");
    expect_error("tokenizer train --data " + dir + "/c.txt --out " + run_dir + " --overwrite",
                 "holds a training run (model.safetensors, state.safetensors, log.csv), whose tokenizer belongs to it");
    expect_error("tokenizer", "gpt tokenizer: a command is required");
    expect_error("tokenizer fly", "gpt tokenizer: unknown command 'fly'");
}

TEST_F(GptCliTokenizer, ResumeKeepsTheTokenizer) {
    const std::string a = tokenizer("a", 300), b = tokenizer("b", 290);
    const std::string run_dir = train("run", a);
    const std::string resume = "train --data " + dir + "/c.txt --out " + run_dir + kTiny + " --resume --max-iters 30"
                               " --lr-decay-iters 30";
    expect_error(resume + " --tokenizer " + b, "gpt train: --resume: the run in " + run_dir +
                 " was trained with a BPE tokenizer of 300 tokens (CRC-32 ");
    expect_error(resume + " --tokenizer " + b, "not a BPE tokenizer of 290 tokens");
    expect_error(resume, "not the character tokenizer (");
    // the same merges learned from other text are another tokenizer, even at the same size
    std::ofstream(dir + "/other.txt") << corpus(300, "zz qq zz qq zz qq");
    const std::string c = tokenizer("c", 300, dir + "/other.txt");
    expect_error(resume + " --tokenizer " + c, "not a BPE tokenizer of 300 tokens");
    Result r = run(resume + " --tokenizer " + run_dir);   // the run's own copy
    EXPECT_EQ(r.status, 0) << r.err;
    r = run(resume + " --max-iters 40 --lr-decay-iters 40 --tokenizer " + a);   // the original
    EXPECT_EQ(r.status, 0) << r.err;
    // a character run resumed with a tokenizer
    const std::string chars = train("chars", "");
    expect_error("train --data " + dir + "/c.txt --out " + chars + kTiny + " --resume --max-iters 30 --lr-decay-iters 30"
                 " --tokenizer " + a, "was trained with the character tokenizer (");
    std::ofstream(dir + "/accents.txt") << corpus(300, "\xC3\xBC");   // one character more
    expect_error("train --data " + dir + "/accents.txt --out " + chars + kTiny + " --resume --max-iters 30 --lr-decay-iters 30",
                 "was trained on a text whose ");
}

TEST_F(GptCliTokenizer, BadTokenizerFilesInARunAreRefusedByName) {
    const std::string a = tokenizer("a", 300), small = tokenizer("small", 290);
    std::ofstream(dir + "/other.txt") << corpus(300, "zz qq zz qq zz qq");
    const std::string other = tokenizer("other", 300, dir + "/other.txt");
    const std::string run_dir = train("run", a);
    const std::string enc = run_dir + "/encoder.json", merges = run_dir + "/vocab.bpe";
    const std::string model = run_dir + "/model.safetensors";
    const std::string enc_text = read_file(enc), merges_text = read_file(merges);
    auto all_refuse = [&](const std::string& part) {
        expect_error("sample --ckpt " + run_dir, part);
        expect_error("eval --ckpt " + run_dir + " --data " + dir + "/c.txt", part);
        expect_error("train --data " + dir + "/c.txt --out " + run_dir + kTiny + " --resume --max-iters 30"
                     " --lr-decay-iters 30 --tokenizer " + a, part);
    };
    std::ofstream(enc, std::ios::trunc) << "{\"a\": 0,";
    all_refuse(enc + ": not valid JSON");
    std::ofstream(enc, std::ios::trunc) << enc_text;
    std::ofstream(merges, std::ios::trunc) << "#version: 0.2\nabc\n";
    all_refuse(merges + ": line 2: expected two tokens separated by one space");
    fs::remove(merges);
    all_refuse(merges + ": missing");
    fs::copy_file(small + "/encoder.json", enc, fs::copy_options::overwrite_existing);
    fs::copy_file(small + "/vocab.bpe", merges);
    all_refuse(enc + ": has 290 tokens, but the model in " + model + " has vocab_size 300");
    fs::copy_file(other + "/encoder.json", enc, fs::copy_options::overwrite_existing);
    fs::copy_file(other + "/vocab.bpe", merges, fs::copy_options::overwrite_existing);
    all_refuse(enc + " and " + merges + " hold another tokenizer than " + model);
    std::ofstream(enc, std::ios::trunc) << enc_text;
    std::ofstream(merges, std::ios::trunc) << merges_text;
    EXPECT_EQ(run("sample --ckpt " + run_dir + " --tokens 5").status, 0);
}

TEST_F(GptCliTokenizer, CharacterRunsWorkAsBefore) {
    const std::string chars = train("chars", "");
    EXPECT_FALSE(fs::exists(chars + "/encoder.json"));
    gs::gpt::LoadedModel m = gs::gpt::load_model(chars + "/model.safetensors");
    EXPECT_EQ(m.tok->kind(), "char");
    EXPECT_EQ(m.metadata.at("tokenizer"), "char");
    // stray tokenizer files beside a character checkpoint are not its tokenizer
    fs::copy_file(tokenizer("a", 300) + "/encoder.json", chars + "/encoder.json");
    Result s = run("sample --ckpt " + chars + " --prompt First --tokens 30 --threads 1");
    ASSERT_EQ(s.status, 0) << s.err;
    EXPECT_EQ(gs::io::decode_utf8(s.out, "sample").size(), std::string("First").size() + 30 + 1);   // one token, one character
    expect_error("sample --ckpt " + chars + " --prompt \"$(printf '\\346\\210')\"", "prompt: invalid UTF-8 at byte offset 0");
    Result e = run("eval --ckpt " + chars + " --data " + dir + "/c.txt --threads 1");
    EXPECT_EQ(e.status, 0) << e.err;
}

TEST_F(GptCliTokenizer, HelpDocumentsTheCommandAndTheFlag) {
    EXPECT_TRUE(has(run("--help").out, "tokenizer  tokenizer train: learn a byte-level BPE tokenizer"));
    EXPECT_TRUE(has(run("tokenizer --help").out, "train   learn a byte-level BPE tokenizer"));
    Result h = run("tokenizer train --help");
    EXPECT_EQ(h.status, 0);
    gs::gpt::TokenizerTrainOptions o;
    EXPECT_TRUE(has(h.out, "usage: gpt tokenizer train --data FILE --vocab-size N --out DIR")) << h.out;
    EXPECT_TRUE(has(h.out, "--vocab-size       tokens: the 256 bytes, then one per merge (default " +
                               std::to_string(o.vocab_size) + ")"))
        << h.out;
    EXPECT_TRUE(has(h.out, "--overwrite")) << h.out;
    EXPECT_TRUE(has(run("train --help").out, "--tokenizer        directory with a BPE tokenizer's encoder.json and vocab.bpe"));
}
