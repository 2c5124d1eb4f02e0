#pragma once
/// Differentiable 2-D max pooling on NHWC tensors.

#include "minnow/autograd/variable.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// Maximum over (pool.h, pool.w) windows moved by `strides`: x (N, H, W, C) -> (N, OH, OW, C).
/// The gradient goes to the position of each maximum.
Variable max_pool2d(const Variable& x, Size2 pool_size = 2, Size2 strides = 2, Padding padding = Padding::Valid);

/// max_pool2d(relu(x)) with 2x2 windows, stride 2, 'valid', as one op: the same values and
/// gradients, without writing relu(x) out or reading it back.
Variable relu_max_pool2d(const Variable& x);

}  // namespace minnow
