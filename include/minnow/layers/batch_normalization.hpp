#pragma once
/// BatchNormalization: normalize each feature (or channel) over the batch, with Keras' numbers.

#include <utility>

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/normalization.hpp"

namespace minnow {

/// BatchNormalization's arguments by name: `BatchNormalization({.momentum = 0.9, .synchronized = true})`.
struct BatchNormalizationOptions {
    int64_t axis = -1;         ///< the feature axis: only the last (channels-last)
    double momentum = 0.99;    ///< of the moving statistics' update
    double epsilon = 1e-3;     ///< added to the variance
    bool center = true;        ///< learn beta
    bool scale = true;         ///< learn gamma
    Initializer beta_initializer = "zeros";              ///< beta's initial values
    Initializer gamma_initializer = "ones";              ///< gamma's initial values
    Initializer moving_mean_initializer = "zeros";       ///< the moving mean's initial values
    Initializer moving_variance_initializer = "ones";    ///< the moving variance's initial values
    bool synchronized = false;  ///< statistics of the global batch in data-parallel training
};

/// Keras' BatchNormalization over the last axis: per feature after Dense (None, C), per channel
/// after Conv2D (None, H, W, C), statistics over every other axis.
///
/// Train: y = gamma * (x - mean) / sqrt(var + epsilon) + beta with the batch's mean and biased
/// variance, then moving = moving * momentum + batch_stat * (1 - momentum).
/// Infer: the same formula with the moving statistics. A frozen layer (trainable = false) always
/// runs as Infer, even inside fit. Weights, in Keras' order: gamma, beta (trainable; absent when
/// scale / center is false), moving_mean, moving_variance (non-trainable).
///
/// With `synchronized` (Keras' argument; PyTorch's SyncBatchNorm), a data-parallel fit on several
/// ranks (core/distributed.hpp) normalizes with the statistics of the whole global batch rather
/// than of each rank's shard: the shards' moments are merged across ranks in the forward, and the
/// backward's two per-channel sums summed across them. On one process it is the ordinary layer.
class BatchNormalization : public Layer {
public:
    /// axis must be -1 (or the last axis' index): minnow's tensors are channels-last.
    explicit BatchNormalization(int64_t axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool center = true,
                                bool scale = true, Initializer beta_initializer = "zeros",
                                Initializer gamma_initializer = "ones", Initializer moving_mean_initializer = "zeros",
                                Initializer moving_variance_initializer = "ones", bool synchronized = false);
    /// The same arguments by name.
    explicit BatchNormalization(BatchNormalizationOptions options);

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "BatchNormalization"; }
    Config get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<BatchNormalization> from_config(const Config& config);

    /// Whether a call in `mode` normalizes with the batch's statistics (and updates the moving
    /// ones): in training, unless the layer is frozen.
    bool uses_batch_statistics(Mode mode) const { return mode == Mode::Train && trainable(); }
    /// A training op with batch_norm_train's arguments: batch_norm_train itself or a fused form of
    /// it (ops/normalization.hpp).
    using TrainOp = Variable (*)(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                                 BatchStatistics& stats);
    /// Batch-statistics normalization by `op`: checks the batch, runs op with this layer's gamma,
    /// beta and epsilon, then moves the moving statistics toward the batch's. forward() in training
    /// runs it with batch_norm_train; a fusion rule with a fused op.
    Variable normalize_with_batch_statistics(const Variable& x, TrainOp op);

    ///@{
    /// The layer's arguments and weights: momentum and epsilon as given; gamma (scale), beta
    /// (center) and the moving statistics, each (C,) (gamma and beta undefined without scale /
    /// center).
    float momentum() const { return momentum_; }
    float epsilon() const { return epsilon_; }
    bool synchronized() const { return synchronized_; }
    const Variable& gamma() const { return gamma_; }
    const Variable& beta() const { return beta_; }
    const Variable& moving_mean() const { return moving_mean_; }
    const Variable& moving_variance() const { return moving_variance_; }
    ///@}
    /// Inference as an affine map per channel: y = x * scale + shift, with
    /// scale = gamma / sqrt(moving_variance + epsilon) and shift = beta - moving_mean * scale.
    std::pair<Tensor, Tensor> inference_affine() const;

    ///@{
    /// A synchronized layer's part in a training step on a rank whose shard of the batch is empty:
    /// the collectives its forward and backward would make, with nothing to contribute, so the
    /// other ranks are not left waiting; the forward's also moves the moving statistics toward the
    /// global batch's, as on every rank. Sequential's data-parallel fit calls them, in the order
    /// the layers' forwards and backwards run.
    void forward_without_samples();
    void backward_without_samples();
    ///@}

private:
    void update_moving_statistics(const float* mean, const float* variance);
    /// Every rank sees the same global count, so all refuse a batch too small alike.
    void check_global_count(double count) const;

    int64_t axis_;
    float momentum_;
    float epsilon_;
    bool center_;
    bool scale_;
    Initializer beta_initializer_;
    Initializer gamma_initializer_;
    Initializer moving_mean_initializer_;
    Initializer moving_variance_initializer_;
    bool synchronized_;
    Variable gamma_;
    Variable beta_;
    Variable moving_mean_;
    Variable moving_variance_;
};

MINNOW_LINK_LAYER(BatchNormalization);

}  // namespace minnow
