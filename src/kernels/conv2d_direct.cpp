// Direct convolution for small patches (conv1's 3x3x1 = 9): vectorized over the filters, a block
// of 32 at a time in registers, with no im2col buffer.
//
// The register layout. An output pixel's block of kBlock = 32 filters is kVecs vectors of the
// widest width the build targets (four 8-float vectors with AVX2, two 16-float ones with AVX-512).
// Each window value x multiplies kernel row j (the 32 weights W[j, k0 .. k0 + 32)) into them.
// kPixels pixels side by side (direct_run) keep a set of accumulators each, so each kernel row
// loaded serves 8 vector FMAs: 2 pixels x 4 vectors in AVX2's 16 registers, 4 x 2 in AVX-512's.
// dW's tile (dw_rows) turns it around: J kernel rows x the kVecs vectors of a dy row, J = 3 with
// AVX2 and 5 with AVX-512 (conv1's 9 rows in two passes, not three), reading the window values
// where they lie in x; db is a pass of its own over the same dy rows. Every output still sums its
// terms in the same order, so the results do not depend on the width.
#include <algorithm>
#include <array>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Filters per register block (see the layout above), as kVecs vectors of kWideLanes floats.
constexpr int64_t kBlock = 32;
constexpr int kVecs = static_cast<int>(kBlock) / kWideLanes;
static_assert(kVecs * kWideLanes == kBlock, "a block is whole vectors");
// Pixels computed side by side, and dW's kernel rows per pass: 8 and 3 x 4 accumulators with
// AVX2's 16 registers, 8 and 5 x 2 of AVX-512's 32.
constexpr int kPixels = 8 / kVecs;
constexpr int kDwRows = kVecs == 2 ? 5 : 3;
// Pixels in one dW tile (their dy rows stay in L1 across the tile's passes).
constexpr int64_t kDwTile = 64;

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

// Offsets of the window's values from its top-left, in kernel-row order (kh, kw, c).
std::array<int64_t, kMaxDirectPatch> window_offsets(const ConvGeometry& g) {
    std::array<int64_t, kMaxDirectPatch> offset{};
    for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw = 0; kw < g.KW; ++kw)
            for (int64_t c = 0; c < g.C; ++c) offset[static_cast<size_t>((kh * g.KW + kw) * g.C + c)] = (kh * g.W + kw) * g.C + c;
    return offset;
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
#if defined(__AVX512F__)
    if (use_resident(g)) return conv2d_resident_forward(x, w, b, g, y);
#endif
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    parallel_for(g.N * g.OH, 4, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) direct_row(x, w, b, g, offset.data(), r / g.OH, r % g.OH, y + r * g.OW * g.K);
    });
}

MINNOW_KERNEL_VARIANT(conv2d_direct_relu_max_pool_forward)
void conv2d_direct_relu_max_pool_forward(const float* x, const float* w, const float* b, const ConvGeometry& g,
                                         float* y) {
    MINNOW_DISPATCH(conv2d_direct_relu_max_pool_forward, x, w, b, g, y);
#if defined(__AVX512F__)
    if (use_resident(g)) return conv2d_resident_relu_max_pool_forward(x, w, b, g, y);
#endif
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    const int64_t PH = g.OH / 2, PW = g.OW / 2, K = g.K, row = g.OW * K;
    parallel_for(g.N * PH, 2, [&](int64_t begin, int64_t end) {
        // The two convolution rows under a row of windows, while they are in L1.
        std::vector<float> rows(static_cast<size_t>(2 * row));
        const float* top = rows.data();
        const float* bottom = top + row;
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / PH, ph = r % PH;
            direct_row(x, w, b, g, offset.data(), n, 2 * ph, rows.data());
            direct_row(x, w, b, g, offset.data(), n, 2 * ph + 1, rows.data() + row);
            // relu_max_pool_2x2_forward's maximum, in its order: the top-left value, then top-right,
            // bottom-left, bottom-right.
            for (int64_t pw = 0; pw < PW; ++pw) {
                const int64_t at = 2 * pw * K;
                float* __restrict out = y + (r * PW + pw) * K;
                for (int64_t k = 0; k < K; ++k) {
                    const float v1 = relu_value(top[at + K + k]), v2 = relu_value(bottom[at + k]);
                    const float v3 = relu_value(bottom[at + K + k]);
                    float m = relu_value(top[at + k]);
                    m = v1 > m ? v1 : m;
                    m = v2 > m ? v2 : m;
                    m = v3 > m ? v3 : m;
                    out[k] = m;
                }
            }
        }
    });
}

