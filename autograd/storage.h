// Memory for tensors: 64-byte-aligned buffers from a caching allocator.
// A freed buffer goes back to a free list keyed by its size, and the next request of that size reuses
// it, so a training loop that makes the same tensors every step stops touching the heap after the
// first step. alloc_stats() counts real heap allocations so a test can check exactly that.
// Not here: the tensor's shape or autograd (tensor.h).
#pragma once
#include <cstdint>
#include <memory>

#include "autograd/real.h"

namespace gs {

// A buffer of `numel` reals, freed back to the cache when the last Tensor sharing it goes away.
struct Storage {
    real* data;       // (numel,), 64-byte aligned
    int64_t numel;
    explicit Storage(int64_t n);   // uninitialised contents
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
};

std::shared_ptr<Storage> new_storage(int64_t numel, bool zero);

struct AllocStats {
    int64_t heap_allocs;    // buffers obtained from the system, ever
    int64_t cache_hits;     // requests served from the free lists
    int64_t bytes_in_use;   // held by live tensors
    int64_t bytes_cached;   // sitting in the free lists
};
AllocStats alloc_stats();

// Gives every cached buffer back to the system.
void empty_cache();

}  // namespace gs
