// Shapes as error messages show them, and the small shape helpers every op's checks use. See check.h.
#include "autograd/check.h"

namespace gs {

std::string shape_str(const Shape& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); i++) {
        if (i) out += ", ";
        out += std::to_string(s[i]);
    }
    return out + "]";
}

int64_t wrap_dim(int64_t dim, const Shape& shape, const char* op) {
    int64_t n = int64_t(shape.size());
    check(dim >= -n && dim < n, op, "dim ", dim, " is out of range for a ", n, "-d tensor ", shape);
    return dim < 0 ? dim + n : dim;
}

int64_t shape_numel(const Shape& s) {
    int64_t n = 1;
    for (int64_t d : s) n *= d;
    return n;
}

Shape position_of(int64_t k, const Shape& shape) {
    Shape pos(shape.size());
    for (size_t d = shape.size(); d-- > 0;) {
        pos[d] = k % shape[d];
        k /= shape[d];
    }
    return pos;
}

}  // namespace gs
