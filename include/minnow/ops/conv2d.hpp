#pragma once
/// Differentiable 2-D convolution on NHWC tensors.

#include "minnow/autograd/variable.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// x (N, H, W, C) convolved with kernel (KH, KW, C, K), plus bias (K,) if defined:
/// y (N, OH, OW, K). One op: direct kernels for patches of up to 16 values, implicit-GEMM register
/// tiles for larger ones (im2col + OpenBLAS in builds without AVX2 and FMA).
Variable conv2d(const Variable& x, const Variable& kernel, const Variable& bias, Size2 strides = 1,
                Padding padding = Padding::Valid);

/// relu_max_pool2d(conv2d(x, kernel, bias, strides, padding)), the same numbers and gradients. With
/// a direct kernel's small patch, one pass that pools each pair of the convolution's rows while they
/// are in the cache, never writing them out: at inference, and in training where x needs no
/// gradient (a model's first layer), whose backward computes the kernel's and bias' gradients from
/// the pooled gradient alone.
Variable conv2d_relu_max_pool2d(const Variable& x, const Variable& kernel, const Variable& bias, Size2 strides = 1,
                                Padding padding = Padding::Valid);

}  // namespace minnow
