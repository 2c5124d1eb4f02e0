// Direct convolution for small patches (conv1's 3x3x1 = 9): vectorized over the filters, a block
// of 32 at a time in registers, with no im2col buffer.
//
// The register layout. An output pixel's block of kBlock = 32 filters is four 8-float vectors,
// a0..a3 = filters [k0, k0 + 8), [k0 + 8, k0 + 16), [k0 + 16, k0 + 24), [k0 + 24, k0 + 32). Each
// window value x multiplies kernel row j (the 32 weights W[j, k0 .. k0 + 32), also four vectors)
// into them: a_v += x * W[j, k0 + 8v ..]. Two pixels side by side (direct_pair32) keep a second
// set b0..b3, so each kernel row loaded serves 8 FMAs, not 4; with the 8 weight and accumulator
// vectors that is 12 of AVX2's 16 registers, leaving room for the two broadcast x values. dW's
// tile (dw_rows32) turns it around: J kernel rows x the 4 vectors of a dy row.
#include <algorithm>
#include <array>
#include <vector>

#include "kernels/conv2d.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Filters per register block: four 8-float vectors (see the layout above).
constexpr int64_t kBlock = 32;
// Pixels whose windows one dW tile gathers before its products (rows of `rows` in direct_dw_tile).
constexpr int64_t kDwTile = 64;

// Filters [k0, k0 + 32) of one pixel, any position (taps in the padding are skipped).
void direct_pixel32(const float* x, const float* w, const float* b, const ConvGeometry& g, int64_t n, int64_t oh,
                    int64_t ow, int64_t k0, float* out) {
    v8 a0{}, a1{}, a2{}, a3{};
    if (b != nullptr) a0 = load8(b + k0), a1 = load8(b + k0 + 8), a2 = load8(b + k0 + 16), a3 = load8(b + k0 + 24);
    for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
        for (int64_t c = 0; c < g.C; ++c) {
            const float xv = x[in + c];
            const float* wr = w + (tap * g.C + c) * g.K + k0;
            a0 += xv * load8(wr), a1 += xv * load8(wr + 8), a2 += xv * load8(wr + 16), a3 += xv * load8(wr + 24);
        }
    });
    store8(out + k0, a0), store8(out + k0 + 8, a1), store8(out + k0 + 16, a2), store8(out + k0 + 24, a3);
}

