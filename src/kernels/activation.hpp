#pragma once
// Elementwise activation kernels: forward writes y from x; backward adds dy * f'(x) into dx,
// using whichever of x and y gives the derivative most cheaply.

#include <cstdint>

#include "kernels/isa.hpp"

namespace minnow::kernels {

enum class Elementwise { Relu, Sigmoid, Tanh, LeakyRelu, Elu, Gelu, Swish };

/// ReLU and its gradient, defined once: the fused ops that apply a ReLU (BatchNormalization's,
/// pooling's) must give Activation("relu")'s numbers to the bit.
MINNOW_KERNEL_INLINE float relu_value(float v) { return v > 0.0f ? v : 0.0f; }
/// dy where relu's input v was positive, else 0.
MINNOW_KERNEL_INLINE float relu_gradient(float v, float dy) { return v > 0.0f ? dy : 0.0f; }

/// y[i] = f(x[i]); `alpha` is leaky_relu's negative slope or elu's alpha.
void activation_forward(Elementwise f, const float* x, float* y, int64_t n, float alpha);
/// dx[i] += dy[i] * f'(x[i]), or dx[i] = ... when not `accumulate`.
void activation_backward(Elementwise f, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                         float alpha, bool accumulate = true);

/// Softmax over the middle axis of a tensor viewed as (outer, n, inner).
void softmax_forward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
/// dx += y * (dy - sum(dy * y)) over the same view.
void softmax_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner);
/// log-softmax: y = x - logsumexp(x) over the same view.
void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t n, int64_t inner);
/// dx += dy - softmax * sum(dy), with softmax = exp(y).
void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t outer, int64_t n, int64_t inner);

}  // namespace minnow::kernels
