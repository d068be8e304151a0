// The caching allocator behind Storage. See storage.h.
#include "autograd/storage.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace gs {

namespace {

struct Cache {
    std::mutex mu;
    std::map<size_t, std::vector<void*>> free_lists;   // bytes -> free buffers of exactly that size
    AllocStats stats{0, 0, 0, 0};
};

Cache& cache() {
    static Cache* c = new Cache();   // never destroyed: tensors may outlive static destructors
    return *c;
}

size_t round_bytes(int64_t numel) {
    size_t bytes = size_t(numel > 0 ? numel : 1) * sizeof(real);
    return (bytes + 63) / 64 * 64;   // aligned_alloc wants a multiple of the alignment
}

void* take(size_t bytes) {
    Cache& c = cache();
    {
        std::lock_guard<std::mutex> lock(c.mu);
        c.stats.bytes_in_use += int64_t(bytes);
        auto it = c.free_lists.find(bytes);
        if (it != c.free_lists.end() && !it->second.empty()) {
            void* p = it->second.back();
            it->second.pop_back();
            c.stats.cache_hits++;
            c.stats.bytes_cached -= int64_t(bytes);
            return p;
        }
        c.stats.heap_allocs++;
    }
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    return p;
}

// Runs in Storage's destructor, so it must not throw: if the free list cannot grow (out of memory),
// the buffer goes straight back to the system instead.
void give_back(void* p, size_t bytes) noexcept {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    c.stats.bytes_in_use -= int64_t(bytes);
    try {
        c.free_lists[bytes].push_back(p);
        c.stats.bytes_cached += int64_t(bytes);
    } catch (const std::bad_alloc&) {
        std::free(p);
    }
}

}  // namespace

Storage::Storage(int64_t n) : data(static_cast<real*>(take(round_bytes(n)))), numel(n) {}

Storage::~Storage() { give_back(data, round_bytes(numel)); }

std::shared_ptr<Storage> new_storage(int64_t numel, bool zero) {
    auto s = std::make_shared<Storage>(numel);
    if (!zero) return s;
    // Zeroing is most of what a backward pass spends outside its kernels (every grad buffer starts at
    // zero), so large buffers are cleared by the whole team, a chunk per thread at a time.
    constexpr int64_t kChunk = 1 << 14;
    const int64_t chunks = (numel + kChunk - 1) / kChunk;
#pragma omp parallel for if (chunks >= 4)
    for (int64_t i = 0; i < chunks; i++)
        std::memset(s->data + i * kChunk, 0, size_t(std::min(kChunk, numel - i * kChunk)) * sizeof(real));
    return s;
}

AllocStats alloc_stats() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    return c.stats;
}

void empty_cache() {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    for (const auto& kv : c.free_lists)
        for (void* p : kv.second) std::free(p);
    c.free_lists.clear();
    c.stats.bytes_cached = 0;
}

}  // namespace gs