// Filters [k0, k0 + 32) of two neighbouring pixels whose windows lie inside the input: each kernel
// row is loaded once for both. x0 and x1 point at the windows' top-left values; window value j
// (kernel row j) sits at offset[j].
void direct_pair32(const float* x0, const float* x1, const int64_t* offset, int64_t patch, const float* w, int64_t K,
                   const float* b, int64_t k0, float* out0, float* out1) {
    v8 a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
    if (b != nullptr) {
        a0 = b0 = load8(b + k0), a1 = b1 = load8(b + k0 + 8);
        a2 = b2 = load8(b + k0 + 16), a3 = b3 = load8(b + k0 + 24);
    }
    for (int64_t j = 0; j < patch; ++j) {
        const float* wr = w + j * K + k0;
        const v8 w0 = load8(wr), w1 = load8(wr + 8), w2 = load8(wr + 16), w3 = load8(wr + 24);
        const float xa = x0[offset[j]], xb = x1[offset[j]];
        a0 += xa * w0, a1 += xa * w1, a2 += xa * w2, a3 += xa * w3;
        b0 += xb * w0, b1 += xb * w1, b2 += xb * w2, b3 += xb * w3;
    }
    store8(out0 + k0, a0), store8(out0 + k0 + 8, a1), store8(out0 + k0 + 16, a2), store8(out0 + k0 + 24, a3);
    store8(out1 + k0, b0), store8(out1 + k0 + 8, b1), store8(out1 + k0 + 16, b2), store8(out1 + k0 + 24, b3);
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

// Offsets of the window's values from its top-left, in kernel-row order (kh, kw, c).
std::array<int64_t, kMaxDirectPatch> window_offsets(const ConvGeometry& g) {
    std::array<int64_t, kMaxDirectPatch> offset{};
    for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw)
            for (int64_t c = 0; c < g.C; ++c) offset[static_cast<size_t>((kh * g.KW + kw) * g.C + c)] = (kh * g.W + kw) * g.C + c;
    return offset;
}

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_direct_forward)
void conv2d_direct_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    MINNOW_DISPATCH(conv2d_direct_forward, x, w, b, g, y);
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    const int64_t blocks = g.K / kBlock * kBlock;
    auto col_inside = [&](int64_t ow) {
        const int64_t iw = ow * g.stride_w - g.pad_left;
        return iw >= 0 && iw + g.KW <= g.W;
    };
    parallel_for(g.N * g.OH, 4, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / g.OH, oh = r % g.OH, ih = oh * g.stride_h - g.pad_top;
            const bool row_inside = ih >= 0 && ih + g.KH <= g.H;
            float* out_row = y + r * g.OW * g.K;
            int64_t ow = 0;
            while (ow < g.OW) {
                float* out = out_row + ow * g.K;
                if (row_inside && ow + 1 < g.OW && col_inside(ow) && col_inside(ow + 1)) {
                    const float* x0 = x + ((n * g.H + ih) * g.W + ow * g.stride_w - g.pad_left) * g.C;
                    const float* x1 = x0 + g.stride_w * g.C;
                    for (int64_t k0 = 0; k0 < blocks; k0 += kBlock)
                        direct_pair32(x0, x1, offset.data(), g.patch(), w, g.K, b, k0, out, out + g.K);
                    if (blocks < g.K) {
                        direct_pixel_any(x, w, b, g, n, oh, ow, blocks, out);
                        direct_pixel_any(x, w, b, g, n, oh, ow + 1, blocks, out + g.K);
                    }
                    ow += 2;
                    continue;
                }
                for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) direct_pixel32(x, w, b, g, n, oh, ow, k0, out);
                if (blocks < g.K) direct_pixel_any(x, w, b, g, n, oh, ow, blocks, out);
                ++ow;
            }
        }
    });
}

