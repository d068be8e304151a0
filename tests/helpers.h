// Helpers that several test files share: the message of an expected error, a tensor compared element
// by element, a temporary directory, a whole file read back, and where the gpt program is. A helper
// only one file uses stays in that file. The GPT-sized helpers are in tests/model_helpers.h, so that
// the tests of autograd/ and nn/ never recompile when gpt/model.h changes.
#pragma once
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace gs::test {

// The message of the E that f throws (std::invalid_argument unless named); a test failure if none is.
template <typename E = std::invalid_argument, typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected an exception, but none was thrown";
    return "";
}

// The message of any std::exception f throws, or "(no exception)": for tests where success is an answer.
template <typename F> std::string message_of(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

// Whether `part` occurs in text; inside EXPECT_TRUE, a failure quotes both.
inline ::testing::AssertionResult has(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// t's elements in row-major order.
inline std::vector<real> vals(const Tensor& t) { return t.to_vector(); }

// n draws from normal(0, std); the same seed gives the same draws.
inline std::vector<real> random_vec(int64_t n, uint64_t seed, real std = 1) {
    Rng rng(seed);
    std::vector<real> v(size_t(n), 0);
    for (real& x : v) x = real(rng.normal()) * std;
    return v;
}

// Expects t to hold want's values, each within tol.
inline void expect_near_all(const Tensor& t, const std::vector<double>& want, double tol) {
    ASSERT_EQ(t.numel(), int64_t(want.size()));
    for (size_t i = 0; i < want.size(); i++) EXPECT_NEAR(t.data()[i], want[i], tol) << "element " << i;
}

// A new empty directory /tmp/gs_test_XXXXXX; the caller removes it.
inline std::string temp_dir() {
    char tmpl[] = "/tmp/gs_test_XXXXXX";
    if (!::mkdtemp(tmpl)) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return tmpl;
}

// Every byte of the file at path ("" if it cannot be opened).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The gpt program the end-to-end tests run: $GRADSCHOOL_GPT (`make test` sets it), or build/gpt.
inline std::string gpt_path() {
    const char* env = std::getenv("GRADSCHOOL_GPT");
    return env ? env : "build/gpt";
}

}  // namespace gs::test
