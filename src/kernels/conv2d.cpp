#include "kernels/conv2d.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "minnow/core/parallel.hpp"
#include "minnow/tensor/blas.hpp"

namespace minnow::kernels {

void im2col(const float* x, const ConvGeometry& g, float* cols) {
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

void col2im_add(const float* dcols, const ConvGeometry& g, float* dx) {
    const int64_t C = g.C;
    // By image: patches of one image overlap each other, never another image's.
    parallel_for(g.N, 1, [&](int64_t n_begin, int64_t n_end) {
    for (int64_t n = n_begin; n < n_end; ++n)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const float* row = dcols + ((n * g.OH + oh) * g.OW + ow) * g.patch();
                for (int64_t kh = 0; kh < g.KH; ++kh) {
                    const int64_t ih = oh * g.stride_h - g.pad_top + kh;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t kw = 0; kw < g.KW; ++kw) {
                        const int64_t iw = ow * g.stride_w - g.pad_left + kw;
                        if (iw < 0 || iw >= g.W) continue;
                        const float* src = row + (kh * g.KW + kw) * C;
                        float* dst = dx + ((n * g.H + ih) * g.W + iw) * C;
                        for (int64_t c = 0; c < C; ++c) dst[c] += src[c];
                    }
                }
            }
    });
}

namespace {

// Calls fn(pixel index p, tap index t = (kh * KW + kw), input offset of the tap's C values) for
// every output pixel and every tap that falls inside the input.
template <class Fn>
[[maybe_unused]] void for_each_tap(const ConvGeometry& g, Fn&& fn) {
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t p = (n * g.OH + oh) * g.OW + ow;
                for (int64_t kh = 0; kh < g.KH; ++kh) {
                    const int64_t ih = oh * g.stride_h - g.pad_top + kh;
                    if (ih < 0 || ih >= g.H) continue;
                    for (int64_t kw = 0; kw < g.KW; ++kw) {
                        const int64_t iw = ow * g.stride_w - g.pad_left + kw;
                        if (iw < 0 || iw >= g.W) continue;
                        fn(p, kh * g.KW + kw, ((n * g.H + ih) * g.W + iw) * g.C);
                    }
                }
            }
}

}  // namespace

namespace {

// Eight floats as one value (GCC/Clang vector extension): AVX registers with -march=native,
// pairs of SSE registers without.
typedef float v8 __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
    v8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }

// Calls fn(offset of the tap's C input values, offset of its kernel rows) for every tap of output
// pixel (n, oh, ow) that falls inside the input.
template <class Fn>
inline void for_pixel_taps(const ConvGeometry& g, int64_t n, int64_t oh, int64_t ow, Fn&& fn) {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.stride_h - g.pad_top + kh;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.W) continue;
            fn(((n * g.H + ih) * g.W + iw) * g.C, (kh * g.KW + kw) * g.C * g.K);
        }
    }
}

// Filters [k0, k0 + 32) of one pixel in four vector accumulators that stay in registers.
void direct_pixel32(const float* x, const float* w, const float* b, const ConvGeometry& g, int64_t n, int64_t oh,
                    int64_t ow, int64_t k0, float* out) {
    v8 a0{}, a1{}, a2{}, a3{};
    if (b != nullptr) {
        a0 = load8(b + k0), a1 = load8(b + k0 + 8), a2 = load8(b + k0 + 16), a3 = load8(b + k0 + 24);
    }
    for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t wt) {
        for (int64_t c = 0; c < g.C; ++c) {
            const float xv = x[in + c];
            const float* wr = w + wt + c * g.K + k0;
            a0 += xv * load8(wr), a1 += xv * load8(wr + 8), a2 += xv * load8(wr + 16), a3 += xv * load8(wr + 24);
        }
    });
    store8(out + k0, a0), store8(out + k0 + 8, a1), store8(out + k0 + 16, a2), store8(out + k0 + 24, a3);
}

// Any filter range, one accumulator at a time (the tail after the blocks of 32).
void direct_pixel_any(const float* x, const float* w, const float* b, const ConvGeometry& g, int64_t n, int64_t oh,
                      int64_t ow, int64_t k0, float* out) {
    for (int64_t k = k0; k < g.K; ++k) {
        float acc = b != nullptr ? b[k] : 0.0f;
        for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t wt) {
            for (int64_t c = 0; c < g.C; ++c) acc += x[in + c] * w[wt + c * g.K + k];
        });
        out[k] = acc;
    }
}

}  // namespace

void conv2d_direct_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y) {
    parallel_for(g.N * g.OH, 4, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t n = r / g.OH, oh = r % g.OH;
                float* out = y + ((n * g.OH + oh) * g.OW + ow) * g.K;
                int64_t k0 = 0;
                for (; k0 + 32 <= g.K; k0 += 32) direct_pixel32(x, w, b, g, n, oh, ow, k0, out);
                if (k0 < g.K) direct_pixel_any(x, w, b, g, n, oh, ow, k0, out);
            }
    });
}