namespace {

// Where a dW tile reads its pixels' window values: value j of pixel i is base[j][start[i]]. For
// windows inside the input, base[j] points at kernel row j's place in x and start[i] at pixel i's
// window, so nothing is copied; windows over the padding are gathered into a buffer first.
struct TileWindows {
    const float* base[kMaxDirectPatch];
    int64_t start[kDwTile];
};

// Kernel rows [j0, j0 + J) (and filters [k0, k0 + 32)) summed over a tile of pixels: dy_tile holds
// their 32 gradients. J rows x kVecs vectors of accumulators stay in registers while each dy row is
// loaded once.
template <int J>
void dw_rows(const TileWindows& win, const float* dy_tile, int64_t K, int64_t tile, int64_t j0, int64_t k0, float* dw) {
    Block acc[J] = {};
    const float* base[J];
    for (int jj = 0; jj < J; ++jj) base[jj] = win.base[j0 + jj];
    for (int64_t i = 0; i < tile; ++i) {
        const Block gr = load_block(dy_tile + i * K + k0);
        const int64_t at = win.start[i];
        for (int jj = 0; jj < J; ++jj) {
            const float xv = base[jj][at];
            for (int v = 0; v < kVecs; ++v) acc[jj].v[v] += xv * gr.v[v];
        }
    }
    for (int jj = 0; jj < J; ++jj) {
        float* d = dw + (j0 + jj) * K + k0;
        for (int v = 0; v < kVecs; ++v) storew(d + v * kWideLanes, loadw(d + v * kWideLanes) + acc[jj].v[v]);
    }
}

// dw_rows for the `count` (< J) rows a tile's last pass has left.
template <int J>
void dw_rows_left(int count, const TileWindows& win, const float* dy_tile, int64_t K, int64_t tile, int64_t j0,
                  int64_t k0, float* dw) {
    if constexpr (J > 1) {
        if (count == J - 1) return dw_rows<J - 1>(win, dy_tile, K, tile, j0, k0, dw);
        dw_rows_left<J - 1>(count, win, dy_tile, K, tile, j0, k0, dw);
    }
}

// db's filters [k0, k0 + 32) over the tile: its dy rows summed in order.
void db_rows(const float* dy_tile, int64_t K, int64_t tile, int64_t k0, float* db) {
    Block acc{};
    for (int64_t i = 0; i < tile; ++i) {
        const Block gr = load_block(dy_tile + i * K + k0);
        for (int v = 0; v < kVecs; ++v) acc.v[v] += gr.v[v];
    }
    for (int v = 0; v < kVecs; ++v) storew(db + k0 + v * kWideLanes, loadw(db + k0 + v * kWideLanes) + acc.v[v]);
}

// Whether every window of the convolution lies inside the input (no padding reached).
bool windows_inside(const ConvGeometry& g) {
    return g.pad_top == 0 && g.pad_left == 0 && (g.OH - 1) * g.stride_h + g.KH <= g.H &&
           (g.OW - 1) * g.stride_w + g.KW <= g.W;
}

// dW of pixels [p0, p0 + tile) added into dwb (patch, K), and db into dwb's next row when wanted.
// `rows` is room for a tile's gathered windows.
void direct_dw_tile(const float* x, const float* dy, const ConvGeometry& g, const int64_t* offset, int64_t p0,
                    int64_t tile, bool with_db, bool inside, std::vector<float>& rows, float* dwb) {
    const int64_t K = g.K, C = g.C, patch = g.patch();
    TileWindows win;
    // The tile's pixels are consecutive: divide once for the first, then step (three divisions a
    // pixel cost more than gathering its window).
    int64_t n = p0 / (g.OW * g.OH), oh = p0 / g.OW % g.OH, ow = p0 % g.OW;
    if (inside) {
        for (int64_t j = 0; j < patch; ++j) win.base[j] = x + offset[j];
        for (int64_t i = 0; i < tile; ++i, ++ow) {
            if (ow == g.OW) ow = 0, ++oh;
            if (oh == g.OH) oh = 0, ++n;
            win.start[i] = ((n * g.H + oh * g.stride_h) * g.W + ow * g.stride_w) * C;
        }
    } else {
        for (int64_t j = 0; j < patch; ++j) win.base[j] = rows.data() + j;
        for (int64_t i = 0; i < tile; ++i, ++ow) {
            if (ow == g.OW) ow = 0, ++oh;
            if (oh == g.OH) oh = 0, ++n;
            float* row = rows.data() + i * patch;
            win.start[i] = i * patch;
            std::fill(row, row + patch, 0.0f);
            for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
                for (int64_t c = 0; c < C; ++c) row[tap * C + c] = x[in + c];
            });
        }
    }
    const float* dy_tile = dy + p0 * K;
    const int64_t blocks = K / kBlock * kBlock;
    for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) {
        int64_t j0 = 0;
        for (; j0 + kDwRows <= patch; j0 += kDwRows) dw_rows<kDwRows>(win, dy_tile, K, tile, j0, k0, dwb);
        if (j0 < patch) dw_rows_left<kDwRows>(static_cast<int>(patch - j0), win, dy_tile, K, tile, j0, k0, dwb);
        if (with_db) db_rows(dy_tile, K, tile, k0, dwb + patch * K);
    }
    for (int64_t j = 0; j < patch + (with_db ? 1 : 0); ++j)
        for (int64_t k = blocks; k < K; ++k) {
            float acc = 0.0f;
            for (int64_t i = 0; i < tile; ++i) acc += (j < patch ? win.base[j][win.start[i]] : 1.0f) * dy_tile[i * K + k];
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
        const bool inside = windows_inside(g);
        parallel_for_ranges(tiles, 4, [&](int64_t r, int64_t begin, int64_t end) {
            std::vector<float> rows(inside ? 0 : static_cast<size_t>(kDwTile * g.patch()));
            for (int64_t tile = begin; tile < end; ++tile) {
                const int64_t p0 = tile * kDwTile;
                direct_dw_tile(x, dy, g, offset.data(), p0, std::min(kDwTile, P - p0), with_db, inside, rows,
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
