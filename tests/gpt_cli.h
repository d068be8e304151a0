// Running the gpt program from a test, as a user runs it: `make test` says where the program is
// through GRADSCHOOL_GPT (tests/helpers.h gpt_path); run by hand, the tests look for build/gpt. Shared
// by the CLI test files.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace gs::test
