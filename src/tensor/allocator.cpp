#include "minnow/tensor/allocator.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>
#include <vector>

namespace minnow::allocator {

namespace {

// Buckets are 4 per power of two (sizes 2^k * {1, 1.25, 1.5, 1.75}), so a block wastes at most 25%.
constexpr int kSubBuckets = 4;

// A free block and the thread that released it, most likely the one whose cache still holds it.
// A thread takes back a block it released itself when one is among the last few of its size: when
// two threads each ran a part of predict's chunk, a block that went from one to the other had its
// lines fetched from the other core on every write (W1-BN predict at 2 threads, parts gathered on
// each thread: 1.32-1.39M samples/s taking blocks back, 1.23-1.29M without, one run interleaved).
constexpr std::ptrdiff_t kOwnBlockSearch = 8;

struct FreeBlock {
    void* block;
    std::thread::id released_by;
};

struct Cache {
    std::mutex mutex;
    std::unordered_map<std::size_t, std::vector<FreeBlock>> free_blocks;
    Stats stats;
    std::size_t limit = std::size_t{256} << 20;
};

Cache& cache() {
    // Leaked on purpose: tensors in static storage may be destroyed after any static cache would be.
    static Cache* c = new Cache();
    return *c;
}

}  // namespace

std::size_t bucket_size(std::size_t bytes) {
    if (bytes <= kAlignment) return kAlignment;
    const auto top = static_cast<int>(std::bit_width(bytes - 1)) - 1;  // bytes - 1 >= 2^top
    if (top < 3) return kAlignment;
    const std::size_t step = (std::size_t{1} << top) / kSubBuckets;
    const std::size_t rounded = (bytes + step - 1) / step * step;
    return (rounded + kAlignment - 1) / kAlignment * kAlignment;
}

void* allocate(std::size_t bytes) {
    const std::size_t size = bucket_size(bytes);
    Cache& c = cache();
    {
        std::lock_guard lock(c.mutex);
        auto it = c.free_blocks.find(size);
        if (it != c.free_blocks.end() && !it->second.empty()) {
            std::vector<FreeBlock>& blocks = it->second;
            const std::thread::id self = std::this_thread::get_id();
            const auto searched = blocks.rbegin() + std::min<std::ptrdiff_t>(kOwnBlockSearch, std::ssize(blocks));
            const auto mine = std::find_if(blocks.rbegin(), searched, [&](const FreeBlock& b) { return b.released_by == self; });
            const auto taken = mine != searched ? std::prev(mine.base()) : std::prev(blocks.end());
            void* block = taken->block;
            blocks.erase(taken);
            c.stats.cache_hits++;
            c.stats.bytes_cached -= static_cast<int64_t>(size);
            c.stats.bytes_in_use += static_cast<int64_t>(size);
            if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
            return block;
        }
        c.stats.system_allocations++;
        c.stats.bytes_in_use += static_cast<int64_t>(size);
        if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
    }
    void* block = std::aligned_alloc(kAlignment, size);
    if (block == nullptr) {
        empty_cache();
        block = std::aligned_alloc(kAlignment, size);
        if (block == nullptr) throw std::bad_alloc();
    }
    return block;
}

void release(void* block, std::size_t bytes) noexcept {
    if (block == nullptr) return;
    const std::size_t size = bucket_size(bytes);
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    if (static_cast<std::size_t>(c.stats.bytes_cached) + size > c.limit) {
        std::free(block);
        c.stats.bytes_in_use -= static_cast<int64_t>(size);
        return;
    }
    try {
        c.free_blocks[size].push_back({block, std::this_thread::get_id()});
    } catch (...) {
        std::free(block);  // no room to remember it: give it back instead
        c.stats.bytes_in_use -= static_cast<int64_t>(size);
        return;
    }
    c.stats.bytes_in_use -= static_cast<int64_t>(size);
    c.stats.bytes_cached += static_cast<int64_t>(size);
}

Stats stats() {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    return c.stats;
}

void reset_stats() {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    c.stats.system_allocations = 0;
    c.stats.cache_hits = 0;
    c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
}

void set_cache_limit(std::size_t bytes) {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    c.limit = bytes;
}

std::size_t cache_limit() {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    return c.limit;
}

void empty_cache() {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    for (auto& [size, blocks] : c.free_blocks) {
        for (const FreeBlock& b : blocks) std::free(b.block);
        c.stats.bytes_cached -= static_cast<int64_t>(size * blocks.size());
        blocks.clear();
    }
}

}  // namespace minnow::allocator
