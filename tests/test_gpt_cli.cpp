// The gpt program end to end, as a user runs it: every bad input gets one clear line on stderr and a
// non-zero exit status, never a crash, a hang or a run on nonsense. `make test` says where the program
// is through GRADSCHOOL_GPT; run by hand, the test looks for build/gpt.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

std::string gpt_path() {
    const char* env = std::getenv("GRADSCHOOL_GPT");
    return env ? env : "build/gpt";
}

std::string temp_dir() {
    char tmpl[] = "/tmp/gs_cli_XXXXXX";
    return std::string(::mkdtemp(tmpl));
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Result {
    int status;
    std::string out, err;
};

Result run(const std::string& args) {
    static std::string dir = temp_dir();
    // coreutils' timeout guards against a hang; macOS has no `timeout` unless coreutils is installed
    static const std::string limit = std::system("command -v timeout >/dev/null 2>&1") == 0 ? "timeout 60 " : "";
    std::string cmd = limit + gpt_path() + " " + args + " > " + dir + "/out 2> " + dir + "/err < /dev/null";
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc), slurp(dir + "/out"), slurp(dir + "/err")};
}

class GptCli : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access(gpt_path().c_str(), X_OK) != 0)
            GTEST_SKIP() << gpt_path() << " is not built: run `make test`, or set GRADSCHOOL_GPT to the gpt program";
        dir = temp_dir();
        std::string text;
        for (int i = 0; i < 400; i++) text += "First Citizen:\nBefore we proceed any further, hear me speak.\n";
        std::ofstream(dir + "/ok.txt") << text;
    }
    // exit status 1 and exactly one line on stderr that contains `part`
    void expect_error(const std::string& args, const std::string& part) {
        Result r = run(args);
        EXPECT_EQ(r.status, 1) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(part), std::string::npos) << args << "\nstderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\nstderr: " << r.err;
    }
    std::string dir;
};

}  // namespace

TEST_F(GptCli, HelpForEachCommand) {
    for (const char* c : {"train", "sample", "eval"}) {
        Result r = run(std::string(c) + " --help");
        EXPECT_EQ(r.status, 0);
        EXPECT_NE(r.out.find(std::string("usage: gpt ") + c), std::string::npos) << r.out;
    }
    Result r = run("--help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("train"), std::string::npos);
    EXPECT_EQ(run("").status, 2);
    EXPECT_EQ(run("fly").status, 2);
}

TEST_F(GptCli, UnknownFlagsAndMissingValues) {
    expect_error("train --data " + dir + "/ok.txt --learning-rate 3", "unknown flag '--learning-rate'");
    expect_error("train --data " + dir + "/ok.txt --lr", "--lr needs a value");
    expect_error("train --data " + dir + "/ok.txt --lr fast", "--lr expects a number, got 'fast'");
    expect_error("train --data " + dir + "/ok.txt --max-iters 1.5", "--max-iters expects an integer, got '1.5'");
    expect_error("sample --ckpt " + dir + " --top-k", "--top-k needs a value");
}

TEST_F(GptCli, NumericFlagsOutOfRange) {
    std::string d = "train --data " + dir + "/ok.txt --out " + dir + "/o ";
    expect_error(d + "--n-embd 130", "--n-embd (130) must be a positive multiple of --n-head (4)");
    expect_error(d + "--block-size 0", "--block-size must be >= 1, got 0");
    expect_error(d + "--lr -0.1", "--lr must be >= 0, got -0.1");
    expect_error(d + "--dropout 1", "--dropout must be in [0, 1), got 1");
    expect_error(d + "--threads -2", "--threads must be >= 1, got -2");
    expect_error("sample --ckpt " + dir + " --top-p 0", "top_p must be in (0, 1]");
    expect_error("sample --ckpt " + dir + " --top-p 1.5", "top_p must be in (0, 1]");
    expect_error("sample --ckpt " + dir + " --temperature -1", "temperature must be >= 0");
}

TEST_F(GptCli, BadDataFiles) {
    std::string o = " --out " + dir + "/o";
    expect_error("train --data " + dir + "/nope.txt" + o, "nope.txt");
    std::ofstream(dir + "/empty.txt").flush();
    expect_error("train --data " + dir + "/empty.txt" + o, "empty");
    expect_error("train --data " + dir + o, "directory");
    std::ofstream(dir + "/bad.txt") << "hello \xc3\x28 world";
    expect_error("train --data " + dir + "/bad.txt" + o, "invalid UTF-8 at byte offset 6");
    std::ofstream(dir + "/short.txt") << std::string(300, 'a');   // val split: 30 tokens < 65
    expect_error("train --data " + dir + "/short.txt" + o, "fewer than block_size + 1 = 65");
    expect_error("train" + o, "--data is required");
}

TEST_F(GptCli, TrainSampleEvalRoundTrip) {
    std::string out = dir + "/runs/first";   // a missing parent directory is created, as `make train` needs
    Result t = run("train --data " + dir + "/ok.txt --out " + out +
                " --n-layer 1 --n-embd 16 --n-head 2 --block-size 16 --batch-size 4 --max-iters 30 --eval-interval 10"
                " --eval-iters 2 --warmup-iters 2 --lr-decay-iters 30 --threads 1");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_NE(t.out.find("done: 30 iterations"), std::string::npos) << t.out;
    Result s1 = run("sample --ckpt " + out + " --prompt First --tokens 40 --seed 3");
    Result s2 = run("sample --ckpt " + out + " --prompt First --tokens 40 --seed 3 --no-kv-cache");
    ASSERT_EQ(s1.status, 0) << s1.err;
    EXPECT_EQ(s1.out.rfind("First", 0), 0u);
    EXPECT_EQ(s1.out.size(), std::string("First").size() + 40 + 1);   // ASCII corpus: one byte per token
    EXPECT_EQ(s1.out, s2.out);   // the KV cache changes the cost, not the text
    expect_error("sample --ckpt " + out + " --prompt 'Zebra \xe4\xb8\xad'", "is not in the vocabulary");
    Result e = run("eval --ckpt " + out + " --data " + dir + "/ok.txt --split val");
    ASSERT_EQ(e.status, 0) << e.err;
    EXPECT_NE(e.out.find("mean cross-entropy"), std::string::npos) << e.out;
    expect_error("sample --ckpt " + dir + "/nowhere", "nowhere/model.safetensors");
    std::ofstream(out + "/model.safetensors") << "garbage";
    expect_error("sample --ckpt " + out, "model.safetensors");
}
