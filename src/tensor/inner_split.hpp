#pragma once
// How a product C (M, N) += A (M, K) . B (K, N) is split over K between threads: blocks of rows of
// B, at least kSplitMacs multiply-adds a thread. blas::gemm_split_inner and the Dense layer's own
// tiles (kernels/dense.cpp) split the same products this way, so each core keeps working on the
// rows of W it had: its share of the weight gradient and of the optimizer's update. blas::gemm's
// split by rows uses the same two constants.

#include <algorithm>
#include <cstdint>

namespace minnow::blas {

// Below this many multiply-adds a product is faster on one thread than split.
inline constexpr int64_t kSplitMacs = 1 << 20;
// Splits fall on multiples of OpenBLAS' micro-kernel tile, so no thread gets a ragged edge it
// would not have had anyway.
inline constexpr int64_t kSplitTile = 16;

struct InnerSplit {
    int64_t blocks;  // of kSplitTile rows of B; the last may be short
    int64_t grain;   // blocks a thread takes at least
};

inline InnerSplit inner_split(int64_t M, int64_t N, int64_t K) {
    return {(K + kSplitTile - 1) / kSplitTile, std::max<int64_t>(1, kSplitMacs / std::max<int64_t>(M * N * kSplitTile, 1))};
}

}  // namespace minnow::blas
