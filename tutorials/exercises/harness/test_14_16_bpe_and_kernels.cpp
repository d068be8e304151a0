// Tests of exercises 14.1 and 16.1-16.2, chapters 14 and 16. The BPE merge step against the library's
// gpt::bpe_merge (the cases of tests/test_bpe.cpp: runs of one token that could overlap, a pair in the wrong
// order, the pair at either end, nothing to merge, a new id equal to an old one, and a long random sequence);
// the 4x8 micro-kernel against the library's gemm_naive on the same (unpacked) operands, in both modes
// (overwrite and accumulate), with C rows longer than the tile (the columns past the tile must be left
// alone); the packed A panel against the layout the micro-kernel reads, zero rows included.
#include <gtest/gtest.h>

#include "autograd/gemm.h"
#include "gpt/bpe.h"
#include "tutorials/exercises/exercises.h"
#include "tutorials/exercises/harness/check.h"

using namespace gs;
using namespace gs::workbook;

namespace {

std::string ids_str(const std::vector<int32_t>& ids) {
    std::string s = "{";
    for (size_t i = 0; i < ids.size(); i++) s += (i ? ", " : "") + std::to_string(ids[i]);
    return s + "}";
}

}  // namespace

TEST(Ex14_1, BpeMerge) {
    struct Row { std::vector<int32_t> ids; int32_t a, b, new_id; };
    std::vector<Row> cases = {
        {{1, 2, 3, 1, 2}, 1, 2, 256}, {{5, 1, 2, 1, 2, 5}, 1, 2, 300}, {{1, 2, 1, 2}, 2, 1, 9},
        {{7, 7, 7}, 7, 7, 9},         {{7, 7, 7, 7}, 7, 7, 9},         {{7, 7, 7, 7, 7}, 7, 7, 9},
        {{1, 1, 2}, 1, 2, 9},         {{}, 1, 2, 9},                   {{1}, 1, 2, 9},
        {{2, 1}, 1, 2, 9},            {{3, 1}, 1, 2, 9},               {{4, 1, 2, 4}, 1, 2, 4},
    };
    Rng rng(141);
    Row random{{}, 3, 3, 4};   // 300 ids in 0..3, where (3, 3) often comes in runs
    for (int i = 0; i < 300; i++) random.ids.push_back(int32_t(rng.below(4)));
    cases.push_back(random);
    for (const Row& r : cases) {
        std::string ids = r.ids.size() > 12 ? std::to_string(r.ids.size()) + " random ids" : "ids " + ids_str(r.ids);
        Case c{"14.1",
               ids + ", pair (" + std::to_string(r.a) + ", " + std::to_string(r.b) + ") -> " + std::to_string(r.new_id),
               "scan left to right: where ids[i], ids[i+1] is the pair, emit new_id and step past both; otherwise "
               "copy ids[i] and step one; the last token counts too"};
        std::vector<int32_t> expected = gpt::bpe_merge(r.ids, r.a, r.b, r.new_id), got;
        if (!attempt(c, [&] { got = ex::bpe_merge(r.ids, r.a, r.b, r.new_id); })) return;
        if (got == expected) continue;
        size_t i = 0;
        while (i < got.size() && i < expected.size() && got[i] == expected[i]) i++;
        std::string where = i < got.size() && i < expected.size()
                                ? "they first differ at position " + std::to_string(i) + ": expected " +
                                      std::to_string(expected[i]) + ", got " + std::to_string(got[i])
                                : "expected " + std::to_string(expected.size()) + " ids, got " + std::to_string(got.size());
        return fail(c, r.ids.size() > 12 ? where : "expected " + ids_str(expected) + ", got " + ids_str(got) + "; " + where);
    }
}

TEST(Ex16_1, MicroKernel4x8) {
    Rng rng(161);
    struct Row { int64_t kc, ldc; bool add; };
    const Row cases[] = {{1, 8, false}, {7, 8, true}, {64, 13, false}, {64, 13, true}, {5, 11, true}};
    for (const Row& r : cases) {
        Case c{"16.1",
               "kc = " + std::to_string(r.kc) + ", ldc = " + std::to_string(r.ldc) + (r.add ? ", add (c +=)" : ", overwrite (c =)"),
               "keep the 4 x 8 sums in locals through the whole k loop: acc[i][j] += a[k*4 + i] * b[k*8 + j]; then "
               "c[i*ldc + j] = acc[i][j] (+= when add); touch nothing else in c"};
        Tensor A = Tensor::randn({4, r.kc}, rng), B = Tensor::randn({r.kc, 8}, rng);
        std::vector<real> a(size_t(r.kc * 4)), b(size_t(r.kc * 8));
        for (int64_t k = 0; k < r.kc; k++) {
            for (int64_t i = 0; i < 4; i++) a[size_t(k * 4 + i)] = A.data()[i * r.kc + k];   // the packed A panel
            for (int64_t j = 0; j < 8; j++) b[size_t(k * 8 + j)] = B.data()[k * 8 + j];      // the packed B sliver
        }
        std::vector<real> expected = Tensor::randn({4, r.ldc}, rng).to_vector(), got = expected;
        gemm_naive(false, false, 4, 8, r.kc, A.data(), r.kc, B.data(), 8, expected.data(), r.ldc, r.add);
        if (!attempt(c, [&] { ex::micro_kernel_4x8(r.kc, a.data(), b.data(), got.data(), r.ldc, r.add); })) return;
        if (!expect_close(c, "c", {4, r.ldc}, expected, got)) return;
    }
}

TEST(Ex16_2, PackAPanel) {
    Rng rng(162);
    struct Row { int64_t rows, kc, lda; };
    const Row cases[] = {{4, 5, 8}, {3, 6, 6}, {1, 1, 1}, {4, 64, 70}, {2, 3, 9}};
    for (const Row& r : cases) {
        Case c{"16.2", "rows = " + std::to_string(r.rows) + ", kc = " + std::to_string(r.kc) + ", lda = " + std::to_string(r.lda),
               "k-major: Ap[k*4 + i] = A[i*lda + k] for i < rows, and 0 for the rows past `rows` (the micro-kernel "
               "always reads 4)"};
        Tensor A = Tensor::randn({r.rows, r.lda}, rng);
        // the layout micro_kernel_4x8 reads (exercise 16.1): what the library's pack_a writes, with MR = 4
        std::vector<real> expected(size_t(r.kc * 4), 0), got(size_t(r.kc * 4), 7);
        for (int64_t k = 0; k < r.kc; k++)
            for (int64_t i = 0; i < r.rows; i++) expected[size_t(k * 4 + i)] = A.data()[i * r.lda + k];
        if (!attempt(c, [&] { ex::pack_a_panel(got.data(), A.data(), r.lda, r.rows, r.kc); })) return;
        if (!expect_close(c, "Ap", {r.kc, 4}, expected, got, 0, 0)) return;
    }
}