namespace {

// dW (and db) of pixels [p0, p0 + tile), added into dw / db: each (tap, channel, 32 filters) sums
// the tile in four vector registers while the tile's rows of dy stay in L1.
void direct_dw_tile(const float* x, const float* dy, const ConvGeometry& g, int64_t p0, int64_t tile,
                    std::vector<int64_t>& offset, float* dw, float* db) {
    const int64_t K = g.K, C = g.C, taps = g.KH * g.KW;
    for (int64_t i = 0; i < tile; ++i) {
        const int64_t p = p0 + i, ow = p % g.OW, oh = (p / g.OW) % g.OH, n = p / (g.OW * g.OH);
        for (int64_t t = 0; t < taps; ++t) {
            const int64_t ih = oh * g.stride_h - g.pad_top + t / g.KW, iw = ow * g.stride_w - g.pad_left + t % g.KW;
            offset[static_cast<size_t>(i * taps + t)] =
                ih < 0 || ih >= g.H || iw < 0 || iw >= g.W ? -1 : ((n * g.H + ih) * g.W + iw) * C;
        }
        if (db != nullptr)
            for (int64_t k = 0; k < K; ++k) db[k] += dy[p * K + k];
    }
    if (dw == nullptr) return;
    for (int64_t t = 0; t < taps; ++t)
        for (int64_t c = 0; c < C; ++c) {
            float* dwr = dw + (t * C + c) * K;
            int64_t k0 = 0;
            for (; k0 + 32 <= K; k0 += 32) {
                v8 a0{}, a1{}, a2{}, a3{};
                for (int64_t i = 0; i < tile; ++i) {
                    const int64_t in = offset[static_cast<size_t>(i * taps + t)];
                    if (in < 0) continue;
                    const float xv = x[in + c];
                    const float* gr = dy + (p0 + i) * K + k0;
                    a0 += xv * load8(gr), a1 += xv * load8(gr + 8), a2 += xv * load8(gr + 16), a3 += xv * load8(gr + 24);
                }
                store8(dwr + k0, load8(dwr + k0) + a0), store8(dwr + k0 + 8, load8(dwr + k0 + 8) + a1);
                store8(dwr + k0 + 16, load8(dwr + k0 + 16) + a2), store8(dwr + k0 + 24, load8(dwr + k0 + 24) + a3);
            }
            for (; k0 < K; ++k0) {
                float acc = 0.0f;
                for (int64_t i = 0; i < tile; ++i) {
                    const int64_t in = offset[static_cast<size_t>(i * taps + t)];
                    if (in >= 0) acc += x[in + c] * dy[(p0 + i) * K + k0];
                }
                dwr[k0] += acc;
            }
        }
}

}  // namespace

void conv2d_direct_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, float* dx,
                            float* dw, float* db) {
    const int64_t K = g.K, C = g.C, P = g.rows();
    constexpr int64_t kTile = 64;
    const int64_t tiles = (P + kTile - 1) / kTile;
    if (dw != nullptr || db != nullptr) {
        // Each thread sums its tiles into its own dW and db; the partials are added in order.
        const int64_t ranges = parallel_ranges(tiles, 4);
        const int64_t w_size = g.patch() * K;
        std::vector<float> partial(static_cast<size_t>(ranges * (w_size + K)), 0.0f);
        parallel_for_ranges(tiles, 4, [&](int64_t r, int64_t begin, int64_t end) {
            float* my_dw = partial.data() + r * (w_size + K);
            std::vector<int64_t> offset(static_cast<size_t>(kTile * g.KH * g.KW));
            for (int64_t tile = begin; tile < end; ++tile) {
                const int64_t p0 = tile * kTile;
                direct_dw_tile(x, dy, g, p0, std::min(kTile, P - p0), offset, dw != nullptr ? my_dw : nullptr,
                               db != nullptr ? my_dw + w_size : nullptr);
            }
        });
        for (int64_t r = 0; r < ranges; ++r) {
            const float* part = partial.data() + r * (w_size + K);
            if (dw != nullptr)
                for (int64_t i = 0; i < w_size; ++i) dw[i] += part[i];
            if (db != nullptr)
                for (int64_t k = 0; k < K; ++k) db[k] += part[w_size + k];
        }
    }
    if (dx == nullptr) return;
    // By image: one image's taps overlap each other, never another image's.
    parallel_for(g.N, 1, [&](int64_t n_begin, int64_t n_end) {
        for (int64_t n = n_begin; n < n_end; ++n)
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    const float* g_row = dy + ((n * g.OH + oh) * g.OW + ow) * K;
                    for_pixel_taps(g, n, oh, ow, [&](int64_t in, int64_t wt) {
                        for (int64_t c = 0; c < C; ++c) {
                            const float* wr = w + wt + c * K;
                            float acc = 0.0f;
                            for (int64_t k = 0; k < K; ++k) acc += wr[k] * g_row[k];
                            dx[in + c] += acc;
                        }
                    });
                }
    });
}

void conv2d_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* cols, float* y) {
    im2col(x, g, cols);
    const int64_t M = g.rows(), K = g.K, P = g.patch();
    if (b != nullptr)
        for (int64_t m = 0; m < M; ++m) std::copy_n(b, K, y + m * K);
    // (M, P) x (P, K): the kernel (KH, KW, C, K) is already the (P, K) matrix in row-major order.
    blas::gemm(false, false, M, K, P, 1.0f, cols, P, w, K, b != nullptr ? 1.0f : 0.0f, y, K);
}

void conv2d_backward(const float* cols, const float* w, const float* dy, const ConvGeometry& g, float* dcols,
                     float* dx, float* dw, float* db) {
    const int64_t M = g.rows(), K = g.K, P = g.patch();
    if (dw != nullptr) blas::gemm(true, false, P, K, M, 1.0f, cols, P, dy, K, 1.0f, dw, K);
    if (db != nullptr)
        for (int64_t m = 0; m < M; ++m)
            for (int64_t k = 0; k < K; ++k) db[k] += dy[m * K + k];
    if (dx != nullptr) {
        blas::gemm(false, true, M, P, K, 1.0f, dy, K, w, K, 0.0f, dcols, P);
        col2im_add(dcols, g, dx);
    }
}

}  // namespace minnow::kernels
