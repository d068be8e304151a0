// GEMM kernels: the naive reference against a hand-computed product, then the fast kernel against the
// naive one at round and ragged sizes, every transpose combination, accumulate on and off, row strides
// wider than the rows, empty sums, batches sharing an output, and identical bits for 1, 2 and 3 threads.
#include <gtest/gtest.h>
#include "autograd/omp.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "autograd/gemm.h"
#include "autograd/rng.h"
#include "tests/helpers.h"

using namespace gs;
using namespace gs::test;

namespace {

// One product C (M, N) = op(A) op(B), with every buffer's row stride `pad` wider than it needs to be.
struct Problem {
    bool ta, tb;
    int64_t M, N, K, lda, ldb, ldc;
    std::vector<real> A, B, C;
    Problem(bool ta_, bool tb_, int64_t M_, int64_t N_, int64_t K_, int64_t pad = 0, uint64_t seed = 7)
        : ta(ta_), tb(tb_), M(M_), N(N_), K(K_) {
        lda = (ta ? M : K) + pad;
        ldb = (tb ? K : N) + pad;
        ldc = N + pad;
        A = random_vec((ta ? K : M) * lda, seed);
        B = random_vec((tb ? N : K) * ldb, seed + 1);
        C = random_vec(M * ldc, seed + 2);   // non-zero, so `accumulate` and overwriting both show
    }
    std::vector<real> run(bool fast, bool accumulate) const {
        std::vector<real> out = C;
        (fast ? gemm : gemm_naive)(ta, tb, M, N, K, A.data(), lda, B.data(), ldb, out.data(), ldc, accumulate);
        return out;
    }
};

// Expects fast == naive up to rounding. Both sum K products in float; each sum is within
// K * eps * sum_k |a_ik b_kj| of the exact value, so twice that bounds their difference.
void expect_matches_naive(const Problem& p, bool accumulate) {
    std::vector<real> fast = p.run(true, accumulate), ref = p.run(false, accumulate);
    std::vector<real> absA(p.A.size()), absB(p.B.size()), bound(p.C.size(), 0);
    for (size_t i = 0; i < absA.size(); i++) absA[i] = std::fabs(p.A[i]);
    for (size_t i = 0; i < absB.size(); i++) absB[i] = std::fabs(p.B[i]);
    gemm_naive(p.ta, p.tb, p.M, p.N, p.K, absA.data(), p.lda, absB.data(), p.ldb, bound.data(), p.ldc, false);
    const double eps = std::numeric_limits<real>::epsilon();
    int bad = 0;
    for (int64_t i = 0; i < p.M; i++) {
        for (int64_t j = 0; j < p.ldc; j++) {
            size_t e = size_t(i * p.ldc + j);
            if (j >= p.N) {   // the padding past each row of C is never written
                EXPECT_EQ(fast[e], p.C[e]);
                continue;
            }
            double c0 = accumulate ? std::fabs(p.C[e]) : 0;
            double tol = 2 * double(p.K + 1) * eps * (double(bound[e]) + c0) + 1e-30;
            if (std::fabs(double(fast[e]) - double(ref[e])) > tol && bad++ < 5)
                ADD_FAILURE() << "ta=" << p.ta << " tb=" << p.tb << " M=" << p.M << " N=" << p.N << " K=" << p.K
                              << " acc=" << accumulate << " at (" << i << ", " << j << "): fast " << fast[e]
                              << " naive " << ref[e] << " tol " << tol;
        }
    }
}

// Restores the OpenMP thread count when a test ends, even after a failed assertion.
struct ThreadCount {
    int saved = omp_get_max_threads();
    ~ThreadCount() { omp_set_num_threads(saved); }
};

}  // namespace

