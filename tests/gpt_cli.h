// Running the gpt program from a test, as a user runs it: `make test` says where the program is
// through GRADSCHOOL_GPT (tests/helpers.h gpt_path); run by hand, the tests look for build/gpt. Shared
// by the CLI test files.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "tests/helpers.h"

namespace gs::test {

struct Result {
    int status;
    std::string out, err;
};

// Runs the program with `args` through the shell, stdout to `stdout_to` (a file read back, unless it
// is given as a redirection such as ">/dev/full"), killed after `timeout` seconds (status 124).
inline Result run(const std::string& args, int timeout = 60, const std::string& stdout_to = "") {
    static std::string dir = temp_dir();
    std::string out = stdout_to.empty() ? "> " + dir + "/out" : stdout_to;
    // coreutils' timeout guards against a hang; macOS has it only with coreutils installed, so no limit there
    static const bool have_timeout = std::system("command -v timeout >/dev/null 2>&1") == 0;
    std::string limit = have_timeout ? "timeout " + std::to_string(timeout) + " " : "";
    std::string cmd = limit + gpt_path() + " " + args + " " + out + " 2> " + dir + "/err < /dev/null";
    ::unlink((dir + "/out").c_str());
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc), read_file(dir + "/out"), read_file(dir + "/err")};
}

// The fixture of the tests that run the program: skipped, saying why, when it is not built; `dir` is a new
// temporary directory for the test's files. A fixture built on it calls GptProgram::SetUp first and
// returns if IsSkipped().
class GptProgram : public ::testing::Test {
protected:
    void SetUp() override {
        if (::access(gpt_path().c_str(), X_OK) != 0)
            GTEST_SKIP() << gpt_path() << " is not built: run `make test`, or set GRADSCHOOL_GPT to the gpt program";
        dir = temp_dir();
    }
    // exit status 1 and exactly one line on stderr that contains `part`
    void expect_error(const std::string& args, const std::string& part, int timeout = 60,
                      const std::string& stdout_to = "") {
        Result r = run(args, timeout, stdout_to);
        EXPECT_EQ(r.status, 1) << args << "\n" << r.err;
        EXPECT_TRUE(has(r.err, part)) << args << "\nstderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\nstderr: " << r.err;
    }
    std::string dir;
};

}  // namespace gs::test
