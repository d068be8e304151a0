// Indices: an integer array with a shape, for token ids, class targets and argmax results.
// Kept apart from Tensor, which holds reals: indices are never differentiated, and int32 token ids
// stay exact where a float would round past 2^24.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/check.h"

namespace gs {

struct Indices {
    Shape shape;
    std::vector<int32_t> data;   // (numel,), row-major

    Indices() = default;
    Indices(const Shape& s, std::vector<int32_t> values) : shape(s), data(std::move(values)) {
        check(int64_t(data.size()) == shape_numel(shape), "Indices", "shape ", shape, " holds ",
              shape_numel(shape), " values but ", data.size(), " were given");
    }
    static Indices zeros(const Shape& s) { return Indices(s, std::vector<int32_t>(size_t(shape_numel(s)), 0)); }
    int64_t numel() const { return int64_t(data.size()); }
    int64_t dim() const { return int64_t(shape.size()); }
};

}  // namespace gs
