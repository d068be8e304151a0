// Storage: 64-byte alignment and the caching allocator's reuse.
#include <gtest/gtest.h>

#include <cstdint>

#include "autograd/tensor.h"

using namespace gs;

TEST(Storage, BuffersAre64ByteAligned) {
    for (int64_t n : {1, 3, 17, 1000, 4097}) {
        Tensor t = Tensor::empty({n});
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u) << "numel " << n;
    }
}

TEST(Storage, FreedBufferIsReusedForTheSameSize) {
    { Tensor warm = Tensor::zeros({12345}); }   // one buffer of this size now sits in the cache
    AllocStats before = alloc_stats();
    for (int i = 0; i < 10; i++) {
        Tensor t = Tensor::zeros({12345});
        t.data()[0] = 1;
    }
    AllocStats after = alloc_stats();
    EXPECT_EQ(after.heap_allocs, before.heap_allocs);
    EXPECT_EQ(after.cache_hits - before.cache_hits, 10);
}

TEST(Storage, BytesInUseFollowLiveTensors) {
    int64_t base = alloc_stats().bytes_in_use;
    {
        Tensor t = Tensor::empty({16});   // 16 floats or doubles, rounded up to 64 bytes
        EXPECT_EQ(alloc_stats().bytes_in_use - base, int64_t((16 * sizeof(real) + 63) / 64 * 64));
    }
    EXPECT_EQ(alloc_stats().bytes_in_use, base);
}

TEST(Storage, ZerosAreZeroEvenWhenTheBufferIsRecycled) {
    { Tensor dirty = Tensor::full({777}, 5); }
    Tensor z = Tensor::zeros({777});
    for (int64_t i = 0; i < z.numel(); i++) ASSERT_EQ(z.data()[i], 0);
}
