#include "kernels/conv2d.hpp"

#include <algorithm>

#include "kernels/simd.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/tensor/blas.hpp"
#include "minnow/tensor/tensor.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Bytes of dcols per chunk of images in the backward pass: about half of a core's L2.
constexpr int64_t kDcolsChunkBytes = 256 * 1024;

// db[k, k + V vectors) += dy's columns summed over its rows in order, in registers.
template <int V>
void add_column_block(const float* dy, int64_t rows, int64_t K, int64_t k, float* db) {
    vw acc[V];
    for (int v = 0; v < V; ++v) acc[v] = loadw(db + k + v * kWideLanes);
    for (int64_t m = 0; m < rows; ++m)
        for (int v = 0; v < V; ++v) acc[v] += loadw(dy + m * K + k + v * kWideLanes);
    for (int v = 0; v < V; ++v) storew(db + k + v * kWideLanes, acc[v]);
}

// db[k0, k1) += the sums of dy's columns over its rows, each in row order. Up to 4 vectors of
// columns side by side in registers: summed into db in memory, each row's add waited for the last
// one's store (conv2's db took 1.8% of a W2 step).
void add_column_sums(const float* __restrict dy, int64_t rows, int64_t K, int64_t k0, int64_t k1, float* __restrict db) {
    int64_t k = k0;
    for (int64_t vectors; (vectors = std::min<int64_t>(4, (k1 - k) / kWideLanes)) > 0; k += vectors * kWideLanes) {
        switch (vectors) {
            case 1: add_column_block<1>(dy, rows, K, k, db); break;
            case 2: add_column_block<2>(dy, rows, K, k, db); break;
            case 3: add_column_block<3>(dy, rows, K, k, db); break;
            default: add_column_block<4>(dy, rows, K, k, db); break;
        }
    }
    for (int64_t m = 0; m < rows; ++m)
        for (int64_t j = k; j < k1; ++j) db[j] += dy[m * K + j];
}

}  // namespace

MINNOW_KERNEL_VARIANT(im2col)
void im2col(const float* x, const ConvGeometry& g, float* cols) {
    MINNOW_DISPATCH(im2col, x, g, cols);
    const int64_t C = g.C;
    parallel_for(g.N * g.OH, 4, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t n = r / g.OH, oh = r % g.OH;
                float* row = cols + ((n * g.OH + oh) * g.OW + ow) * g.patch();
                for (int64_t kh = 0; kh < g.KH; ++kh) {
                    const int64_t ih = oh * g.stride_h - g.pad_top + kh;
                    for (int64_t kw = 0; kw < g.KW; ++kw) {
                        const int64_t iw = ow * g.stride_w - g.pad_left + kw;
                        float* dst = row + (kh * g.KW + kw) * C;
                        if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) {
                            std::fill(dst, dst + C, 0.0f);
                        } else {
                            const float* src = x + ((n * g.H + ih) * g.W + iw) * C;
                            for (int64_t c = 0; c < C; ++c) dst[c] = src[c];  // a call per run costs more for small C
                        }
                    }
                }
            }
    });
}

MINNOW_KERNEL_VARIANT(col2im_add)
void col2im_add(const float* dcols, const ConvGeometry& g, int64_t n_begin, int64_t n_end, float* dx, bool assign) {
    MINNOW_DISPATCH(col2im_add, dcols, g, n_begin, n_end, dx, assign);
    const int64_t C = g.C, image = g.H * g.W * C;
    for (int64_t n = n_begin; n < n_end; ++n) {
        if (assign) std::fill(dx + n * image, dx + (n + 1) * image, 0.0f);
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const float* row = dcols + (((n - n_begin) * g.OH + oh) * g.OW + ow) * g.patch();
                for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t tap) {
                    const float* src = row + tap * C;
                    for (int64_t c = 0; c < C; ++c) dx[in + c] += src[c];
                });
            }
    }
}


MINNOW_KERNEL_VARIANT(add_bias_gradient)
void add_bias_gradient(const float* dy, int64_t rows, int64_t K, float* db) {
    MINNOW_DISPATCH(add_bias_gradient, dy, rows, K, db);
    // Threads split the filters, so each sum runs over the rows in order whatever the thread count;
    // at least 4 vectors of them each (conv2's 64 filters on two threads took 29 us against 12 on
    // one: each thread read every row for half of it).
    parallel_for(K, 4 * kWideLanes, [&](int64_t k0, int64_t k1) { add_column_sums(dy, rows, K, k0, k1, db); });
}

MINNOW_KERNEL_VARIANT(conv2d_forward)
void conv2d_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* cols, float* y) {
    MINNOW_DISPATCH(conv2d_forward, x, w, b, g, cols, y);
    kernels::im2col(x, g, cols);  // qualified: both copies of im2col are visible here (kernels/isa.hpp)
    const int64_t M = g.rows(), K = g.K, P = g.patch();
    if (b != nullptr)
        for (int64_t m = 0; m < M; ++m) std::copy_n(b, K, y + m * K);
    // (M, P) x (P, K): the kernel (KH, KW, C, K) is already the (P, K) matrix in row-major order.
    blas::gemm(false, false, M, K, P, 1.0f, cols, P, w, K, b != nullptr ? 1.0f : 0.0f, y, K);
}

MINNOW_KERNEL_VARIANT(conv2d_backward)
void conv2d_backward(const float* cols, const float* w, const float* dy, const ConvGeometry& g,
                     const ConvGrads& out) {
    MINNOW_DISPATCH(conv2d_backward, cols, w, dy, g, out);
    const int64_t M = g.rows(), K = g.K, P = g.patch();
    if (out.dw != nullptr) blas::gemm(true, false, P, K, M, 1.0f, cols, P, dy, K, out.assign_dw ? 0.0f : 1.0f, out.dw, K);
    if (out.db != nullptr) add_bias_gradient(dy, M, K, out.db);
    if (out.dx != nullptr) {
        // dcols = dy W^T goes back through col2im a few images at a time, so each chunk of dcols is
        // still in cache when col2im reads it: the whole of it (4.4 MB for W2's conv2) written cold
        // and read back cost more than the product's packing. Images are independent, and a row of
        // dcols does not depend on how many rows one product computes, so neither does dx.
        const int64_t pixels = g.OH * g.OW;
        const int64_t chunk = std::max<int64_t>(1, kDcolsChunkBytes / (pixels * P * int64_t(sizeof(float))));
        parallel_for(g.N, chunk, [&](int64_t n_begin, int64_t n_end) {
            Tensor dcols({std::min(chunk, n_end - n_begin) * pixels, P});
            for (int64_t n0 = n_begin; n0 < n_end; n0 += chunk) {
                const int64_t n1 = std::min(n_end, n0 + chunk);
                blas::gemm(false, true, (n1 - n0) * pixels, P, K, 1.0f, dy + n0 * pixels * K, K, w, K, 0.0f,
                           dcols.data(), P);
                kernels::col2im_add(dcols.data(), g, n0, n1, out.dx, out.assign_dx);
            }
        });
    }
}

MINNOW_KERNELS_END
