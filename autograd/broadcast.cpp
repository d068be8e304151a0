// The result shape of a broadcast and the strides that read an operand as if it had that shape.
// See broadcast.h.
#include "autograd/broadcast.h"

#include <algorithm>

namespace gs {

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
    size_t n = std::max(a.size(), b.size());
    Shape out(n);
    for (size_t i = 0; i < n; i++) {   // i counts from the right
        int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        check(da == db || da == 1 || db == 1, op, "shapes ", a, " and ", b, " cannot be broadcast together (",
              da, " vs ", db, " in dim ", int64_t(n - 1 - i), " of the result)");
        out[n - 1 - i] = da == 1 ? db : da;
    }
    return out;
}

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    std::vector<int64_t> strides(out.size(), 0);
    int64_t stride = 1;
    for (size_t i = 0; i < in.size(); i++) {   // from the right
        size_t din = in.size() - 1 - i, dout = out.size() - 1 - i;
        strides[dout] = in[din] == 1 ? 0 : stride;
        stride *= in[din];
    }
    return strides;
}

}  // namespace gs
