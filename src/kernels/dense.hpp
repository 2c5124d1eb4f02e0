#pragma once
// A Dense layer's forward and weight-gradient products at a training batch (few rows of x against
// a larger W), in minnow's own register tiles (kernels/register_tile.hpp) rather than OpenBLAS.

#include <cstdint>

#include "kernels/isa.hpp"

namespace minnow::kernels {

/// Whether dense_forward and dense_weight_gradient run x (N, K) . W (K, U): a build with AVX2 and
/// FMA, fewer rows than `max_rows`, and whole tiles of units (U a multiple of the tile width, so
/// every load of a row of W stays inside it).
bool use_dense_tiles(int64_t N, int64_t U, int64_t max_rows);

/// y = x W + b (b may be null), x (N, K), W (K, U), y (N, U) written. Threads split K, the rows of
/// W, each summing its share into a y of its own, added in thread order: each thread reads the rows
/// of W that its share of the weight gradient and of the optimizer's update wrote on the same core.
void dense_forward(const float* x, const float* w, const float* b, int64_t N, int64_t K, int64_t U, float* y);

/// dw (+)= x^T dy, dw (K, U): threads split dw's rows as dense_forward splits W's. With `assign`
/// dw is written, else added to.
void dense_weight_gradient(const float* x, const float* dy, int64_t N, int64_t K, int64_t U, float* dw, bool assign);

}  // namespace minnow::kernels
