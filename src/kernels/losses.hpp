#pragma once
// Fused loss kernels. Forward returns the loss summed over samples (the op divides by N);
// backward adds scale * dLoss/dinput, where scale carries the upstream gradient and the 1/N.

#include <cstdint>

namespace minnow::kernels {

/// z (N, C) logits, labels (N) whole numbers; writes softmax(z) to probs.
double softmax_xent_sparse_forward(const float* z, const float* labels, float* probs, int64_t N, int64_t C);
/// dz += scale * (probs - onehot(labels)).
void softmax_xent_sparse_backward(const float* probs, const float* labels, float scale, float* dz, int64_t N,
                                  int64_t C);
/// t (N, C) target distributions; writes softmax(z) to probs.
double softmax_xent_dense_forward(const float* z, const float* t, float* probs, int64_t N, int64_t C);
/// dz += scale * (probs * sum_c(t) - t).
void softmax_xent_dense_backward(const float* probs, const float* t, float scale, float* dz, int64_t N, int64_t C);

/// Keras' categorical_crossentropy on probabilities p (N, C): rows renormalized, clipped to
/// [eps, 1 - eps], loss -sum t log p.
double categorical_xent_forward(const float* p, const float* t, int64_t N, int64_t C, float eps);
void categorical_xent_backward(const float* p, const float* t, float scale, float* dp, int64_t N, int64_t C,
                               float eps);

/// max(z, 0) - z t + log(1 + exp(-|z|)) summed over n elements.
double bce_logits_forward(const float* z, const float* t, int64_t n);
/// dz += scale * (sigmoid(z) - t).
void bce_logits_backward(const float* z, const float* t, float scale, float* dz, int64_t n);
/// -(t log p + (1 - t) log(1 - p)) with p clipped to [eps, 1 - eps], summed.
double bce_probs_forward(const float* p, const float* t, int64_t n, float eps);
/// dp += scale * ((1 - t) / (1 - p) - t / p) where p is inside the clip range, 0 outside.
void bce_probs_backward(const float* p, const float* t, float scale, float* dp, int64_t n, float eps);

/// sum (p - t)^2.
double squared_error_forward(const float* p, const float* t, int64_t n);
/// dp += scale * 2 (p - t).
void squared_error_backward(const float* p, const float* t, float scale, float* dp, int64_t n);

}  // namespace minnow::kernels
