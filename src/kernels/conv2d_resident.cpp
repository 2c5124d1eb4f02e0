// conv1's convolution (a 3x3 kernel over one input channel, stride 1) with the kernel held in
// registers, in builds with AVX2 (and AVX-512).
//
// The direct kernels (conv2d_direct.cpp) load a kernel row for every tap of every group of pixels:
// a group keeps 8 accumulators (2 pixels x 4 vectors with AVX2, 4 x 2 with AVX-512), so the loads
// and the loop around each tap set the pace (conv1 ran at ~30% of the FMA peak on AVX-512, ~40%
// on AVX2). Here the 9 kernel rows of one vector of filters and its bias stay in registers while a
// tile of pixels takes one accumulator each: each of the tile's input values is broadcast once and
// feeds the FMA of every pixel whose window holds it. The next vector of filters goes over the
// same input again, in L1. AVX-512's 32 registers hold the 9 rows, the bias and 2 x 8
// accumulators; AVX2's 16 hold 2 x 6 accumulators and the broadcast value, the kernel rows that do
// not fit being read from L1 by the FMAs themselves (one load each, which the two load ports
// keep up with).
//
// The sums are the direct kernels': the bias first (or 0), then the taps in kernel-row order, each
// one FMA, so every output has the same bits. Inputs with padding run on a zero-padded copy of
// each image, where a tap over the padding adds 0 * w that the direct kernels skip: the same
// value, unless w holds an infinity or a NaN (0 * inf is NaN) or the bias is -0 (-0 + 0 is +0).
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/conv2d_direct_block.hpp"
#include "kernels/conv2d_resident.hpp"
#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"

#if MINNOW_KERNEL_HAS_AVX2

MINNOW_KERNELS_BEGIN

