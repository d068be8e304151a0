// Indices: an integer array with a shape, for token ids, class targets and argmax results.
// Kept apart from Tensor, which holds reals: indices are never differentiated, and int32 token ids
// stay exact where a float would round past 2^24.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/check.h"

namespace gs {

class Indices {
public:
    Indices() = default;
    Indices(const Shape& s, std::vector<int32_t> values) : shape_(s), data_(std::move(values)) {
        check(int64_t(data_.size()) == shape_numel(shape_), "Indices", "shape ", shape_, " holds ",
              shape_numel(shape_), " values but ", data_.size(), " were given");
    }
    static Indices zeros(const Shape& s) { return Indices(s, std::vector<int32_t>(size_t(shape_numel(s)), 0)); }

    const Shape& shape() const { return shape_; }
    int64_t dim() const { return int64_t(shape_.size()); }
    int64_t size(int64_t d) const { return shape_[size_t(wrap_dim(d, shape_, "Indices::size"))]; }
    int64_t numel() const { return int64_t(data_.size()); }
    int32_t* data() { return data_.data(); }               // (numel,), row-major
    const int32_t* data() const { return data_.data(); }
    const std::vector<int32_t>& to_vector() const { return data_; }

private:
    Shape shape_;
    std::vector<int32_t> data_;   // (numel,), row-major
};

}  // namespace gs
