#include "minnow/tensor/blas.hpp"

#include <cblas.h>

#include "minnow/core/error.hpp"

namespace minnow::blas {

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
    if (M == 0 || N == 0) return;
    if (K == 0) {
        // OpenBLAS would leave C untouched; the maths says C = beta * C.
        for (int64_t i = 0; i < M; ++i)
            for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
        return;
    }
    MINNOW_CHECK(lda >= (trans_a ? M : K) && ldb >= (trans_b ? K : N) && ldc >= N, ValueError,
                 "gemm: leading dimensions ({}, {}, {}) too small for M={} N={} K={}", lda, ldb, ldc, M, N, K);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(M), static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
                static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C, static_cast<blasint>(ldc));
}

void set_num_threads(int threads) {
    MINNOW_CHECK(threads >= 1, ValueError, "blas::set_num_threads: expected >= 1, got {}", threads);
    openblas_set_num_threads(threads);
}

int num_threads() { return openblas_get_num_threads(); }

std::string config() {
    std::string cfg = openblas_get_config();
    return cfg + " (core: " + openblas_get_corename() + ")";
}

}  // namespace minnow::blas
