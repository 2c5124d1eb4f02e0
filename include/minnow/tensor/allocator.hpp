#pragma once
/// A size-bucketed caching allocator for tensor storage: freed blocks are kept and handed out again,
/// so a training step at steady state never goes to the operating system for memory.

#include <cstddef>
#include <cstdint>

namespace minnow::allocator {

/// Every block is aligned to this many bytes (a cache line, and AVX-512's vector width).
inline constexpr std::size_t kAlignment = 64;

/// Counters since the program started (or since reset_stats()).
struct Stats {
    int64_t system_allocations = 0;  ///< blocks obtained from the system allocator (cache misses)
    int64_t cache_hits = 0;          ///< requests served from a cached block
    int64_t bytes_in_use = 0;        ///< bytes of blocks currently held by tensors
    int64_t bytes_cached = 0;        ///< bytes of freed blocks kept for reuse
    int64_t peak_bytes_in_use = 0;   ///< the most bytes_in_use reached
};

/// A block of at least `bytes` bytes, 64-byte aligned. Never returns null (throws std::bad_alloc).
void* allocate(std::size_t bytes);
/// Gives back a block obtained from allocate() with the same `bytes`.
void release(void* block, std::size_t bytes) noexcept;
/// The size of the bucket a request of `bytes` is served from.
std::size_t bucket_size(std::size_t bytes);

///@{
/// The counters, and setting them back to zero.
Stats stats();
void reset_stats();
///@}
/// Freed blocks are kept while the cache holds at most this many bytes (default 256 MiB); beyond
/// it they go back to the system. A training step's blocks fit many times over; the limit keeps
/// one-off large tensors (inference on big batches) from pinning memory.
void set_cache_limit(std::size_t bytes);
/// The current limit, in bytes.
std::size_t cache_limit();
/// Returns every cached block to the system.
void empty_cache();

}  // namespace minnow::allocator