namespace {

constexpr int kTaps = 9;
// A tile's columns: 2 rows x 8 columns = 16 accumulators, with the 9 kernel rows and the bias 26
// of AVX-512's 32 registers. With AVX2's 16, measured on Zen 2 (conv1 of W2, batch 32): tiles of
// 2 x 3 for the convolution alone (0.089 ms, against 0.096 at 2 x 4 and 0.10 at 2 x 6) and of
// 2 x 6, three pooled outputs, for the pooled one (0.118 ms with the codes, against 0.128 at 2 x 4).
constexpr int kMaxColumns = kWideLanes == 16 ? 8 : 3;
constexpr int kMaxPoolColumns = kWideLanes == 16 ? 8 : 6;
constexpr int kMaxTileColumns = std::max(kMaxColumns, kMaxPoolColumns);

struct Resident {
    vw w[kTaps];
    vw b;
};

Resident load_resident(const float* w, const float* b, int64_t K, int64_t k0) {
    Resident r;
    for (int j = 0; j < kTaps; ++j) r.w[j] = loadw(w + j * K + k0);
    r.b = b != nullptr ? loadw(b + k0) : vw{};
    return r;
}

// Lambdas inlined as MINNOW_KERNEL_INLINE functions are (GCC kept some of the tiles' as calls).
#define MINNOW_LAMBDA_INLINE __attribute__((always_inline))

// f.template operator()<i>() for i = 0 .. N - 1, each i a constant (the tiles' indices must be,
// for their accumulators to be registers).
template <int N, class F>
MINNOW_KERNEL_INLINE void unrolled(F&& f) {
    [&]<int... I>(std::integer_sequence<int, I...>) MINNOW_LAMBDA_INLINE { (f.template operator()<I>(), ...); }(std::make_integer_sequence<int, N>{});
}

// Pixels (oh0 + a, ow0 + c), a < A, c < B, of one vector of filters: x0 is the first pixel's
// window's top-left value, W the input's row length. The loop runs over the tile's input values,
// each broadcast once into the FMAs of every pixel whose window holds it: in row-major order, each
// pixel meets its taps in kernel-row order. (Looping over the taps instead, GCC gave each value
// one register for all its taps and spilled the accumulators.)
template <int A, int B>
MINNOW_KERNEL_INLINE void tile(const float* x0, int64_t W, const Resident& r, vw (&acc)[A][B]) {
    for (int a = 0; a < A; ++a)
        for (int c = 0; c < B; ++c) acc[a][c] = r.b;
    unrolled<A + 2>([&]<int row>() MINNOW_LAMBDA_INLINE {
        const float* xr = x0 + row * W;
        unrolled<B + 2>([&]<int col>() MINNOW_LAMBDA_INLINE {
            const float xv = xr[col];
            unrolled<3>([&]<int kh>() MINNOW_LAMBDA_INLINE {
                unrolled<3>([&]<int kw>() MINNOW_LAMBDA_INLINE {
                    constexpr int a = row - kh, c = col - kw;
                    if constexpr (a >= 0 && a < A && c >= 0 && c < B) acc[a][c] += xv * r.w[kh * 3 + kw];
                });
            });
        });
    });
}

// Where a tile's outputs go, from `offset` in the output: the convolution's pixels, or relu and
// the 2x2 max pooling of them in relu_max_pool_2x2_forward's order (tiles of 2 rows and an even
// number of columns), with the window codes when wanted (conv2d.hpp).
struct PlainStore {
    float* y;
    int64_t K, row;
    static constexpr bool takes(int, int) { return true; }
    template <int A, int B>
    MINNOW_KERNEL_INLINE void operator()(const vw (&acc)[A][B], int64_t offset) const {
        for (int a = 0; a < A; ++a)
            for (int c = 0; c < B; ++c) storew(y + offset + a * row + c * K, acc[a][c]);
    }
};
template <bool WithCodes>
struct PoolStore {
    float* y;
    uint8_t* window;
    int64_t K;
    static constexpr bool takes(int rows, int columns) { return rows == 2 && columns % 2 == 0; }
    template <int A, int B>
    MINNOW_KERNEL_INLINE void operator()(const vw (&acc)[A][B], int64_t offset) const {
        for (int p = 0; p < B / 2; ++p) {
            const vw m = relu_max_lanes<WithCodes>(acc[0][2 * p], acc[0][2 * p + 1], acc[1][2 * p], acc[1][2 * p + 1],
                                                   WithCodes ? window + offset + p * K : nullptr);
            storew(y + offset + p * K, m);
        }
    }
};

// A tile of `rows` (1 or 2) x `columns` (1 .. kMaxTileColumns) pixels, sizes known at compile time.
template <class Store>
void any_tile(int rows, int columns, const float* x0, int64_t W, const Resident& r, const Store& store,
              int64_t offset) {
    auto run = [&]<int A, int B>() {
        if constexpr (Store::takes(A, B) && B <= kMaxTileColumns) {
            vw acc[A][B];
            tile<A, B>(x0, W, r, acc);
            store(acc, offset);
        }
    };
    auto with_rows = [&]<int A>() {
        switch (columns) {
            case 1: return run.template operator()<A, 1>();
            case 2: return run.template operator()<A, 2>();
            case 3: return run.template operator()<A, 3>();
            case 4: return run.template operator()<A, 4>();
            case 5: return run.template operator()<A, 5>();
            case 6: return run.template operator()<A, 6>();
            case 7: return run.template operator()<A, 7>();
            default: return run.template operator()<A, 8>();
        }
    };
    if (rows == 2) with_rows.template operator()<2>();
    else with_rows.template operator()<1>();
}

// Group i of n items split into `groups` as evenly as can be, the larger groups first: its first
// item and size. (26 columns in tiles of at most 8 are 7, 7, 6, 6: no tile of 2 that leaves the
// FMA pipes waiting on 2 accumulators.)
std::pair<int64_t, int> group(int64_t n, int64_t groups, int64_t i) {
    const int64_t base = n / groups, larger = n % groups;
    return {i * base + std::min(i, larger), static_cast<int>(base + (i < larger ? 1 : 0))};
}

// Image n as the tiles read it: its first window's top-left value and the row length. x itself
// when no window reaches the padding, else a zero-padded copy in `padded` (made once an image:
// `copied` says which image it holds).
std::pair<const float*, int64_t> image_input(const float* x, const ConvGeometry& g, int64_t n,
                                             std::vector<float>& padded, int64_t& copied) {
    if (windows_inside(g)) return {x + n * g.H * g.W, g.W};
    const int64_t H = g.OH + 2, W = g.OW + 2;
    if (copied != n) {
        padded.assign(static_cast<size_t>(H * W), 0.0f);
        for (int64_t i = std::max<int64_t>(0, g.pad_top); i < std::min(H, g.H + g.pad_top); ++i)
            for (int64_t j = std::max<int64_t>(0, g.pad_left); j < std::min(W, g.W + g.pad_left); ++j)
                padded[static_cast<size_t>(i * W + j)] = x[(n * g.H + i - g.pad_top) * g.W + j - g.pad_left];
        copied = n;
    }
    return {padded.data(), W};
}

// `rows` (2, or 1 at an odd end) output rows across `columns` units (pixels, or pooled pixels of
// `in_step` = 2 input columns), in tiles of up to `max_columns` units. x0 is the first window's
// top-left value; the units' outputs are `out_step` floats apart from `offset`.
template <class Store>
void tile_rows(const float* x0, int64_t W, int rows, int64_t columns, int64_t max_columns, int64_t in_step,
               int64_t out_step, const float* w, const float* b, int64_t K, const Store& store, int64_t offset) {
    const int64_t groups = (columns + max_columns - 1) / max_columns;
    for (int64_t k0 = 0; k0 < K; k0 += kWideLanes) {
        const Resident r = load_resident(w, b, K, k0);
        for (int64_t i = 0; i < groups; ++i) {
            const auto [c0, size] = group(columns, groups, i);
            any_tile(rows, static_cast<int>(size * in_step), x0 + c0 * in_step, W, r, store, offset + c0 * out_step + k0);
        }
    }
}

}  // namespace

