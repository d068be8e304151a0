// Argument checking shared by every op: one helper that names the op, prints the shapes and throws.
// Checks run in every build (not only debug): a wrong shape must never become a silent wrong answer.
// The message parts are only formatted when the check fails, so a passing check costs one branch.
#pragma once
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gs {

using Shape = std::vector<int64_t>;

// "[4, 3]"
std::string shape_str(const Shape& s);

namespace detail {
inline void put(std::ostringstream& os, const Shape& s) { os << shape_str(s); }
template <typename T> void put(std::ostringstream& os, const T& v) { os << v; }
}  // namespace detail

template <typename... Parts> std::string cat_str(const Parts&... parts) {
    std::ostringstream os;
    (detail::put(os, parts), ...);
    return os.str();
}

// check(ok, "matmul", "inner dimensions differ: a is ", a.shape(), ", b is ", b.shape());
// throws std::invalid_argument("matmul: inner dimensions differ: a is [4, 3], b is [5, 2]")
template <typename... Parts> void check(bool ok, const char* op, const Parts&... parts) {
    if (!ok) throw std::invalid_argument(cat_str(op, ": ", parts...));
}

// Turns a possibly negative dim into 0..ndim-1, or throws "sum: dim 5 is out of range for a 2-d tensor [3, 4]".
int64_t wrap_dim(int64_t dim, const Shape& shape, const char* op);

// Product of the dims.
int64_t shape_numel(const Shape& s);

// Where flat element k of `shape` sits, e.g. position_of(5, {2, 3}) == {1, 2}; for error messages.
Shape position_of(int64_t k, const Shape& shape);

}  // namespace gs