namespace {

// Kernel rows [j0, j0 + J) (and filters [k0, k0 + 32)) summed over a tile of pixels: rows[i] holds
// pixel i's window values, dy_tile its 32 gradients. J rows x 4 vectors of accumulators stay in
// registers while each dy row is loaded once.
template <int J>
void dw_rows32(const float* rows, int64_t width, const float* dy_tile, int64_t K, int64_t tile, int64_t j0, int64_t k0,
               float* dw) {
    v8 acc[J][4] = {};
    for (int64_t i = 0; i < tile; ++i) {
        const float* gr = dy_tile + i * K + k0;
        const v8 g0 = load8(gr), g1 = load8(gr + 8), g2 = load8(gr + 16), g3 = load8(gr + 24);
        for (int jj = 0; jj < J; ++jj) {
            const float xv = rows[i * width + j0 + jj];
            acc[jj][0] += xv * g0, acc[jj][1] += xv * g1, acc[jj][2] += xv * g2, acc[jj][3] += xv * g3;
        }
    }
    for (int jj = 0; jj < J; ++jj) {
        float* d = dw + (j0 + jj) * K + k0;
        for (int v = 0; v < 4; ++v) store8(d + 8 * v, load8(d + 8 * v) + acc[jj][v]);
    }
}

// dW (and db) of pixels [p0, p0 + tile), added into dwb: the tile's windows are gathered into
// `rows` (zero where a tap falls in the padding), with a final column of ones when db is wanted,
// so db is one more kernel row: dwb is (patch [+ 1], K).
void direct_dw_tile(const float* x, const float* dy, const ConvGeometry& g, const int64_t* offset, int64_t p0,
                    int64_t tile, bool with_db, std::vector<float>& rows, float* dwb) {
    const int64_t K = g.K, C = g.C, patch = g.patch(), width = patch + (with_db ? 1 : 0);
    // The tile's pixels are consecutive: divide once for the first, then step (three divisions a
    // pixel cost more than gathering its window).
    int64_t n = p0 / (g.OW * g.OH), oh = p0 / g.OW % g.OH, ow = p0 % g.OW;
    for (int64_t i = 0; i < tile; ++i, ++ow) {
        if (ow == g.OW) ow = 0, ++oh;
        if (oh == g.OH) oh = 0, ++n;
        const int64_t ih = oh * g.stride_h - g.pad_top, iw = ow * g.stride_w - g.pad_left;
        float* row = rows.data() + i * width;
        if (ih >= 0 && ih + g.KH <= g.H && iw >= 0 && iw + g.KW <= g.W) {
            const float* x0 = x + ((n * g.H + ih) * g.W + iw) * C;
            for (int64_t j = 0; j < patch; ++j) row[j] = x0[offset[j]];
        } else {
            std::fill(row, row + patch, 0.0f);
            for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
                for (int64_t c = 0; c < C; ++c) row[tap * C + c] = x[in + c];
            });
        }
        if (with_db) row[width - 1] = 1.0f;
    }
    const float* dy_tile = dy + p0 * K;
    const int64_t blocks = K / kBlock * kBlock;
    for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) {
        int64_t j0 = 0;
        for (; j0 + 3 <= width; j0 += 3) dw_rows32<3>(rows.data(), width, dy_tile, K, tile, j0, k0, dwb);
        for (; j0 < width; ++j0) dw_rows32<1>(rows.data(), width, dy_tile, K, tile, j0, k0, dwb);
    }
    for (int64_t j = 0; j < width; ++j)
        for (int64_t k = blocks; k < K; ++k) {
            float acc = 0.0f;
            for (int64_t i = 0; i < tile; ++i) acc += rows[static_cast<size_t>(i * width + j)] * dy_tile[i * K + k];
            dwb[j * K + k] += acc;
        }
}

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_direct_backward)
void conv2d_direct_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                            const ConvGrads& out) {
    MINNOW_DISPATCH(conv2d_direct_backward, x, w, dy, g, out);
    const int64_t K = g.K, C = g.C, P = g.rows();
    float* dw = out.dw;
    float* db = out.db;
    float* dx = out.dx;
    const int64_t tiles = (P + kDwTile - 1) / kDwTile;
    if (dw != nullptr || db != nullptr) {
        // Each thread sums its tiles into its own (dW; db) rows; the partials are added in order.
        const bool with_db = db != nullptr;
        const int64_t w_size = g.patch() * K, width = g.patch() + (with_db ? 1 : 0);
        const int64_t ranges = parallel_ranges(tiles, 4);
        std::vector<float> partial(static_cast<size_t>(ranges * width * K), 0.0f);
        const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
        parallel_for_ranges(tiles, 4, [&](int64_t r, int64_t begin, int64_t end) {
            std::vector<float> rows(static_cast<size_t>(kDwTile * width));
            for (int64_t tile = begin; tile < end; ++tile) {
                const int64_t p0 = tile * kDwTile;
                direct_dw_tile(x, dy, g, offset.data(), p0, std::min(kDwTile, P - p0), with_db, rows,
                               partial.data() + r * width * K);
            }
        });
        for (int64_t r = 0; r < ranges; ++r) {
            const float* part = partial.data() + r * width * K;
            if (dw != nullptr && r == 0 && out.assign_dw) std::copy_n(part, w_size, dw);
            else if (dw != nullptr)
                for (int64_t i = 0; i < w_size; ++i) dw[i] += part[i];
            if (db != nullptr)
                for (int64_t k = 0; k < K; ++k) db[k] += part[w_size + k];
        }
    }
    if (dx == nullptr) return;
    // By image: one image's taps overlap each other, never another image's.
    parallel_for(g.N, 1, [&](int64_t n_begin, int64_t n_end) {
        for (int64_t n = n_begin; n < n_end; ++n) {
            if (out.assign_dx) std::fill(dx + n * g.H * g.W * C, dx + (n + 1) * g.H * g.W * C, 0.0f);
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    const float* g_row = dy + ((n * g.OH + oh) * g.OW + ow) * K;
                    for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
                        for (int64_t c = 0; c < C; ++c) {
                            const float* wr = w + (tap * C + c) * K;
                            float acc = 0.0f;
                            for (int64_t k = 0; k < K; ++k) acc += wr[k] * g_row[k];
                            dx[in + c] += acc;
                        }
                    });
                }
        }
    });
}

MINNOW_KERNELS_END
