// A Dense layer's products at a training batch (32 x 784 -> 128 in W1) in register tiles. OpenBLAS
// packs both operands into its own layout on every call, which at 32 rows costs as much as the
// product; the tiles read x, dy and W where they lie.
#include "kernels/dense.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "kernels/register_tile.hpp"
#include "minnow/core/parallel.hpp"
#include "tensor/inner_split.hpp"

MINNOW_KERNELS_BEGIN

namespace {

using namespace tile;

// Threads split K as blas::gemm_split_inner does (tensor/inner_split.hpp).
using blas::inner_split;
using blas::kSplitTile;

// Stores v at p (aligned to its size) without taking the line into this core's cache. A worker's
// partial product goes to the thread that adds it up; a plain store first claims each line from
// that thread's cache, where the last step's read left it: at 32 x 128 that claim took the worker
// 13 of its 31 us.
MINNOW_KERNEL_INLINE void stream(float* p, vw v) {
#if defined(__AVX512F__)
    _mm512_stream_ps(p, (__m512)v);
#elif MINNOW_KERNEL_HAS_AVX2
    _mm256_stream_ps(p, (__m256)v);
#else
    storew(p, v);
#endif
}

MINNOW_KERNEL_INLINE void stream_fence() {
#if MINNOW_KERNEL_HAS_AVX2
    _mm_sfence();  // the streamed stores are seen before the pool reports the range done
#endif
}

// y (N, U) = x[:, k0:k1] W[k0:k1, :] (+ b), x's rows `K` apart; with `streamed`, y's rows are
// aligned to a vector and written by stream().
void forward_rows(const float* x, const float* w, const float* b, int64_t N, int64_t K, int64_t U, int64_t k0,
                  int64_t k1, float* y, bool streamed) {
    alignas(64) float spare[kRows][kCols];
    for (int64_t n0 = 0; n0 < N; n0 += kRows) {
        const int rows = static_cast<int>(std::min<int64_t>(kRows, N - n0));
        const float* xr[kRows];
        float* out[kRows];
        for (int r = 0; r < kRows; ++r) xr[r] = x + (n0 + std::min(r, rows - 1)) * K + k0;  // rows past N compute a copy
        for (int64_t u = 0; u < U; u += kCols) {
            for (int r = 0; r < kRows; ++r) out[r] = r < rows ? y + (n0 + r) * U + u : spare[r];
            Tile t;
            if (b != nullptr) fill(t, b + u);
            else zero(t);
            accumulate(t, k1 - k0, w + k0 * U + u, U, [&](int64_t i, int r) { return xr[r][i]; });
            if (!streamed) {
                store(t, out);
                continue;
            }
            for (int r = 0; r < kRows; ++r) stream(out[r], t.c[r][0]), stream(out[r] + kHalf, t.c[r][1]);
        }
    }
}

// dw[k0:k1, :] (+)= x[:, k0:k1]^T dy: tiles of 6 rows of dw x kCols units, each summing the N rows
// of x and dy in order.
void weight_gradient_rows(const float* x, const float* dy, int64_t N, int64_t K, int64_t U, int64_t k0, int64_t k1,
                          float* dw, bool assign) {
    float spare[kRows][kCols] = {};
    for (int64_t first = k0; first < k1; first += kRows) {
        const int rows = static_cast<int>(std::min<int64_t>(kRows, k1 - first));
        int64_t column[kRows];  // rows past k1 compute a copy of the last
        for (int r = 0; r < kRows; ++r) column[r] = first + std::min(r, rows - 1);
        for (int64_t u = 0; u < U; u += kCols) {
            float* out[kRows];
            for (int r = 0; r < kRows; ++r) out[r] = r < rows ? dw + (first + r) * U + u : spare[r];
            Tile t;
            if (!assign) load(t, out);
            else zero(t);
            accumulate(t, N, dy + u, U, [&](int64_t i, int r) { return x[i * K + column[r]]; });
            store(t, out);
        }
    }
}

}  // namespace

MINNOW_KERNEL_VARIANT(use_dense_tiles)
bool use_dense_tiles(int64_t N, int64_t U, int64_t max_rows) {
    MINNOW_DISPATCH(use_dense_tiles, N, U, max_rows);
#if MINNOW_KERNEL_HAS_AVX2
    return N > 0 && N < max_rows && U > 0 && U % kCols == 0;
#else
    // Without AVX2 a tile's 12 accumulators take 24 SSE registers and spill: OpenBLAS is faster.
    (void)N, (void)U, (void)max_rows;
    return false;
#endif
}

MINNOW_KERNEL_VARIANT(dense_forward)
void dense_forward(const float* x, const float* w, const float* b, int64_t N, int64_t K, int64_t U, float* y) {
    MINNOW_DISPATCH(dense_forward, x, w, b, N, K, U, y);
    if (K == 0) return forward_rows(x, w, b, N, K, U, 0, 0, y, false);  // y is the bias (or zeros)
    const auto [blocks, grain] = inner_split(N, U, K);
    // The workers' partial products, one per range, in the caller's vector kept between calls (a
    // plain reference, so that the workers reach the caller's and not a thread_local of their own).
    thread_local std::vector<const float*> caller_partial;
    std::vector<const float*>& partial = caller_partial;
    partial.assign(static_cast<size_t>(parallel_ranges(blocks, grain)), nullptr);
    parallel_for_ranges(blocks, grain, [&](int64_t r, int64_t begin, int64_t end) {
        const int64_t k0 = begin * kSplitTile, k1 = std::min(K, end * kSplitTile);
        if (r == 0) return forward_rows(x, w, b, N, K, U, k0, k1, y, false);
        // Each worker's partial product lives in a buffer of its own, aligned for stream().
        thread_local std::vector<float> own;
        const size_t floats = static_cast<size_t>(N * U) + 64 / sizeof(float);
        if (own.size() < floats) own.resize(floats);
        const auto misalignment = reinterpret_cast<uintptr_t>(own.data()) % 64;
        float* into = own.data() + (misalignment == 0 ? 0 : (64 - misalignment) / sizeof(float));
        forward_rows(x, w, nullptr, N, K, U, k0, k1, into, true);
        stream_fence();
        partial[static_cast<size_t>(r)] = into;
    });
    for (const float* p : partial)
        if (p != nullptr)
            for (int64_t i = 0; i < N * U; ++i) y[i] += p[i];
}

MINNOW_KERNEL_VARIANT(dense_weight_gradient)
void dense_weight_gradient(const float* x, const float* dy, int64_t N, int64_t K, int64_t U, float* dw, bool assign) {
    MINNOW_DISPATCH(dense_weight_gradient, x, dy, N, K, U, dw, assign);
    const auto [blocks, grain] = inner_split(N, U, K);
    parallel_for(blocks, grain, [&](int64_t begin, int64_t end) {
        weight_gradient_rows(x, dy, N, K, U, begin * kSplitTile, std::min(K, end * kSplitTile), dw, assign);
    });
}

MINNOW_KERNELS_END
