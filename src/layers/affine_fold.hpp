#pragma once
// Folding a per-channel affine map y * scale + shift into a layer's kernel and bias (for
// inference): the output channel is the kernel's last axis in Dense (in, units) and Conv2D
// (KH, KW, C, filters) alike.

#include "minnow/autograd/variable.hpp"

namespace minnow::detail {

/// kernel * scale along the last axis.
Tensor fold_kernel(const Tensor& kernel, const Tensor& scale);
/// bias * scale + shift; an undefined bias counts as zeros.
Tensor fold_bias(const Variable& bias, const Tensor& scale, const Tensor& shift);

}  // namespace minnow::detail
