// The gpt program with Hugging Face GPT-2 directories: sample and eval read one, export writes one,
// scripts/load_in_pytorch.py loads either kind into PyTorch and must report gpt eval's loss to 1e-4,
// and train --init-from starts from either kind. The tiny GPT-2 is tests/gpt2_fixture (make_fixture.py).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace {

const std::string kFixture = "tests/gpt2_fixture";

std::string gpt_path() {
    const char* env = std::getenv("GRADSCHOOL_GPT");
    return env ? env : "build/gpt";
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Result {
    int status;
    std::string out, err;
};

// A shell command, stdout and stderr captured, killed after `timeout` seconds.
Result shell(const std::string& dir, const std::string& cmd, int timeout = 120) {
    std::string full = "timeout " + std::to_string(timeout) + " " + cmd + " > " + dir + "/out 2> " + dir + "/err < /dev/null";
    int rc = std::system(full.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc), slurp(dir + "/out"), slurp(dir + "/err")};
}

// The number after "mean cross-entropy " in a line of gpt eval or load_in_pytorch.py, or NaN.
double loss_in(const std::string& out) {
    std::smatch m;
    if (!std::regex_search(out, m, std::regex("mean cross-entropy ([0-9.]+) nats over ([0-9]+) predictions"))) return NAN;
    return std::stod(m[1]);
}

class HfCli : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access(gpt_path().c_str(), X_OK) != 0)
            GTEST_SKIP() << gpt_path() << " is not built: run `make test`, or set GRADSCHOOL_GPT to the gpt program";
        char tmpl[] = "/tmp/gs_hf_cli_XXXXXX";
        dir = ::mkdtemp(tmpl);
        // the fixture's own sentence, repeated: text its tiny tokenizer knows, several windows of 96 tokens
        std::string text;
        for (int i = 0; i < 12; i++) text += "then the other three thought that the theory of the thing is the same.\n";
        std::ofstream(dir + "/text.txt") << text;
    }
    void TearDown() override {
        if (!dir.empty()) fs::remove_all(dir);
    }
    Result gpt(const std::string& args, int timeout = 120) { return shell(dir, gpt_path() + " " + args, timeout); }
    void expect_error(const std::string& args, const std::string& part) {
        Result r = gpt(args);
        EXPECT_EQ(r.status, 1) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(part), std::string::npos) << args << "\nstderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\nstderr: " << r.err;
    }
    // A small char-level run of ours in dir/run.
    std::string train_char_model() {
        std::string text;
        for (int i = 0; i < 200; i++) text += "First Citizen:\nBefore we proceed any further, hear me speak.\n";
        std::ofstream(dir + "/chars.txt") << text;
        Result t = gpt("train --data " + dir + "/chars.txt --out " + dir + "/run --n-layer 1 --n-embd 16 --n-head 2"
                       " --block-size 16 --batch-size 4 --max-iters 20 --eval-interval 10 --eval-iters 2"
                       " --warmup-iters 2 --lr-decay-iters 20 --threads 1 --bias");
        EXPECT_EQ(t.status, 0) << t.err;
        return dir + "/run";
    }
    std::string dir;
};

bool have_torch() {
    return std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0;
}

}  // namespace

TEST_F(HfCli, SampleAndEvalReadAHuggingFaceDirectory) {
    Result s1 = gpt("sample --ckpt " + kFixture + " --prompt 'the other' --tokens 40 --seed 3 --threads 1");
    Result s2 = gpt("sample --ckpt " + kFixture + " --prompt 'the other' --tokens 40 --seed 3 --threads 1 --no-kv-cache");
    ASSERT_EQ(s1.status, 0) << s1.err;
    EXPECT_EQ(s1.out.rfind("the other", 0), 0u) << s1.out;
    EXPECT_EQ(s1.out, s2.out);   // the cache changes the cost, not the tokens
    Result e = gpt("eval --ckpt " + kFixture + " --data " + dir + "/text.txt");
    ASSERT_EQ(e.status, 0) << e.err;
    EXPECT_TRUE(std::isfinite(loss_in(e.out))) << e.out;
}

TEST_F(HfCli, BadInputIsOneLine) {
    expect_error("sample --ckpt " + kFixture + " --prompt \"$(printf 'the \\377 day')\"", "prompt: invalid UTF-8 at byte offset 4");
    fs::copy(kFixture, dir + "/hf");
    std::ofstream(dir + "/hf/config.json") << "{\"n_layer\": 2}";
    expect_error("sample --ckpt " + dir + "/hf", dir + "/hf/config.json: \"n_head\" is missing");
    expect_error("eval --ckpt " + dir + "/hf --data " + dir + "/text.txt", dir + "/hf/config.json: \"n_head\" is missing");
    expect_error("export --format onnx --ckpt " + kFixture + " --out " + dir + "/x", "--format must be hf, got 'onnx'");
}

TEST_F(HfCli, ExportThenLoadGivesTheSameLoss) {
    std::string run = train_char_model();
    Result a = gpt("export --format hf --ckpt " + run + " --out " + dir + "/hf_char");
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_TRUE(fs::exists(dir + "/hf_char/chars.json"));
    Result e1 = gpt("eval --ckpt " + run + " --data " + dir + "/chars.txt");
    Result e2 = gpt("eval --ckpt " + dir + "/hf_char --data " + dir + "/chars.txt");
    ASSERT_EQ(e1.status, 0) << e1.err;
    ASSERT_EQ(e2.status, 0) << e2.err;
    EXPECT_EQ(e1.out, e2.out);   // the same weights and tokenizer: the same line to the last digit

    Result b = gpt("export --format hf --ckpt " + kFixture + " --out " + dir + "/hf_gpt2");
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_EQ(gpt("eval --ckpt " + kFixture + " --data " + dir + "/text.txt").out,
              gpt("eval --ckpt " + dir + "/hf_gpt2 --data " + dir + "/text.txt").out);
    expect_error("export --format hf --ckpt " + kFixture + " --out " + dir + "/hf_gpt2", "is not empty");
    EXPECT_EQ(gpt("export --format hf --ckpt " + kFixture + " --out " + dir + "/hf_gpt2 --overwrite").status, 0);
}

