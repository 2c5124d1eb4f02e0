#pragma once
/// Differentiable 2-D pooling and zero padding on NHWC tensors.

#include "minnow/autograd/variable.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// Maximum over (pool.h, pool.w) windows moved by `strides`: x (N, H, W, C) -> (N, OH, OW, C).
/// The gradient goes to the position of each maximum.
Variable max_pool2d(const Variable& x, Size2 pool_size = 2, Size2 strides = 2, Padding padding = Padding::Valid);

/// max_pool2d(relu(x)) with 2x2 windows, stride 2, 'valid', as one op: the same values and
/// gradients, without writing relu(x) out or reading it back.
Variable relu_max_pool2d(const Variable& x);

/// Mean over (pool.h, pool.w) windows moved by `strides`: x (N, H, W, C) -> (N, OH, OW, C); a
/// window over "same" padding averages only the real pixels (TensorFlow's and so Keras' rule).
Variable avg_pool2d(const Variable& x, Size2 pool_size = 2, Size2 strides = 2, Padding padding = Padding::Valid);

/// x (N, H, W, C) with `top` rows of zeros above, `bottom` below, `left` and `right` columns:
/// (N, H + top + bottom, W + left + right, C).
Variable zero_pad2d(const Variable& x, int64_t top, int64_t bottom, int64_t left, int64_t right);

}  // namespace minnow
