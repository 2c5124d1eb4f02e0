#include "minnow/tensor/blas.hpp"

#include <algorithm>
#include <cblas.h>
#include <mutex>
#include <vector>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "tensor/inner_split.hpp"

namespace minnow::blas {

namespace {

// minnow's threads split the products (gemm below), so OpenBLAS runs each piece on one thread of
// its own: set once, before the first product or query, unless the user has set a count since.
std::once_flag g_single_threaded;
void single_threaded_openblas() {
    std::call_once(g_single_threaded, [] { openblas_set_num_threads(1); });
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    // OpenBLAS scales C by beta in a pass of its own unless beta is 1, and for beta = 0 that pass
    // is a slow loop; zeroing C here and accumulating onto it gives the same result for less.
    if (beta == 0.0f) {
        for (int64_t i = 0; i < M; ++i) std::fill_n(C + i * ldc, N, 0.0f);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
                static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    single_threaded_openblas();
    if (K == 0) {
        // OpenBLAS would leave C untouched; the maths says C = beta * C.
        for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return;
    }
    MINNOW_CHECK(lda >= (trans_a ? M : K) && ldb >= (trans_b ? K : N) && ldc >= N, ValueError,
                 "gemm: leading dimensions ({}, {}, {}) too small for M={} N={} K={}", lda, ldb, ldc, M, N, K);
    // minnow's threads split the product by output blocks, each block a single-threaded OpenBLAS
    // call. Every element of C is still one dot product over all of K in OpenBLAS' own order, so the
    // result does not depend on the thread count, and OpenBLAS never has threads of its own
    // competing with minnow's for the cores.
    const bool split_rows = M >= N;
    const int64_t extent = split_rows ? M : N;
    const int64_t tiles = (extent + kSplitTile - 1) / kSplitTile;
    const int64_t macs_per_tile = M * N * K / tiles;
    parallel_for(tiles, std::max<int64_t>(1, kSplitMacs / std::max<int64_t>(macs_per_tile, 1)),
                 [&](int64_t t0, int64_t t1) {
                     const int64_t begin = t0 * kSplitTile, end = std::min(extent, t1 * kSplitTile);
                     if (split_rows)
                         sgemm(trans_a, trans_b, end - begin, N, K, alpha, trans_a ? A + begin : A + begin * lda, lda,
                               B, ldb, beta, C + begin * ldc, ldc);
                     else
                         sgemm(trans_a, trans_b, M, end - begin, K, alpha, A, lda,
                               trans_b ? B + begin * ldb : B + begin, ldb, beta, C + begin, ldc);
                 });
}

void gemm_split_inner(bool trans_a, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                      const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    single_threaded_openblas();
    const auto [tiles, grain] = inner_split(M, N, K);
    const int64_t ranges = parallel_ranges(tiles, grain);
    if (ranges <= 1) return gemm(trans_a, false, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    MINNOW_CHECK(lda >= (trans_a ? M : K) && ldb >= N && ldc >= N, ValueError,
                 "gemm: leading dimensions ({}, {}, {}) too small for M={} N={} K={}", lda, ldb, ldc, M, N, K);
    std::vector<float> partial(static_cast<size_t>((ranges - 1) * M * N));
    parallel_for_ranges(tiles, grain, [&](int64_t r, int64_t t0, int64_t t1) {
        const int64_t begin = t0 * kSplitTile, end = std::min(K, t1 * kSplitTile);
        const float* a = trans_a ? A + begin * lda : A + begin;
        if (r == 0)
            sgemm(trans_a, false, M, N, end - begin, alpha, a, lda, B + begin * ldb, ldb, beta, C, ldc);
        else
            sgemm(trans_a, false, M, N, end - begin, alpha, a, lda, B + begin * ldb, ldb, 0.0f,
                  partial.data() + (r - 1) * M * N, N);
    });
    for (int64_t r = 1; r < ranges; ++r) {
        const float* p = partial.data() + (r - 1) * M * N;
        for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) C[i * ldc + j] += p[i * N + j];
    }
}

void set_num_threads(int threads) {
    MINNOW_CHECK(threads >= 1, ValueError, "blas::set_num_threads: expected >= 1, got {}", threads);
    single_threaded_openblas();  // so the first product does not undo this
    openblas_set_num_threads(threads);
}

int num_threads() {
    single_threaded_openblas();
    return openblas_get_num_threads();
}

std::string config() {
    std::string cfg = openblas_get_config();
    return cfg + " (core: " + openblas_get_corename() + ")";
}

}  // namespace minnow::blas