bool use_resident(const ConvGeometry& g) {
    return g.C == 1 && g.KH == 3 && g.KW == 3 && g.stride_h == 1 && g.stride_w == 1 && g.K % kWideLanes == 0;
}

void conv2d_resident_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    const int64_t pairs = (g.OH + 1) / 2, K = g.K;
    parallel_for(g.N * pairs, 2, [&](int64_t begin, int64_t end) {
        std::vector<float> padded;
        int64_t copied = -1;
        for (int64_t item = begin; item < end; ++item) {
            const int64_t n = item / pairs, oh = item % pairs * 2;
            const auto [image, W] = image_input(x, g, n, padded, copied);
            const int rows = static_cast<int>(std::min<int64_t>(2, g.OH - oh));
            const int64_t offset = (n * g.OH + oh) * g.OW * K;
            tile_rows(image + oh * W, W, rows, g.OW, kMaxColumns, 1, K, w, b, K, PlainStore{y, K, g.OW * K}, offset);
        }
    });
}

void conv2d_resident_relu_max_pool_forward(const float* x, const float* w, const float* b, const ConvGeometry& g,
                                           float* y, uint8_t* window) {
    const int64_t PH = g.OH / 2, PW = g.OW / 2, K = g.K;
    auto pool = [&](const auto& store) {
        parallel_for(g.N * PH, 2, [&](int64_t begin, int64_t end) {
            std::vector<float> padded;
            int64_t copied = -1;
            for (int64_t item = begin; item < end; ++item) {
                const int64_t n = item / PH, ph = item % PH;
                const auto [image, W] = image_input(x, g, n, padded, copied);
                // A tile of 2 x 2n pixels is n pooled outputs.
                tile_rows(image + 2 * ph * W, W, 2, PW, kMaxPoolColumns / 2, 2, K, w, b, K, store, item * PW * K);
            }
        });
    };
    if (window != nullptr) pool(PoolStore<true>{y, window, K});
    else pool(PoolStore<false>{y, nullptr, K});
}

MINNOW_KERNELS_END

#endif
