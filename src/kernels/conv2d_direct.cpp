// Direct convolution for small patches (conv1's 3x3x1 = 9), forward: vectorized over the
// filters, a block of 32 at a time in registers, with no im2col buffer (conv2d_direct_block.hpp).
// Each window value x multiplies kernel row j (the 32 weights W[j, k0 .. k0 + 32)) into the
// block. kPixels pixels side by side (direct_run) keep a set of accumulators each, so each kernel
// row loaded serves 8 vector FMAs: 2 pixels x 4 vectors in AVX2's 16 registers, 4 x 2 in
// AVX-512's. (Builds with AVX2 run conv1's own shape with the kernel in registers instead:
// conv2d_resident.cpp.) Every output sums its terms in the same order, so the results do not
// depend on the width.
#include <algorithm>
#include <array>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/conv2d_direct_block.hpp"
#include "kernels/conv2d_resident.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Pixels computed side by side: 8 accumulators with AVX2's 16 registers and AVX-512's 32.
constexpr int kPixels = 8 / kVecs;

// Filters [k0, k0 + 32) of one pixel, any position (taps in the padding are skipped).
void direct_pixel32(const float* x, const float* w, const float* b, const ConvGeometry& g, int64_t n, int64_t oh,
                    int64_t ow, int64_t k0, float* out) {
    Block a{};
    if (b != nullptr) a = load_block(b + k0);
    for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
        for (int64_t c = 0; c < g.C; ++c) {
            const float xv = x[in + c];
            const Block wr = load_block(w + (tap * g.C + c) * g.K + k0);
            for (int i = 0; i < kVecs; ++i) a.v[i] += xv * wr.v[i];
        }
    });
    store_block(out + k0, a);
}

// Filters [k0, k0 + 32) of a run of `pixels` >= kPixels neighbouring pixels whose windows lie
// inside the input, kPixels at a time: each kernel row loaded serves them all. x0 points at the
// first window's top-left value, the next windows start `step` floats further each; window value j
// (kernel row j) sits at offset[j]. Output pixel p goes to out + p * K. The group that ends at the
// run's end may compute some pixels a second time, to the same values. One call a run, not a
// group: a group of 2 pixels (AVX2) is 72 FMAs for conv1, and a call per group spent as long
// again setting up its accumulators (copies of a bias block through the stack).
void direct_run(const float* x0, int64_t step, const int64_t* offset, int64_t patch, int64_t pixels, const float* w,
                int64_t K, const float* b, int64_t k0, float* out) {
    for (int64_t p0 = 0; p0 < pixels; p0 += kPixels) {
        const int64_t q = std::min(p0, pixels - kPixels);
        const float* xq = x0 + q * step;
        vw a[kPixels][kVecs];
        for (int p = 0; p < kPixels; ++p)
            for (int i = 0; i < kVecs; ++i) a[p][i] = b != nullptr ? loadw(b + k0 + i * kWideLanes) : vw{};
        // Not unrolled: GCC 12 then hoists later taps' weight loads and spills the accumulators.
#pragma GCC unroll 1
        for (int64_t j = 0; j < patch; ++j) {
            const float* wj = w + j * K + k0;
#pragma GCC unroll 4
            for (int p = 0; p < kPixels; ++p) {
                const float xv = xq[p * step + offset[j]];
                for (int i = 0; i < kVecs; ++i) a[p][i] += xv * loadw(wj + i * kWideLanes);
            }
        }
        for (int p = 0; p < kPixels; ++p)
            for (int i = 0; i < kVecs; ++i) storew(out + (q + p) * K + k0 + i * kWideLanes, a[p][i]);
    }
}

// Any filter range, one accumulator at a time (the tail after the blocks of 32).
void direct_pixel_any(const float* x, const float* w, const float* b, const ConvGeometry& g, int64_t n, int64_t oh,
                      int64_t ow, int64_t k0, float* out) {
    for (int64_t k = k0; k < g.K; ++k) {
        float acc = b != nullptr ? b[k] : 0.0f;
        for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
            for (int64_t c = 0; c < g.C; ++c) acc += x[in + c] * w[(tap * g.C + c) * g.K + k];
        });
        out[k] = acc;
    }
}

