#pragma once
/// Differentiable matrix products through the GEMM seam.

#include "minnow/autograd/variable.hpp"

namespace minnow {

/// (M, K) x (K, N) -> (M, N).
Variable matmul(const Variable& a, const Variable& b);

/// x W + b as one op: x (N, in), W (in, units), b (units,) or undefined for no bias.
/// Backward: dx += dy W^T, dW += x^T dy, db += column sums of dy, each one GEMM or pass.
Variable linear(const Variable& x, const Variable& W, const Variable& b);

}  // namespace minnow
