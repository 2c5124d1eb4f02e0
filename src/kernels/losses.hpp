#pragma once
// Fused loss kernels. Forward returns the loss summed over samples (the op divides by N);
// backward adds scale * dLoss/dinput, where scale carries the upstream gradient and the 1/N.
//
// `w` holds one weight per sample (Keras' sample_weight) or is null for all ones: a sample's loss
// and its gradient are both multiplied by its weight. ElementLayout losses see `row` elements per
// sample (the product of the non-batch dimensions).

#include <cstdint>

namespace minnow::kernels {

/// z (N, C) logits, labels (N) whole numbers; writes softmax(z) to probs.
double softmax_xent_sparse_forward(const float* z, const float* labels, const float* w, float* probs, int64_t N,
                                   int64_t C);
/// dz += scale * w * (probs - onehot(labels)).
void softmax_xent_sparse_backward(const float* probs, const float* labels, const float* w, float scale, float* dz,
                                  int64_t N, int64_t C);
/// t (N, C) target distributions; writes softmax(z) to probs.
double softmax_xent_dense_forward(const float* z, const float* t, const float* w, float* probs, int64_t N, int64_t C);
/// dz += scale * w * (probs * sum_c(t) - t).
void softmax_xent_dense_backward(const float* probs, const float* t, const float* w, float scale, float* dz, int64_t N,
                                 int64_t C);

/// Keras' categorical_crossentropy on probabilities p (N, C): rows renormalized, clipped to
/// [eps, 1 - eps], loss -sum t log p.
double categorical_xent_forward(const float* p, const float* t, const float* w, int64_t N, int64_t C, float eps);
void categorical_xent_backward(const float* p, const float* t, const float* w, float scale, float* dp, int64_t N,
                               int64_t C, float eps);

/// The elementwise losses: n elements, `row` of them per sample.
struct ElementLayout {
    int64_t n = 0;
    int64_t row = 1;
};

/// max(z, 0) - z t + log(1 + exp(-|z|)), summed.
double bce_logits_forward(const float* z, const float* t, const float* w, ElementLayout e);
/// dz += scale * w * (sigmoid(z) - t).
void bce_logits_backward(const float* z, const float* t, const float* w, float scale, float* dz, ElementLayout e);
/// -(t log p + (1 - t) log(1 - p)) with p clipped to [eps, 1 - eps], summed.
double bce_probs_forward(const float* p, const float* t, const float* w, ElementLayout e, float eps);
/// dp += scale * w * ((1 - t) / (1 - p) - t / p) where p is inside the clip range, 0 outside.
void bce_probs_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e,
                        float eps);

/// sum (p - t)^2.
double squared_error_forward(const float* p, const float* t, const float* w, ElementLayout e);
/// dp += scale * w * 2 (p - t).
void squared_error_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e);
/// sum |p - t|.
double absolute_error_forward(const float* p, const float* t, const float* w, ElementLayout e);
/// dp += scale * w * sign(p - t) (0 where p == t, as TensorFlow's gradient of abs).
void absolute_error_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e);
/// Huber: 0.5 d^2 where |d| <= delta, delta (|d| - 0.5 delta) beyond, d = p - t; summed.
double huber_forward(const float* p, const float* t, const float* w, ElementLayout e, float delta);
/// dp += scale * w * clip(d, -delta, delta).
void huber_backward(const float* p, const float* t, const float* w, float scale, float* dp, ElementLayout e, float delta);

}  // namespace minnow::kernels
