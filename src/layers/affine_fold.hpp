#pragma once
// Folding a per-channel affine map y * scale + shift into a layer's kernel and bias (for
// inference): the output channel is the kernel's last axis in Dense (in, units) and Conv2D
// (KH, KW, C, filters) alike.

#include <memory>

#include "minnow/layers/layer.hpp"

namespace minnow::detail {

/// Builds `copy` (a new layer of the original's kind and sizes, linear, with a bias) for
/// `input_shape` and gives it the original's weights with the map folded in: kernel * scale along
/// the last axis, bias * scale + shift (an undefined bias counts as zeros).
std::shared_ptr<Layer> with_folded_weights(std::shared_ptr<Layer> copy, const Shape& input_shape,
                                           const Variable& kernel, const Variable& bias, const Tensor& scale,
                                           const Tensor& shift);

}  // namespace minnow::detail
