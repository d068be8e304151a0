// matmul forward and backward (see matmul.h). Every product is a gemm (gemm.h):
//   C = A·B;   dA += dC·Bᵀ;   dB += Aᵀ·dC
// The transposes are gemm's flags, never copies. With broadcast batch dims one A (or B) serves several
// batch entries, so its gradient is the sum of their terms: gemm_batched adds up entries that write
// the same gradient matrix, on one thread, in a fixed order.
#include "autograd/matmul.h"

#include <algorithm>

#include "autograd/broadcast.h"
#include "autograd/gemm.h"

namespace gs {

namespace {

// Batch dims (all but the last two) must broadcast; compared from the right like broadcast_shape,
// but checked here so that the error can show the operands' full shapes.
bool batch_dims_broadcast(const Shape& a, const Shape& b) {
    for (size_t i = 2; i < std::min(a.size(), b.size()); i++) {   // i counts dims from the right
        int64_t da = a[a.size() - 1 - i], db = b[b.size() - 1 - i];
        if (da != db && da != 1 && db != 1) return false;
    }
    return true;
}

// How the product is cut into gemm calls: `rows` rows of A per call, one call per entry of `items`.
struct Plan {
    int64_t rows;
    std::vector<GemmOffsets> items;   // (batch entries,) offsets of each entry's A, B and C
};

Plan plan_batches(const Shape& batch_a, const Shape& batch_b, const Shape& batch, int64_t M, int64_t K, int64_t N) {
    // b is one matrix shared by every entry (the usual x [B, T, C] · w [C, N]): a's batch dims are just
    // more rows of one big product, which is one gemm instead of B small ones.
    if (shape_numel(batch_b) == 1) return {shape_numel(batch_a) * M, {{0, 0, 0}}};
    // Otherwise one gemm per entry. Each innermost "row" of the shape batch + [1] is one entry, so
    // for_each_row hands over the offsets of its a and b matrices (counted in matrices).
    Shape walk = batch, walk_a = batch_a, walk_b = batch_b;
    walk.push_back(1);
    walk_a.push_back(1);
    walk_b.push_back(1);
    Plan plan{M, {}};
    plan.items.reserve(size_t(shape_numel(batch)));
    for_each_row(walk, broadcast_strides(walk_a, walk), broadcast_strides(walk_b, walk),
                 [&](int64_t o, int64_t ia, int64_t ib, int64_t, int64_t, int64_t) {
                     plan.items.push_back({ia * M * K, ib * K * N, o * M * N});
                 });
    return plan;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    check(a.dim() >= 2 && b.dim() >= 2, "matmul", "needs operands with at least 2 dims, got a ", a.shape(),
          " and b ", b.shape(), "; reshape a vector to [1, K] or [K, 1]");
    int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
    check(b.size(-2) == K, "matmul", "inner dimensions differ: a is ", a.shape(), ", b is ", b.shape(), " (", K,
          " != ", b.size(-2), ")");
    check(batch_dims_broadcast(a.shape(), b.shape()), "matmul", "batch dims cannot be broadcast together: a is ",
          a.shape(), ", b is ", b.shape());
    Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
    Shape shape_c = broadcast_shape(batch_a, batch_b, "matmul");
    Plan plan = plan_batches(batch_a, batch_b, shape_c, M, K, N);
    shape_c.push_back(M);
    shape_c.push_back(N);

    Tensor c = Tensor::empty(shape_c);
    int64_t R = plan.rows;
    // C (R, N) = A (R, K) · B (K, N) for each entry
    gemm_batched(false, false, R, N, K, a.data(), K, b.data(), N, c.data(), N, false, plan.items);

    // C = A·B;   dA += dC·Bᵀ;   dB += Aᵀ·dC,   each summed over the batch entries that share that A or B
    c.set_backward("matmul", {a, b}, [a, b, items = plan.items, R, K, N](const Tensor& out) {
        std::vector<GemmOffsets> items_a, items_b;   // the same entries, with the roles moved
        for (const GemmOffsets& e : items) {
            items_a.push_back({e.c, e.b, e.a});   // reads dC and B, writes dA
            items_b.push_back({e.a, e.c, e.b});   // reads A and dC, writes dB
        }
        // dA (R, K) += dC (R, N) · Bᵀ, B read as stored (K, N)
        if (a.requires_grad())
            gemm_batched(false, true, R, K, N, out.grad(), N, b.data(), N, a.grad(), K, true, items_a);
        // dB (K, N) += Aᵀ · dC (R, N), A read as stored (R, K)
        if (b.requires_grad())
            gemm_batched(true, false, K, N, R, a.data(), K, out.grad(), N, b.grad(), N, true, items_b);
    });
    return c;
}

}  // namespace gs
