#pragma once
/// minnow's own threads, for its kernels and its GEMMs (blas::gemm splits products across them and
/// runs OpenBLAS single-threaded inside each piece).

#include <cstdint>
#include <functional>
#include <utility>

namespace minnow {

/// The most threads set_num_threads accepts.
inline constexpr int kMaxThreads = 256;

/// Sets how many threads minnow's kernels and GEMMs use, 1 to kMaxThreads (ValueError otherwise,
/// Error when the system cannot start them). By default minnow uses MINNOW_NUM_THREADS if set,
/// else OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else every core (at most kMaxThreads).
void set_num_threads(int threads);
/// The thread count minnow's kernels use.
int num_threads();

/// Calls fn(begin, end) on contiguous ranges covering [0, n), in parallel when n is at least
/// `grain` per thread. The split depends only on n and the thread count, so a reduction that
/// combines per-range results in range order gives the same bits every run. Nested calls (from
/// inside fn) run serially.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

/// The ranges parallel_for would use for n items: how many there will be (for per-range buffers).
int64_t parallel_ranges(int64_t n, int64_t grain);

/// Like parallel_for, with fn(range, begin, end): range counts 0 .. parallel_ranges(n, grain) - 1,
/// for results kept per range and combined in order.
void parallel_for_ranges(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int64_t)>& fn);

/// Range r's items [begin, end) when parallel_for_ranges splits n items into `ranges` (as
/// parallel_ranges counted them): for work that keeps to its range of several splits in one job.
std::pair<int64_t, int64_t> parallel_range_bounds(int64_t n, int64_t ranges, int64_t r);

}  // namespace minnow
