#pragma once
/// Differentiable batch normalization and dropout, as single fused ops.

#include "minnow/autograd/variable.hpp"
#include "minnow/core/rng.hpp"

namespace minnow {

/// Batch statistics of a training-mode batch_norm call, per feature (biased variance).
struct BatchStatistics {
    Tensor mean;        ///< (C,)
    Tensor variance;    ///< (C,), biased
    double count = 0.0;  ///< the values per feature they cover
    /// Set before the call (SyncBatchNormalization): when this process is one rank of a
    /// data-parallel job (core/distributed.hpp), the statistics are those of every rank's batch
    /// together, and the backward divides by the global count; otherwise ignored. Every rank must
    /// make the call, an empty shard included (0 rows).
    bool across_ranks = false;
};

/// Training-mode batch normalization over every axis but the last: x (..., C), gamma and beta
/// (C,) or undefined (scale = false / center = false). Returns y and fills `stats` with the
/// batch's mean and biased variance. Backward is the analytic formula
/// dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
Variable batch_norm_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                          BatchStatistics& stats);

/// relu(batch_norm_train(x, ...)) as one op: one pass less over x each way, the same numbers.
/// BatchNormalization uses it when an Activation("relu") follows it in training.
Variable batch_norm_relu_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                               BatchStatistics& stats);

/// max_pool2d(relu(batch_norm_train(x, ...))) with 2x2 windows, stride 2, 'valid', as one op: the
/// activations before pooling are never stored and the pooling's gradient never written out.
/// x is (N, H, W, C); the result (N, H / 2, W / 2, C). The same numbers as the three ops.
Variable batch_norm_relu_max_pool_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                                        BatchStatistics& stats);

/// Inference-mode batch normalization with given statistics:
/// y = gamma * (x - moving_mean) / sqrt(moving_variance + eps) + beta.
Variable batch_norm_infer(const Variable& x, const Variable& gamma, const Variable& beta, const Tensor& moving_mean,
                          const Tensor& moving_variance, float epsilon);

/// Inverted dropout: each element kept with probability 1 - rate (drawn from `rng`) and scaled
/// by 1 / (1 - rate); 0 <= rate < 1.
Variable dropout(const Variable& x, float rate, Rng& rng);

}  // namespace minnow
