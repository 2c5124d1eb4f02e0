#pragma once
/// Losses as single fused ops, each reduced to the mean over the batch (Keras' default
/// "sum_over_batch_size"). Targets are plain tensors: no gradient flows into them.

#include "minnow/autograd/variable.hpp"
#include "minnow/tensor/sample_weight.hpp"

namespace minnow {

/// Keras' epsilon for clipping probabilities (keras.backend.epsilon()).
inline constexpr float kEpsilon = 1e-7f;

// Each takes an optional `sample_weight`, one weight per sample ((N,) or (N, 1)): the loss is then
// sum(w_i * loss_i) / N, Keras' "sum_over_batch_size" with sample weights. Elementwise losses
// average over every non-batch element first, as Keras' mean over the last axis does.

/// Cross-entropy of softmax(logits) against integer class labels, from logits (N, C) and labels
/// (N,) or (N, 1) holding whole numbers in [0, C); ValueError naming the first bad label.
Variable sparse_softmax_cross_entropy(const Variable& logits, const Tensor& labels, const Tensor& sample_weight = {});
/// Cross-entropy of softmax(logits) against target distributions (N, C), e.g. one-hot rows.
Variable softmax_cross_entropy(const Variable& logits, const Tensor& targets, const Tensor& sample_weight = {});
/// Cross-entropy of probabilities (N, C) against target distributions (N, C), probabilities
/// renormalized and clipped to [eps, 1 - eps] like Keras' categorical_crossentropy.
Variable categorical_crossentropy(const Variable& probs, const Tensor& targets, const Tensor& sample_weight = {});
/// Cross-entropy of probabilities (N, C) against integer labels, clipped like Keras.
Variable sparse_categorical_crossentropy(const Variable& probs, const Tensor& labels, const Tensor& sample_weight = {});
/// Binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed stably.
Variable binary_crossentropy_from_logits(const Variable& logits, const Tensor& targets, const Tensor& sample_weight = {});
/// Binary cross-entropy of probabilities clipped to [eps, 1 - eps], as Keras does.
Variable binary_crossentropy(const Variable& probs, const Tensor& targets, const Tensor& sample_weight = {});
/// mean((pred - target)^2).
Variable mean_squared_error(const Variable& pred, const Tensor& target, const Tensor& sample_weight = {});
/// mean(|pred - target|).
Variable mean_absolute_error(const Variable& pred, const Tensor& target, const Tensor& sample_weight = {});
/// Keras' huber: mean of 0.5 d^2 where |d| <= delta, delta (|d| - 0.5 delta) beyond, d = pred - target.
Variable huber(const Variable& pred, const Tensor& target, float delta = 1.0f, const Tensor& sample_weight = {});

/// Checks that `labels` hold whole numbers in [0, classes) for `rows` samples; ValueError naming
/// `who` and the first offending label otherwise.
void check_labels(const char* who, const Tensor& labels, int64_t rows, int64_t classes);

}  // namespace minnow
