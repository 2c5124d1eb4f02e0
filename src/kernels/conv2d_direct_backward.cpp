// Direct convolution for small patches, backward. dW's tile (dw_rows) holds J kernel rows x the
// kVecs vectors of a dy row (conv2d_direct_block.hpp's block of 32 filters), reading the window
// values where they lie in x: J = 3 with AVX2, db then a pass of its own over the same dy rows;
// J = 9 with AVX-512, conv1's whole kernel and its db in one pass (it was 5: two passes and a
// third for db, 1.4x the time). Every output sums its terms in the same order, so the results do
// not depend on the width.
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "kernels/conv2d.hpp"
#include "kernels/conv2d_direct_block.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// dW's kernel rows per pass: 3 x 4 accumulators of AVX2's 16 registers; 9 x 2 of AVX-512's 32
// (conv1's 9 rows in one pass, which also sums db: 2 accumulators more).
constexpr int kDwRows = kVecs == 2 ? 9 : 3;
constexpr bool kDbInPass = kVecs == 2;
// Pixels in one dW tile (their dy rows stay in L1 across the tile's passes).
constexpr int64_t kDwTile = 64;

// Output pixels p0, p0 + 1, ... as (n, oh, ow): a tile's pixels are consecutive, so divide once for
// the first and then step (three divisions a pixel cost more than gathering its window).
struct PixelSteps {
    int64_t n, oh, ow;
    PixelSteps(const ConvGeometry& g, int64_t p0) : n(p0 / (g.OW * g.OH)), oh(p0 / g.OW % g.OH), ow(p0 % g.OW) {}
    void next(const ConvGeometry& g) {
        if (++ow < g.OW) return;
        ow = 0;
        if (++oh < g.OH) return;
        oh = 0;
        ++n;
    }
};

// Where a dW tile reads its pixels' window values: value j of pixel i is base[j][start[i]]. For
// windows inside the input, base[j] points at kernel row j's place in x and start[i] at pixel i's
// window, so nothing is copied; windows over the padding are gathered into a buffer first.
struct TileWindows {
    const float* base[kMaxDirectPatch];
    int64_t start[kDwTile];
};

// Kernel rows [j0, j0 + J) (and filters [k0, k0 + 32)) summed over a tile of pixels: dy_tile holds
// their 32 gradients. J rows x kVecs vectors of accumulators stay in registers while each dy row is
// loaded once. With WithDb, db's filters [k0, k0 + 32) too: the same dy rows summed in order.
template <int J, bool WithDb>
void dw_rows(const TileWindows& win, const float* dy_tile, int64_t K, int64_t tile, int64_t j0, int64_t k0, float* dw,
             float* db) {
    Block acc[J] = {};
    Block bias{};
    const float* base[J];
    for (int jj = 0; jj < J; ++jj) base[jj] = win.base[j0 + jj];
    for (int64_t i = 0; i < tile; ++i) {
        const Block gr = load_block(dy_tile + i * K + k0);
        const int64_t at = win.start[i];
        for (int jj = 0; jj < J; ++jj) {
            const float xv = base[jj][at];
            for (int v = 0; v < kVecs; ++v) acc[jj].v[v] += xv * gr.v[v];
        }
        if constexpr (WithDb)
            for (int v = 0; v < kVecs; ++v) bias.v[v] += gr.v[v];
    }
    for (int jj = 0; jj < J; ++jj) {
        float* d = dw + (j0 + jj) * K + k0;
        for (int v = 0; v < kVecs; ++v) storew(d + v * kWideLanes, loadw(d + v * kWideLanes) + acc[jj].v[v]);
    }
    if constexpr (WithDb)
        for (int v = 0; v < kVecs; ++v) storew(db + k0 + v * kWideLanes, loadw(db + k0 + v * kWideLanes) + bias.v[v]);
}

// One pass of J rows, with db where it is given (else null).
template <int J>
void dw_pass(const TileWindows& win, const float* dy_tile, int64_t K, int64_t tile, int64_t j0, int64_t k0, float* dw,
             float* db) {
    if (db != nullptr) dw_rows<J, true>(win, dy_tile, K, tile, j0, k0, dw, db);
    else dw_rows<J, false>(win, dy_tile, K, tile, j0, k0, dw, nullptr);
}