TEST(Gemm, NaiveHandComputed) {
    // A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
    // C[0][0] = 1*7 + 2*9 + 3*11 = 58     C[0][1] = 1*8 + 2*10 + 3*12 = 64
    // C[1][0] = 4*7 + 5*9 + 6*11 = 139    C[1][1] = 4*8 + 5*10 + 6*12 = 154
    std::vector<real> A = {1, 2, 3, 4, 5, 6}, B = {7, 8, 9, 10, 11, 12};
    std::vector<real> At = {1, 4, 2, 5, 3, 6};     // A stored transposed, (3, 2)
    std::vector<real> Bt = {7, 9, 11, 8, 10, 12};  // B stored transposed, (2, 3)
    const std::vector<real> want = {58, 64, 139, 154};
    for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
            std::vector<real> C(4, 100);
            gemm_naive(ta, tb, 2, 2, 3, ta ? At.data() : A.data(), ta ? 2 : 3, tb ? Bt.data() : B.data(),
                       tb ? 3 : 2, C.data(), 2, false);
            EXPECT_EQ(C, want) << "ta=" << ta << " tb=" << tb;
            gemm_naive(ta, tb, 2, 2, 3, ta ? At.data() : A.data(), ta ? 2 : 3, tb ? Bt.data() : B.data(),
                       tb ? 3 : 2, C.data(), 2, true);   // accumulate: C = want + want
            EXPECT_EQ(C, (std::vector<real>{116, 128, 278, 308}));
        }
    }
}

TEST(Gemm, FastHandComputed) {
    std::vector<real> A = {1, 2, 3, 4, 5, 6}, B = {7, 8, 9, 10, 11, 12}, C(4, 1);
    gemm(false, false, 2, 2, 3, A.data(), 3, B.data(), 2, C.data(), 2, true);   // 1 + the product above
    EXPECT_EQ(C, (std::vector<real>{59, 65, 140, 155}));
}

TEST(Gemm, MatchesNaiveAtOddAndRoundSizes) {
    // M, N, K: tiny ones take the plain loop, fewer than 6 rows the row kernel, the rest the packed
    // kernel with every kind of edge
    const int64_t sizes[][3] = {{1, 1, 1},    {3, 5, 4},     {6, 6, 6},     {7, 13, 5},    {33, 65, 17},
                                {64, 64, 64}, {100, 37, 129}, {6, 16, 300}, {5, 15, 257},  {145, 9, 2},
                                {2, 200, 513}, {768, 128, 65}, {1, 70, 40}, {70, 1, 40},   {70, 40, 1},
                                {150, 4100, 3}, {50, 1100, 1100}, {13, 7500, 300}, {1, 700, 500}, {4, 300, 300}};
    for (const auto& s : sizes)
        for (bool ta : {false, true})
            for (bool tb : {false, true})
                for (bool acc : {false, true}) expect_matches_naive(Problem(ta, tb, s[0], s[1], s[2]), acc);
}

TEST(Gemm, RowStridesWiderThanRows) {
    for (bool ta : {false, true})
        for (bool tb : {false, true})
            for (bool acc : {false, true}) {
                expect_matches_naive(Problem(ta, tb, 37, 29, 41, 3), acc);
                expect_matches_naive(Problem(ta, tb, 130, 70, 300, 5), acc);
            }
}

TEST(Gemm, EmptySumsAndEmptyOutputs) {
    std::vector<real> A(4, 1), B(4, 1), C = {1, 2, 3, 4};
    gemm(false, false, 2, 2, 0, A.data(), 1, B.data(), 2, C.data(), 2, true);   // adds nothing
    EXPECT_EQ(C, (std::vector<real>{1, 2, 3, 4}));
    gemm(false, false, 2, 2, 0, A.data(), 1, B.data(), 2, C.data(), 2, false);  // an empty sum is 0
    EXPECT_EQ(C, (std::vector<real>{0, 0, 0, 0}));
    C = {1, 2, 3, 4};
    gemm(false, false, 0, 2, 2, A.data(), 2, B.data(), 2, C.data(), 2, false);  // no rows: untouched
    EXPECT_EQ(C, (std::vector<real>{1, 2, 3, 4}));
}

