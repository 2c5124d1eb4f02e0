#pragma once
// Batch normalization over the last axis of a tensor viewed as (M, C): M = N (after Dense) or
// N*H*W (after Conv2D, NHWC), C features or channels.

#include <cstdint>

#include "kernels/pooling.hpp"

namespace minnow::kernels {

/// What a training forward writes.
struct TrainOutputs {
    float* y;       // (M, C)
    float* mean;    // C each from here on
    float* var;     // biased
    float* invstd;  // 1 / sqrt(var + eps)
    float* scale;   // gamma * invstd
    float* shift;   // beta - mean * scale
    // When set and the process is one of several ranks (distributed.hpp), the statistics are the
    // whole data-parallel batch's: each shard's moments merged across ranks (SyncBatchNormalization).
    bool across_ranks = false;
    double* count = nullptr;  // if not null: the values per channel the statistics cover (global)
};

/// Training: per channel mean and biased variance of the batch (one shifted pass, float blocks
/// summed in double), then y = gamma * (x - mean) * invstd + beta = x * scale + shift, and with
/// `relu` y = max(0, that) in the same pass. gamma / beta may be null (scale = false / center = false).
void batch_norm_train_forward(const float* x, const float* gamma, const float* beta, int64_t M, int64_t C,
                              float eps, bool relu, const TrainOutputs& out);

/// The per-channel values of a training forward its backward reads back.
struct TrainSaved {
    const float* mean;
    const float* invstd;
    const float* scale;
    const float* shift;
    // As the forward's: the backward's two sums per channel are then summed across ranks (2C
    // values in one allreduce) and divided by `count`, the global number of values per channel.
    bool across_ranks = false;
    double count = 0.0;
};

/// Training backward, with x_hat = (x - mean) * invstd:
///   dbeta  = sum dy,  dgamma = sum dy * x_hat,
///   dx     = gamma * invstd * (dy - dbeta / M - x_hat * dgamma / M).
/// With `relu` (the forward's), dy is first zeroed wherever x * scale + shift <= 0: the ReLU's
/// gradient, taken as Keras takes it at 0. Each output pointer may be null; all accumulate (+=),
/// except dx with `assign_dx` (written: it may be uninitialized).
void batch_norm_train_backward(const float* x, const float* gamma, const TrainSaved& saved, bool relu,
                               const float* dy, int64_t M, int64_t C, float* dx, float* dgamma, float* dbeta,
                               bool assign_dx = false);

/// BatchNormalization, ReLU and 2x2 max pooling (stride 2, 'valid') in one training forward:
/// statistics over every pixel of x (g.N, g.H, g.W, g.C), then out.y (g.N, g.OH, g.OW, g.C) = the
/// window maxima of max(0, x * scale + shift) and argmax as max_pool2d_forward writes them. The
/// activations before pooling are never stored.
void batch_norm_relu_max_pool_train_forward(const float* x, const float* gamma, const float* beta,
                                            const PoolGeometry& g, float eps, const TrainOutputs& out,
                                            int32_t* argmax);

/// Its backward: batch_norm_train_backward with `relu`, the pooling's gradient (dy at each window's
/// maximum, zero elsewhere) computed where it is needed instead of written out and read back.
void batch_norm_relu_max_pool_train_backward(const float* x, const float* gamma, const TrainSaved& saved,
                                             const float* dy, const int32_t* argmax, const PoolGeometry& g,
                                             float* dx, float* dgamma, float* dbeta, bool assign_dx);

/// Inference: y = x * scale + shift with scale = gamma / sqrt(moving_var + eps),
/// shift = beta - moving_mean * scale.
void batch_norm_infer_forward(const float* x, const float* gamma, const float* beta, const float* moving_mean,
                              const float* moving_var, int64_t M, int64_t C, float eps, float* y);

/// Inference backward: dx += dy * scale, dgamma += sum dy * (x - mm) / sqrt(mv + eps), dbeta += sum dy.
void batch_norm_infer_backward(const float* x, const float* gamma, const float* moving_mean,
                               const float* moving_var, const float* dy, int64_t M, int64_t C, float eps, float* dx,
                               float* dgamma, float* dbeta);

}  // namespace minnow::kernels
