// Shape ops. The views (reshape, view, squeeze, unsqueeze) make a new TensorImpl over the same Storage.
// The copying ops share two kernels, each used forward and, adding instead of copying, backward:
//   permute_copy   every reordering of dims (permute, transpose)
//   copy_block     a run of entries along one dim (slice, cat, split)
#include "autograd/shape.h"

#include <algorithm>

#include "autograd/parallel.h"

namespace gs {

namespace {

// out = inp with its dims reordered: out's dim k is inp's dim perm[k]. With accumulate, out += instead.
// out is walked one innermost row at a time; a row's start in inp comes from splitting the row number
// into out's outer indices, so rows are independent and each thread writes only its own rows.
void permute_copy(real* out, const real* inp, const Shape& in_shape, const std::vector<int64_t>& perm,
                  bool accumulate) {
    size_t nd = perm.size();
    std::vector<int64_t> in_strides(nd, 1);   // row-major: product of the dims after d
    for (size_t d = nd; d-- > 1;) in_strides[d - 1] = in_strides[d] * in_shape[d];
    Shape out_shape(nd);
    std::vector<int64_t> step(nd);   // how far inp moves when out's index k moves by one
    for (size_t k = 0; k < nd; k++) {
        out_shape[k] = in_shape[size_t(perm[k])];
        step[k] = in_strides[size_t(perm[k])];
    }
    int64_t n = nd ? out_shape[nd - 1] : 1;     // row length
    int64_t s = nd ? step[nd - 1] : 0;          // inp's stride along a row
    int64_t numel = shape_numel(in_shape);
    int64_t rows = n ? numel / n : 0;
#pragma omp parallel for schedule(static) if (numel >= kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        int64_t rem = r, off = 0;
        for (int64_t k = int64_t(nd) - 2; k >= 0; k--) {   // out's outer dims, innermost first
            off += (rem % out_shape[size_t(k)]) * step[size_t(k)];
            rem /= out_shape[size_t(k)];
        }
        real* dst = out + r * n;
        const real* src = inp + off;
        if (accumulate) {
            for (int64_t j = 0; j < n; j++) dst[j] += src[j * s];
        } else {
            for (int64_t j = 0; j < n; j++) dst[j] = src[j * s];
        }
    }
}

// With dst viewed as (outer, dst_size, inner) and src as (outer, src_size, inner):
//   dst[o, dst_start + j, :] = src[o, src_start + j, :]   for j < len   (+= with accumulate)
// Each o is one contiguous run of len * inner entries in both, and each thread writes its own runs.
void copy_block(real* dst, int64_t dst_size, int64_t dst_start, const real* src, int64_t src_size,
                int64_t src_start, int64_t outer, int64_t len, int64_t inner, bool accumulate) {
    int64_t n = len * inner;
#pragma omp parallel for schedule(static) if (outer * n >= kParallelMin)
    for (int64_t o = 0; o < outer; o++) {
        real* d = dst + (o * dst_size + dst_start) * inner;
        const real* s = src + (o * src_size + src_start) * inner;
        if (accumulate) {
            for (int64_t i = 0; i < n; i++) d[i] += s[i];
        } else {
            std::copy(s, s + n, d);
        }
    }
}

// The shape asked for, with a -1 replaced by whatever makes the element counts match.
Shape infer_shape(const char* op, const Tensor& x, const Shape& shape) {
    Shape out = shape;
    int64_t infer = -1, known = 1;   // the -1's position; product of the other dims
    for (size_t i = 0; i < shape.size(); i++) {
        if (shape[i] == -1) {
            check(infer < 0, op, "only one dim can be -1, got ", shape);
            infer = int64_t(i);
        } else {
            check(shape[i] >= 0, op, "invalid size ", shape[i], " in shape ", shape);
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        check(known != 0 && x.numel() % known == 0, op, "cannot reshape tensor ", x.shape(), " (", x.numel(),
              " elements) into ", shape);
        out[size_t(infer)] = x.numel() / known;
    }
    check(shape_numel(out) == x.numel(), op, "cannot reshape tensor ", x.shape(), " (", x.numel(),
          " elements) into ", shape, " (", shape_numel(out), " elements)");
    return out;
}

Tensor reshape_as(const char* op, const Tensor& x, const Shape& shape) {
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = infer_shape(op, x, shape);
    impl->numel = x.numel();
    impl->data = x.impl().data;   // the same buffer: a view, not a copy
    Tensor y(std::move(impl));
    // y = x with a new shape;   dx += dy (element for element, both row-major)
    y.set_backward(op, {x}, [x](const Tensor& out) {
        real* dx = x.grad();
        const real* dy = out.grad();
        for (int64_t i = 0; i < x.numel(); i++) dx[i] += dy[i];
    });
    return y;
}

// perm is already validated
Tensor permute_as(const char* op, const Tensor& x, const std::vector<int64_t>& perm) {
    Shape out_shape(perm.size());
    std::vector<int64_t> inverse(perm.size());   // x's dim j is the output's dim inverse[j]
    for (size_t k = 0; k < perm.size(); k++) {
        out_shape[k] = x.shape()[size_t(perm[k])];
        inverse[size_t(perm[k])] = int64_t(k);
    }
    Tensor y = Tensor::empty(out_shape);
    permute_copy(y.data(), x.data(), x.shape(), perm, false);
    // y = x with dims reordered by perm;   dx += dy with dims reordered by the inverse of perm
    y.set_backward(op, {x}, [x, inverse](const Tensor& out) {
        permute_copy(x.grad(), out.grad(), out.shape(), inverse, true);
    });
    return y;
}

}  // namespace

AroundDim around_dim(const Shape& shape, int64_t dim) {
    AroundDim a{1, shape[size_t(dim)], 1};
    for (int64_t d = 0; d < dim; d++) a.outer *= shape[size_t(d)];
    for (size_t d = size_t(dim) + 1; d < shape.size(); d++) a.inner *= shape[d];
    return a;
}

// ---- views ----

Tensor reshape(const Tensor& x, const Shape& shape) { return reshape_as("reshape", x, shape); }
Tensor view(const Tensor& x, const Shape& shape) { return reshape_as("view", x, shape); }

Tensor unsqueeze(const Tensor& x, int64_t dim) {
    int64_t nd = x.dim();   // the new dim can go before any of the nd dims or after the last
    check(dim >= -(nd + 1) && dim <= nd, "unsqueeze", "dim ", dim, " is out of range for a ", nd, "-d tensor ",
          x.shape(), " (a new dim goes at ", -(nd + 1), "..", nd, ")");
    if (dim < 0) dim += nd + 1;
    Shape s = x.shape();
    s.insert(s.begin() + dim, 1);
    return reshape_as("unsqueeze", x, s);
}

// Unlike PyTorch, squeezing a dim whose size is not 1 is an error, not a silent no-op.
Tensor squeeze(const Tensor& x, int64_t dim) {
    int64_t d = wrap_dim(dim, x.shape(), "squeeze");
    check(x.shape()[size_t(d)] == 1, "squeeze", "dim ", dim, " of tensor ", x.shape(), " has size ",
          x.shape()[size_t(d)], ", not 1");
    Shape s = x.shape();
    s.erase(s.begin() + d);
    return reshape_as("squeeze", x, s);
}

// ---- copies ----

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
    int64_t nd = x.dim();
    std::vector<int64_t> perm(dims.size());
    std::vector<bool> seen(size_t(nd), false);
    bool ok = int64_t(dims.size()) == nd;
    for (size_t k = 0; ok && k < dims.size(); k++) {
        ok = dims[k] >= -nd && dims[k] < nd;
        perm[k] = dims[k] < 0 ? dims[k] + nd : dims[k];
        ok = ok && !seen[size_t(perm[k])];
        if (ok) seen[size_t(perm[k])] = true;
    }
    check(ok, "permute", "dims ", dims, " are not a permutation of the ", nd, " dims of tensor ", x.shape(),
          " (each of 0..", nd - 1, " exactly once)");
    return permute_as("permute", x, perm);
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) {
    int64_t a = wrap_dim(d0, x.shape(), "transpose"), b = wrap_dim(d1, x.shape(), "transpose");
    std::vector<int64_t> perm(size_t(x.dim()));
    for (size_t k = 0; k < perm.size(); k++) perm[k] = int64_t(k);
    std::swap(perm[size_t(a)], perm[size_t(b)]);
    return permute_as("transpose", x, perm);
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
    int64_t d = wrap_dim(dim, x.shape(), "slice");
    AroundDim a = around_dim(x.shape(), d);
    check(0 <= start && start <= end && end <= a.size, "slice", "start ", start, " and end ", end,
          " do not fit dim ", dim, " of tensor ", x.shape(), " (need 0 <= start <= end <= ", a.size, ")");
    int64_t len = end - start;
    Shape s = x.shape();
    s[size_t(d)] = len;
    Tensor y = Tensor::empty(s);
    copy_block(y.data(), len, 0, x.data(), a.size, start, a.outer, len, a.inner, false);
    // y = x[start:end] along dim;   dx[start:end] += dy along dim
    y.set_backward("slice", {x}, [x, a, start, len](const Tensor& out) {
        copy_block(x.grad(), a.size, start, out.grad(), len, 0, a.outer, len, a.inner, true);
    });
    return y;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim) {
    check(!xs.empty(), "cat", "needs at least one tensor");
    const Shape& first = xs[0].shape();
    size_t d = size_t(wrap_dim(dim, first, "cat"));
    Shape s = first;
    s[d] = 0;
    for (size_t k = 0; k < xs.size(); k++) {
        const Shape& sk = xs[k].shape();
        bool ok = sk.size() == first.size();
        for (size_t j = 0; ok && j < sk.size(); j++) ok = j == d || sk[j] == first[j];
        check(ok, "cat", "tensor ", k, " has shape ", sk, " but tensor 0 has shape ", first,
              "; they may differ only in dim ", d);
        s[d] += sk[d];
    }
    Tensor y = Tensor::empty(s);
    AroundDim a = around_dim(s, int64_t(d));   // a.size: the joined length
    int64_t start = 0;
    for (const Tensor& x : xs) {
        int64_t len = x.shape()[d];
        copy_block(y.data(), a.size, start, x.data(), len, 0, a.outer, len, a.inner, false);
        start += len;
    }
    // y = [x0, x1, ...] along dim;   dx_k += the block of dy that x_k filled
    y.set_backward("cat", xs, [xs, a, d](const Tensor& out) {
        int64_t at = 0;
        for (const Tensor& x : xs) {
            int64_t len = x.shape()[d];
            if (x.requires_grad()) copy_block(x.grad(), len, 0, out.grad(), a.size, at, a.outer, len, a.inner, true);
            at += len;
        }
    });
    return y;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
    int64_t d = wrap_dim(dim, x.shape(), "split");
    check(split_size > 0, "split", "split_size must be positive, got ", split_size, " for tensor ", x.shape());
    int64_t size = x.shape()[size_t(d)];
    std::vector<Tensor> chunks;
    for (int64_t start = 0; start < size; start += split_size)
        chunks.push_back(slice(x, d, start, std::min(start + split_size, size)));
    if (chunks.empty()) chunks.push_back(slice(x, d, 0, 0));   // an empty dim still gives one (empty) chunk
    return chunks;
}

}  // namespace gs