TEST_F(HfCli, LoadInPytorchAgreesWithGptEval) {
    if (!have_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch (apt-get install python3-torch)";
    std::string run = train_char_model();
    ASSERT_EQ(gpt("export --format hf --ckpt " + run + " --out " + dir + "/hf_char").status, 0);
    struct Case {
        std::string ckpt, data;
    };
    for (const Case& c : {Case{run, dir + "/chars.txt"}, Case{dir + "/hf_char", dir + "/chars.txt"},
                          Case{kFixture, dir + "/text.txt"}}) {
        Result ours = gpt("eval --ckpt " + c.ckpt + " --data " + c.data + " --threads 1");
        Result torch = shell(dir, "/usr/bin/python3 scripts/load_in_pytorch.py --threads 1 --ckpt " + c.ckpt + " --data " + c.data);
        ASSERT_EQ(ours.status, 0) << ours.err;
        ASSERT_EQ(torch.status, 0) << torch.err;
        double a = loss_in(ours.out), b = loss_in(torch.out);
        EXPECT_NEAR(a, b, 1e-4) << c.ckpt << "\ngpt eval: " << ours.out << "PyTorch:  " << torch.out;
        // the same predictions counted
        EXPECT_EQ(std::regex_replace(ours.out, std::regex(".* over ([0-9]+) predictions.*\n?"), "$1"),
                  std::regex_replace(torch.out, std::regex(".* over ([0-9]+) predictions.*\n?"), "$1"));
    }
}

TEST_F(HfCli, InitFromGpt2StartsFromItsWeights) {
    std::string text;
    for (int i = 0; i < 40; i++) text += slurp(dir + "/text.txt");
    std::ofstream(dir + "/big.txt") << text;
    const std::string base = "train --data " + dir + "/big.txt --init-from " + kFixture +
                             " --batch-size 2 --eval-iters 1 --threads 1 --warmup-iters 0 --lr 1e-3 --min-lr 1e-4";
    // no steps: the saved model is the one it started from, so eval prints the same line
    Result t0 = gpt(base + " --out " + dir + "/zero --max-iters 0");
    ASSERT_EQ(t0.status, 0) << t0.err;
    EXPECT_NE(t0.out.find("starting from the weights and tokenizer of " + kFixture), std::string::npos) << t0.out;
    EXPECT_EQ(gpt("eval --ckpt " + dir + "/zero --data " + dir + "/text.txt").out,
              gpt("eval --ckpt " + kFixture + " --data " + dir + "/text.txt").out);
    EXPECT_TRUE(fs::exists(dir + "/zero/encoder.json") && fs::exists(dir + "/zero/vocab.bpe"));   // GPT-2's tokenizer kept

    // twenty steps: iteration 0 onwards with the schedule given here, and the loss goes down
    Result t = gpt(base + " --out " + dir + "/ft --max-iters 20 --eval-interval 20 --lr-decay-iters 20");
    ASSERT_EQ(t.status, 0) << t.err;
    std::istringstream log(slurp(dir + "/ft/log.csv"));
    std::string header, first;
    std::getline(log, header);
    std::getline(log, first);
    EXPECT_EQ(first.rfind("0,", 0), 0u) << first;
    double lr0 = std::stod(first.substr(first.find(',', 2) + 1));
    EXPECT_NEAR(lr0, 1e-3, 1e-9) << first;   // no warmup: the peak --lr at iteration 0
    double before = loss_in(gpt("eval --ckpt " + kFixture + " --data " + dir + "/big.txt").out);
    double after = loss_in(gpt("eval --ckpt " + dir + "/ft --data " + dir + "/big.txt").out);
    EXPECT_LT(after, before - 0.3) << "fine-tuning did not lower the loss";
    // a second start into the same --out is refused like any run's
    expect_error(base + " --out " + dir + "/ft --max-iters 25", "already holds a run");
}

TEST_F(HfCli, InitFromOurOwnRunAndConflictingFlags) {
    std::string run = train_char_model();
    Result t = gpt("train --data " + dir + "/chars.txt --init-from " + run + " --out " + dir + "/ft --max-iters 5"
                   " --eval-interval 5 --eval-iters 1 --batch-size 2 --threads 1 --warmup-iters 0 --lr-decay-iters 5");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_NE(t.out.find("done: 5 iterations"), std::string::npos) << t.out;
    const std::string base = "train --data " + dir + "/chars.txt --init-from " + run + " --out " + dir + "/x";
    expect_error(base + " --n-layer 3", "--n-layer 3 conflicts with --init-from " + run + ", whose model has n_layer 1");
    expect_error(base + " --block-size 32", "--block-size 32 conflicts with --init-from");
    expect_error(base + " --no-bias", "--no-bias  conflicts with --init-from");
    expect_error(base + " --resume", "--init-from starts a new run from a model, --resume continues a run");
    expect_error(base + " --tokenizer " + kFixture, "--init-from brings its model's tokenizer: --tokenizer cannot change it");
    std::ofstream(dir + "/other.txt") << std::string(2000, 'Z');   // a character its vocabulary lacks
    expect_error("train --data " + dir + "/other.txt --init-from " + run + " --out " + dir + "/y", "'Z'");
    expect_error("train --data " + dir + "/chars.txt --init-from " + dir + "/nowhere --out " + dir + "/z", dir + "/nowhere");
}