// Output row (n, oh): the run of pixels whose windows lie inside the input in one direct_run a
// block of filters, the pixels over the padding one at a time.
void direct_row(const float* x, const float* w, const float* b, const ConvGeometry& g, const int64_t* offset,
                int64_t n, int64_t oh, float* out_row) {
    const int64_t blocks = g.K / kBlock * kBlock, ih = oh * g.stride_h - g.pad_top;
    const bool row_inside = ih >= 0 && ih + g.KH <= g.H;
    auto col_inside = [&](int64_t ow) {
        const int64_t iw = ow * g.stride_w - g.pad_left;
        return iw >= 0 && iw + g.KW <= g.W;
    };
    // The window's column grows with ow, so the pixels inside are one run [first, last).
    int64_t first = 0, last = 0;
    if (row_inside) {
        while (first < g.OW && !col_inside(first)) ++first;
        last = first;
        while (last < g.OW && col_inside(last)) ++last;
        if (last - first < kPixels) first = last = 0;
    }
    if (last > first) {
        const float* x0 = x + ((n * g.H + ih) * g.W + first * g.stride_w - g.pad_left) * g.C;
        float* out = out_row + first * g.K;
        const int64_t step = g.stride_w * g.C, pixels = last - first;
        for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) direct_run(x0, step, offset, g.patch(), pixels, w, g.K, b, k0, out);
        if (blocks < g.K)
            for (int64_t ow = first; ow < last; ++ow) direct_pixel_any(x, w, b, g, n, oh, ow, blocks, out_row + ow * g.K);
    }
    for (int64_t ow = 0; ow < g.OW; ++ow) {
        if (ow == first && last > first) ow = last;
        if (ow >= g.OW) break;
        float* out = out_row + ow * g.K;
        for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) direct_pixel32(x, w, b, g, n, oh, ow, k0, out);
        if (blocks < g.K) direct_pixel_any(x, w, b, g, n, oh, ow, blocks, out);
    }
}

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_direct_forward)
void conv2d_direct_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    MINNOW_DISPATCH(conv2d_direct_forward, x, w, b, g, y);
#if MINNOW_KERNEL_HAS_AVX2
    if (use_resident(g)) return conv2d_resident_forward(x, w, b, g, y);
#endif
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    parallel_for(g.N * g.OH, 4, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) direct_row(x, w, b, g, offset.data(), r / g.OH, r % g.OH, y + r * g.OW * g.K);
    });
}

namespace {

// One pooled output row's K channels of each window from the two convolution rows under it, in
// relu_max_pool_2x2_forward's order (relu_max_lanes), a vector of channels at a time. With WithCodes, each maximum's code in `window` (conv2d.hpp).
template <bool WithCodes>
void pool_row(const float* top, const float* bottom, int64_t PW, int64_t K, float* y, uint8_t* window) {
    const int64_t vectors = K / kWideLanes * kWideLanes;
    for (int64_t pw = 0; pw < PW; ++pw) {
        const int64_t at = 2 * pw * K;
        float* out = y + pw * K;
        uint8_t* code = WithCodes ? window + pw * K : nullptr;
        for (int64_t k = 0; k < vectors; k += kWideLanes)
            storew(out + k, relu_max_lanes<WithCodes>(loadw(top + at + k), loadw(top + at + K + k), loadw(bottom + at + k),
                                                      loadw(bottom + at + K + k), WithCodes ? code + k : nullptr));
        if (vectors < K) {  // the last channels through a vector's worth of copies
            const int64_t rest = K - vectors;
            float part[4][kWideLanes] = {}, m[kWideLanes];
            uint8_t codes[kWideLanes];
            for (int i = 0; const float* from : {top + at, top + at + K, bottom + at, bottom + at + K})
                std::copy_n(from + vectors, rest, part[i++]);
            storew(m, relu_max_lanes<WithCodes>(loadw(part[0]), loadw(part[1]), loadw(part[2]), loadw(part[3]), codes));
            std::copy_n(m, rest, out + vectors);
            if constexpr (WithCodes) std::copy_n(codes, rest, code + vectors);
        }
    }
}

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_direct_relu_max_pool_forward)
void conv2d_direct_relu_max_pool_forward(const float* x, const float* w, const float* b, const ConvGeometry& g,
                                         float* y, uint8_t* window) {
    MINNOW_DISPATCH(conv2d_direct_relu_max_pool_forward, x, w, b, g, y, window);
#if MINNOW_KERNEL_HAS_AVX2
    if (use_resident(g)) return conv2d_resident_relu_max_pool_forward(x, w, b, g, y, window);
#endif
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    const int64_t PH = g.OH / 2, PW = g.OW / 2, K = g.K, row = g.OW * K;
    parallel_for(g.N * PH, 2, [&](int64_t begin, int64_t end) {
        // The two convolution rows under a row of windows, while they are in L1.
        std::vector<float> rows(static_cast<size_t>(2 * row));
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / PH, ph = r % PH;
            direct_row(x, w, b, g, offset.data(), n, 2 * ph, rows.data());
            direct_row(x, w, b, g, offset.data(), n, 2 * ph + 1, rows.data() + row);
            float* out = y + r * PW * K;
            if (window != nullptr) pool_row<true>(rows.data(), rows.data() + row, PW, K, out, window + r * PW * K);
            else pool_row<false>(rows.data(), rows.data() + row, PW, K, out, nullptr);
        }
    });
}

MINNOW_KERNELS_END
