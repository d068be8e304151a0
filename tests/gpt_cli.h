// Running the gpt program from a test, as a user runs it: `make test` says where the program is
// through GRADSCHOOL_GPT; run by hand, the tests look for build/gpt. Shared by the CLI test files.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace gs::test {

inline std::string gpt_path() {
    const char* env = std::getenv("GRADSCHOOL_GPT");
    return env ? env : "build/gpt";
}

inline std::string temp_dir() {
    char tmpl[] = "/tmp/gs_cli_XXXXXX";
    return std::string(::mkdtemp(tmpl));
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Result {
    int status;
    std::string out, err;
};

// Runs the program with `args` through the shell, stdout to `stdout_to` (a file read back, unless it
// is given as a redirection such as ">/dev/full"), killed after `timeout` seconds (status 124).
inline Result run(const std::string& args, int timeout = 60, const std::string& stdout_to = "") {
    static std::string dir = temp_dir();
    std::string out = stdout_to.empty() ? "> " + dir + "/out" : stdout_to;
    std::string cmd = "timeout " + std::to_string(timeout) + " " + gpt_path() + " " + args + " " + out + " 2> " + dir +
                      "/err < /dev/null";
    ::unlink((dir + "/out").c_str());
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc), slurp(dir + "/out"), slurp(dir + "/err")};
}

}  // namespace gs::test