// dw_pass for the `count` (< J) rows a tile's last pass has left.
template <int J>
void dw_rows_left(int count, const TileWindows& win, const float* dy_tile, int64_t K, int64_t tile, int64_t j0,
                  int64_t k0, float* dw, float* db) {
    if constexpr (J > 1) {
        if (count == J - 1) return dw_pass<J - 1>(win, dy_tile, K, tile, j0, k0, dw, db);
        dw_rows_left<J - 1>(count, win, dy_tile, K, tile, j0, k0, dw, db);
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

// dW of pixels [p0, p0 + tile) added into dwb (patch, K), and db into dwb's next row when wanted.
// `rows` is room for a tile's gathered windows.
void direct_dw_tile(const float* x, const float* dy_tile, const ConvGeometry& g, const int64_t* offset, int64_t p0,
                    int64_t tile, bool with_db, bool inside, std::vector<float>& rows, float* dwb) {
    const int64_t K = g.K, C = g.C, patch = g.patch();
    TileWindows win;
    PixelSteps at(g, p0);
    if (inside) {
        for (int64_t j = 0; j < patch; ++j) win.base[j] = x + offset[j];
        for (int64_t i = 0; i < tile; ++i, at.next(g))
            win.start[i] = ((at.n * g.H + at.oh * g.stride_h) * g.W + at.ow * g.stride_w) * C;
    } else {
        for (int64_t j = 0; j < patch; ++j) win.base[j] = rows.data() + j;
        for (int64_t i = 0; i < tile; ++i, at.next(g)) {
            float* row = rows.data() + i * patch;
            win.start[i] = i * patch;
            std::fill(row, row + patch, 0.0f);
            for_pixel_taps(g, at.n, at.oh, at.ow, [&](int64_t in, int64_t tap) {
                for (int64_t c = 0; c < C; ++c) row[tap * C + c] = x[in + c];
            });
        }
    }
    const int64_t blocks = K / kBlock * kBlock;
    for (int64_t k0 = 0; k0 < blocks; k0 += kBlock) {
        int64_t j0 = 0;
        // db in the first pass where the registers hold it, else in a pass of its own.
        float* db = with_db && kDbInPass ? dwb + patch * K : nullptr;
        for (; j0 + kDwRows <= patch; j0 += kDwRows, db = nullptr) dw_pass<kDwRows>(win, dy_tile, K, tile, j0, k0, dwb, db);
        if (j0 < patch) dw_rows_left<kDwRows>(static_cast<int>(patch - j0), win, dy_tile, K, tile, j0, k0, dwb, db);
        if (with_db && !kDbInPass) db_rows(dy_tile, K, tile, k0, dwb + patch * K);
    }
    for (int64_t j = 0; j < patch + (with_db ? 1 : 0); ++j)
        for (int64_t k = blocks; k < K; ++k) {
            float acc = 0.0f;
            for (int64_t i = 0; i < tile; ++i) acc += (j < patch ? win.base[j][win.start[i]] : 1.0f) * dy_tile[i * K + k];
            dwb[j * K + k] += acc;
        }
}

// dW and db as `out` asks, from the output gradient's rows tile by tile: gradient(p0, tile, buffer)
// returns where pixels [p0, p0 + tile)'s K gradients lie, in memory already or written into
// `buffer` (room for kDwTile rows). Each thread sums its tiles into its own (dW; db) rows; the
// partials are added in order.
template <class TileGradient>
void weight_gradients(const float* x, const ConvGeometry& g, const ConvGrads& out, TileGradient gradient) {
    const int64_t K = g.K, P = g.rows(), tiles = (P + kDwTile - 1) / kDwTile;
    float* dw = out.dw;
    float* db = out.db;
    const bool with_db = db != nullptr;
    const int64_t w_size = g.patch() * K, width = g.patch() + (with_db ? 1 : 0);
    const int64_t ranges = parallel_ranges(tiles, 4);
    std::vector<float> partial(static_cast<size_t>(ranges * width * K), 0.0f);
    const std::array<int64_t, kMaxDirectPatch> offset = window_offsets(g);
    const bool inside = windows_inside(g);
    parallel_for_ranges(tiles, 4, [&](int64_t r, int64_t begin, int64_t end) {
        std::vector<float> rows(inside ? 0 : static_cast<size_t>(kDwTile * g.patch()));
        std::vector<float> buffer;
        for (int64_t tile = begin; tile < end; ++tile) {
            const int64_t p0 = tile * kDwTile, size = std::min(kDwTile, P - p0);
            direct_dw_tile(x, gradient(p0, size, buffer), g, offset.data(), p0, size, with_db, inside, rows,
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

}  // namespace

MINNOW_KERNEL_VARIANT(conv2d_direct_backward)
void conv2d_direct_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                            const ConvGrads& out) {
    MINNOW_DISPATCH(conv2d_direct_backward, x, w, dy, g, out);
    const int64_t K = g.K, C = g.C;
    float* dx = out.dx;
    if (out.dw != nullptr || out.db != nullptr)
        weight_gradients(x, g, out, [dy, K](int64_t p0, int64_t, std::vector<float>&) { return dy + p0 * K; });
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

MINNOW_KERNEL_VARIANT(conv2d_direct_relu_max_pool_backward)
void conv2d_direct_relu_max_pool_backward(const float* x, const float* dy, const uint8_t* window,
                                          const ConvGeometry& g, const ConvGrads& out) {
    MINNOW_DISPATCH(conv2d_direct_relu_max_pool_backward, x, dy, window, g, out);
    if (out.dw == nullptr && out.db == nullptr) return;
    const int64_t K = g.K, PH = g.OH / 2, PW = g.OW / 2;
    // The convolution's output gradient that relu_max_pool_2x2_backward would have written, a tile
    // at a time: dy at the pixel of each window whose code names it, zero elsewhere and on an odd
    // last row or column.
    weight_gradients(x, g, out, [&](int64_t p0, int64_t tile, std::vector<float>& buffer) {
        buffer.resize(static_cast<size_t>(kDwTile * K));
        float* tile_grad = buffer.data();
        PixelSteps at(g, p0);
        for (int64_t i = 0; i < tile; ++i, at.next(g)) {
            const int64_t n = at.n, oh = at.oh, ow = at.ow;
            float* __restrict d = tile_grad + i * K;
            if (oh >= 2 * PH || ow >= 2 * PW) {
                std::fill(d, d + K, 0.0f);
                continue;
            }
            const int64_t q = ((n * PH + oh / 2) * PW + ow / 2) * K;
            const auto here = static_cast<uint8_t>(oh % 2 * 2 + ow % 2);
            const uint8_t* __restrict code = window + q;
            const float* __restrict dyq = dy + q;
            // dy under the mask of the codes equal to `here` (GCC's own loop of the same kept four
            // vectors on the stack and reloaded them an iteration).
            int64_t k = 0;
#if defined(__AVX512BW__) && defined(__AVX512VL__)
            for (; k + 16 <= K; k += 16) {
                const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(code + k));
                const __mmask16 pass = _mm_cmpeq_epi8_mask(c, _mm_set1_epi8(static_cast<char>(here)));
                _mm512_storeu_ps(d + k, _mm512_maskz_loadu_ps(pass, dyq + k));
            }
#elif MINNOW_KERNEL_HAS_AVX2
            for (; k + 8 <= K; k += 8) {
                const __m256i c = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(code + k)));
                const __m256 pass = _mm256_castsi256_ps(_mm256_cmpeq_epi32(c, _mm256_set1_epi32(here)));
                _mm256_storeu_ps(d + k, _mm256_and_ps(_mm256_loadu_ps(dyq + k), pass));
            }
#endif
            for (; k < K; ++k) d[k] = code[k] == here ? dyq[k] : 0.0f;
        }
        return static_cast<const float*>(tile_grad);
    });
}

MINNOW_KERNELS_END
