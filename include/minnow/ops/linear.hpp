#pragma once
/// Differentiable matrix products through the GEMM seam.

#include "minnow/autograd/variable.hpp"

namespace minnow {

/// (M, K) x (K, N) -> (M, N).
Variable matmul(const Variable& a, const Variable& b);

/// x W + b as one op: x (N, in), W (in, units), b (units,) or undefined for no bias.
/// Backward: dx += dy W^T, dW += x^T dy, db += column sums of dy, each one GEMM or pass.
Variable linear(const Variable& x, const Variable& W, const Variable& b);

/// relu(linear(x, W, b)). Without a graph to record (inference), where linear runs in the
/// implicit-GEMM tiles, the ReLU is applied as they store, so the product is never read again;
/// otherwise the two ops one after the other.
Variable linear_relu(const Variable& x, const Variable& W, const Variable& b);

}  // namespace minnow