TEST(Gemm, SameBitsForAnyThreadCount) {
    if (!kHaveOpenMP) GTEST_SKIP() << "built without OpenMP (OPENMP=0): one thread only, no thread counts to compare";
    ThreadCount restore;
    // (M, N, K). With N > M the threads split C by columns, otherwise they share row blocks; {600, 600,
    // 1800} is deep enough that the row-block kernel packs op(B) in two spans of K
    const int64_t sizes[][3] = {{768, 65, 128}, {300, 300, 300}, {129, 33, 517}, {128, 384, 768}, {5, 200, 300},
                                {200, 7, 300}, {50, 1100, 1100}, {13, 7500, 300}, {600, 600, 1800}};
    for (const auto& s : sizes) {
        for (bool ta : {false, true}) {
            for (bool tb : {false, true}) {
                Problem p(ta, tb, s[0], s[1], s[2], 1);
                omp_set_num_threads(1);
                std::vector<real> one = p.run(true, true);
                omp_set_num_threads(2);
                std::vector<real> two = p.run(true, true);
                omp_set_num_threads(3);
                std::vector<real> three = p.run(true, true);
                EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(real)));
                EXPECT_EQ(0, std::memcmp(one.data(), three.data(), one.size() * sizeof(real)));
            }
        }
    }
}

TEST(Gemm, BatchedSumsItemsThatShareAnOutput) {
    ThreadCount restore;
    // Four products of (M, K) x (K, N); items 0 and 2 write C0, items 1 and 3 write C1.
    const int64_t M = 9, N = 20, K = 11;
    std::vector<real> A = random_vec(4 * M * K, 1), B = random_vec(2 * K * N, 2), C = random_vec(2 * M * N, 3);
    std::vector<GemmOffsets> items = {{0, 0, 0}, {M * K, K * N, M * N}, {2 * M * K, K * N, 0}, {3 * M * K, 0, M * N}};
    std::vector<real> want = C;   // accumulate=false: the first item of each output overwrites it
    gemm_naive(false, false, M, N, K, &A[0], K, &B[0], N, &want[0], N, false);
    gemm_naive(false, false, M, N, K, &A[size_t(2 * M * K)], K, &B[size_t(K * N)], N, &want[0], N, true);
    gemm_naive(false, false, M, N, K, &A[size_t(M * K)], K, &B[size_t(K * N)], N, &want[size_t(M * N)], N, false);
    gemm_naive(false, false, M, N, K, &A[size_t(3 * M * K)], K, &B[0], N, &want[size_t(M * N)], N, true);
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        std::vector<real> got = C;
        gemm_batched(false, false, M, N, K, A.data(), K, B.data(), N, got.data(), N, false, items);
        for (size_t i = 0; i < got.size(); i++) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
    }
}

TEST(Gemm, BatchedMatchesOneGemmPerItemBitwise) {
    ThreadCount restore;
    // The batch takes either path (one thread per output, or each gemm split across the team);
    // both must give exactly what separate gemm calls give.
    for (int64_t n : {8, 200}) {
        const int64_t M = n, N = n + 3, K = n - 1, batch = 5;
        std::vector<real> A = random_vec(batch * M * K, 4), B = random_vec(batch * K * N, 5);
        std::vector<real> want(size_t(batch * M * N)), got(want.size());
        std::vector<GemmOffsets> items;
        for (int64_t b = 0; b < batch; b++) {
            items.push_back({b * M * K, b * K * N, b * M * N});
            gemm(false, true, M, N, K, &A[size_t(b * M * K)], K, &B[size_t(b * K * N)], K, &want[size_t(b * M * N)], N, false);
        }
        omp_set_num_threads(2);
        gemm_batched(false, true, M, N, K, A.data(), K, B.data(), K, got.data(), N, false, items);
        EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(real))) << "n=" << n;
    }
}
