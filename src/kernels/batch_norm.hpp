#pragma once
// Batch normalization over the last axis of a tensor viewed as (M, C): M = N (after Dense) or
// N*H*W (after Conv2D, NHWC), C features or channels.

#include <cstdint>

namespace minnow::kernels {

/// Training: per channel mean and biased variance of the batch (two passes, in double), then
/// y = gamma * (x - mean) * invstd + beta with invstd = 1 / sqrt(var + eps). gamma / beta may be
/// null (scale = false / center = false). Writes mean, var, invstd (C each).
void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, int64_t M, int64_t C,
                              float eps, float* y, float* mean, float* var, float* invstd);

/// Training backward, with x_hat = (x - mean) * invstd:
///   dbeta  = sum dy,  dgamma = sum dy * x_hat,
///   dx     = gamma * invstd * (dy - dbeta / M - x_hat * dgamma / M).
/// Each output pointer may be null; all accumulate (+=), except dx when not `accumulate_dx` (written).
void batch_norm_train_backward(const float* x, const float* gamma, const float* mean, const float* invstd,
                               const float* dy, int64_t M, int64_t C, float* dx, float* dgamma, float* dbeta,
                               bool accumulate_dx = true);

/// Inference: y = x * scale + shift with scale = gamma / sqrt(moving_var + eps),
/// shift = beta - moving_mean * scale.
void batch_norm_infer_forward(const float* x, const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_var, int64_t M, int64_t C, float eps, float* y);

/// Inference backward: dx += dy * scale, dgamma += sum dy * (x - mm) / sqrt(mv + eps), dbeta += sum dy.
void batch_norm_infer_backward(const float* x, const float* gamma, const float* moving_mean,
                               const float* moving_var, const float* dy, int64_t M, int64_t C, float eps, float* dx,
                               float* dgamma, float* dbeta);

}  // namespace minnow::kernels
