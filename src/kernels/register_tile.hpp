#pragma once
// The register tile of minnow's own GEMM kernels (the implicit-GEMM convolution, the Dense layer's
// products at a training batch): 6 rows x 2 of the widest vectors (16 columns with AVX2, 32 with
// AVX-512). 12 accumulators, two B vectors and a broadcast fill AVX2's 16 registers; the same tile
// in zmm registers does twice the work per load. Defined inside a kernels region so that each
// instruction-set copy of a kernel gets its own (kernels/isa.hpp).
#include <algorithm>
#include <cstdint>

#include "kernels/simd.hpp"

MINNOW_KERNELS_BEGIN

namespace tile {

inline constexpr int kRows = 6;
inline constexpr int kCols = 2 * kWideLanes;
inline constexpr int kHalf = kWideLanes;  // a tile row's second vector starts here

struct Tile {
    vw c[kRows][2];
};

// t[r] += a(i, r) * b[i] over i < count; b's rows of kCols floats are `b_stride` apart.
template <class RowValue>
MINNOW_KERNEL_INLINE void accumulate(Tile& t, int64_t count, const float* __restrict b, int64_t b_stride, RowValue a) {
    for (int64_t i = 0; i < count; ++i) {
        const vw b0 = loadw(b + i * b_stride), b1 = loadw(b + i * b_stride + kHalf);
#pragma GCC unroll 6
        for (int r = 0; r < kRows; ++r) {
            const float v = a(i, r);
            t.c[r][0] += v * b0;
            t.c[r][1] += v * b1;
        }
    }
}

// t = 0, register by register: `Tile t{}` became a call to memset of the tile on the stack and a
// reload of it, in every tile of the dW and dx loops (1.5% of W2's training step).
MINNOW_KERNEL_INLINE void zero(Tile& t) {
    for (int r = 0; r < kRows; ++r) t.c[r][0] = vw{}, t.c[r][1] = vw{};
}

// Every row of t from the same kCols floats (a bias).
MINNOW_KERNEL_INLINE void fill(Tile& t, const float* row) {
    for (int r = 0; r < kRows; ++r) t.c[r][0] = loadw(row), t.c[r][1] = loadw(row + kHalf);
}
MINNOW_KERNEL_INLINE void load(Tile& t, float* const rows[kRows]) {
    for (int r = 0; r < kRows; ++r) t.c[r][0] = loadw(rows[r]), t.c[r][1] = loadw(rows[r] + kHalf);
}
MINNOW_KERNEL_INLINE void store(const Tile& t, float* const rows[kRows]) {
    for (int r = 0; r < kRows; ++r) storew(rows[r], t.c[r][0]), storew(rows[r] + kHalf, t.c[r][1]);
}
// The same for a panel's first `cols` columns, when the column count leaves the last panel partial.
MINNOW_KERNEL_INLINE void load(Tile& t, float* const rows[kRows], int cols) {
    if (cols == kCols) return load(t, rows);
    for (int r = 0; r < kRows; ++r) {
        float part[kCols] = {};
        std::copy_n(rows[r], cols, part);
        t.c[r][0] = loadw(part), t.c[r][1] = loadw(part + kHalf);
    }
}
MINNOW_KERNEL_INLINE void store(const Tile& t, float* const rows[kRows], int cols) {
    if (cols == kCols) return store(t, rows);
    for (int r = 0; r < kRows; ++r) {
        float part[kCols];
        storew(part, t.c[r][0]), storew(part + kHalf, t.c[r][1]);
        std::copy_n(part, cols, rows[r]);
    }
}
MINNOW_KERNEL_INLINE void add_into(const Tile& t, float* const rows[kRows]) {
    for (int r = 0; r < kRows; ++r)
        storew(rows[r], loadw(rows[r]) + t.c[r][0]), storew(rows[r] + kHalf, loadw(rows[r] + kHalf) + t.c[r][1]);
}

}  // namespace tile

MINNOW_KERNELS_END
