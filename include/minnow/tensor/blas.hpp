#pragma once
/// The GEMM seam: every matrix product in minnow goes through here, and only blas.cpp sees OpenBLAS.

#include <cstdint>
#include <string>

namespace minnow::blas {

/// C = alpha * op(A) * op(B) + beta * C, row-major; op(X) is X or its transpose, chosen by the flags
/// (the transpose is never materialized). op(A) is (M, K), op(B) is (K, N), C is (M, N);
/// lda, ldb, ldc are the row strides of A, B, C as stored.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

/// The same product with threads splitting K, each thread's partial product added into C in
/// thread order: for few rows of A against a large B (a Dense layer's forward at a small batch),
/// each thread then reads only the rows of B that its share of the optimizer's update and of dW
/// write on the same core. op(B) must be B itself (not transposed).
void gemm_split_inner(bool trans_a, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                      const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

/// Large products are split into row (or column) blocks across minnow's threads, each block one
/// single-threaded OpenBLAS call, so the result is the same at every thread count.
///
/// Sets OpenBLAS' own thread count. minnow sets it to 1 before its first product, so OpenBLAS'
/// threads never compete with minnow's for the cores; minnow's thread count (MINNOW_NUM_THREADS,
/// else OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, else every core) is the one in force.
void set_num_threads(int threads);
/// OpenBLAS' current thread count.
int num_threads();
/// OpenBLAS' build configuration and the kernel family in use (what OPENBLAS_CORETYPE selects).
std::string config();

}  // namespace minnow::blas
