#pragma once
// What the direct convolution's forward (conv2d_direct.cpp) and backward
// (conv2d_direct_backward.cpp) kernels share: the register block of filters and the window's
// offsets.
//
// An output pixel's block of kBlock = 32 filters is kVecs vectors of the widest width the build
// targets (four 8-float vectors with AVX2, two 16-float ones with AVX-512).
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/conv2d.hpp"
#include "kernels/simd.hpp"

MINNOW_KERNELS_BEGIN

// Filters per register block, as kVecs vectors of kWideLanes floats.
constexpr int64_t kBlock = 32;
constexpr int kVecs = static_cast<int>(kBlock) / kWideLanes;
static_assert(kVecs * kWideLanes == kBlock, "a block is whole vectors");

struct Block {
    vw v[kVecs];
};

MINNOW_KERNEL_INLINE Block load_block(const float* p) {
    Block b;
    for (int i = 0; i < kVecs; ++i) b.v[i] = loadw(p + i * kWideLanes);
    return b;
}
MINNOW_KERNEL_INLINE void store_block(float* p, const Block& b) {
    for (int i = 0; i < kVecs; ++i) storew(p + i * kWideLanes, b.v[i]);
}

// Offsets of the window's values from its top-left, in kernel-row order (kh, kw, c).
MINNOW_KERNEL_INLINE std::array<int64_t, kMaxDirectPatch> window_offsets(const ConvGeometry& g) {
    std::array<int64_t, kMaxDirectPatch> offset{};
    for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw)
            for (int64_t c = 0; c < g.C; ++c) offset[static_cast<size_t>((kh * g.KW + kw) * g.C + c)] = (kh * g.W + kw) * g.C + c;
    return offset;
}

// Whether every window of the convolution lies inside the input (no padding reached).
MINNOW_KERNEL_INLINE bool windows_inside(const ConvGeometry& g) {
    return g.pad_top == 0 && g.pad_left == 0 && (g.OH - 1) * g.stride_h + g.KH <= g.H &&
           (g.OW - 1) * g.stride_w + g.KW <= g.W;
}

// relu, then the maximum of a 2x2 window, for a vector of channels: relu_max_pool_2x2_forward's
// numbers, taking the pixels in its order (top-left, top-right, bottom-left, bottom-right; a later
// one only if greater). With WithCodes, each lane's window code (conv2d.hpp) to codes[0 ..
// kWideLanes). Lane masks, not branches: the scalar loop's compare-and-jump per channel
// mispredicted on about every other value.
template <bool WithCodes>
MINNOW_KERNEL_INLINE vw relu_max_lanes(vw top_left, vw top_right, vw bottom_left, vw bottom_right, uint8_t* codes) {
    vw m = relu_lanes(top_left);
    vwi code{};
    auto take = [&](vw v, int32_t pixel) __attribute__((always_inline)) {
        v = relu_lanes(v);
        if constexpr (WithCodes) code = v > m ? vwi{} + pixel : code;
        m = v > m ? v : m;
    };
    take(top_right, 1);
    take(bottom_left, 2);
    take(bottom_right, 3);
    if constexpr (WithCodes) {
        typedef uint8_t bytes __attribute__((vector_size(kWideLanes)));
        code = m > vw{} ? code : vwi{} + kNoGradient;
#if defined(__AVX512F__)
        const bytes packed = __builtin_convertvector(code, bytes);  // one vpmovdb
#else
        // Each code's low byte (little-endian: every fourth byte): GCC made the conversion to bytes
        // 8 extractions and stores, half the cost of conv1's fused pooling.
        typedef uint8_t lane_bytes __attribute__((vector_size(sizeof(vwi))));
        const auto all = reinterpret_cast<lane_bytes>(code);
        const bytes packed = [&]<size_t... I>(std::index_sequence<I...>) {
            return __builtin_shufflevector(all, all, static_cast<int>(4 * I)...);
        }(std::make_index_sequence<kWideLanes>{});
#endif
        std::memcpy(codes, &packed, sizeof packed);
    }
    return m;
}

MINNOW_KERNELS_END
