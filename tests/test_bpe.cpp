// Byte-pair encoding (gpt/bpe.h): the merge step.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "gpt/bpe.h"

using namespace gs::gpt;
using Ids = std::vector<int32_t>;

// ---- bpe_merge: one merge step ----

TEST(BpeMerge, ReplacesEveryOccurrenceOfThePair) {
    EXPECT_EQ(bpe_merge({1, 2, 3, 1, 2}, 1, 2, 256), (Ids{256, 3, 256}));
    EXPECT_EQ(bpe_merge({5, 1, 2, 1, 2, 5}, 1, 2, 300), (Ids{5, 300, 300, 5}));
}

TEST(BpeMerge, PairOrderMatters) {
    // (2, 1) is not (1, 2): only the adjacent 2 then 1 in the middle is merged
    EXPECT_EQ(bpe_merge({1, 2, 1, 2}, 2, 1, 9), (Ids{1, 9, 2}));
}

TEST(BpeMerge, ScansLeftToRightWithoutOverlap) {
    // 7 7 7: the first two merge, the third has no partner left
    EXPECT_EQ(bpe_merge({7, 7, 7}, 7, 7, 9), (Ids{9, 7}));
    EXPECT_EQ(bpe_merge({7, 7, 7, 7}, 7, 7, 9), (Ids{9, 9}));
    EXPECT_EQ(bpe_merge({7, 7, 7, 7, 7}, 7, 7, 9), (Ids{9, 9, 7}));
    // 1 1 2: scanning from the left, (1, 1) is not the pair (1, 2), so the second 1 pairs with the 2
    EXPECT_EQ(bpe_merge({1, 1, 2}, 1, 2, 9), (Ids{1, 9}));
}

TEST(BpeMerge, NothingToMergeLeavesTheIdsAlone) {
    EXPECT_EQ(bpe_merge({}, 1, 2, 9), Ids{});
    EXPECT_EQ(bpe_merge({1}, 1, 2, 9), (Ids{1}));
    EXPECT_EQ(bpe_merge({2, 1}, 1, 2, 9), (Ids{2, 1}));
    EXPECT_EQ(bpe_merge({3, 4, 5}, 1, 2, 9), (Ids{3, 4, 5}));
    // a pair split across the end is not a pair
    EXPECT_EQ(bpe_merge({3, 1}, 1, 2, 9), (Ids{3, 1}));
}

TEST(BpeMerge, NewIdMayEqualAnExistingIdInTheInput) {
    // the function only rewrites the pair; it does not care what new_id already means
    EXPECT_EQ(bpe_merge({4, 1, 2, 4}, 1, 2, 4), (Ids{4, 4, 4}));
}
