#pragma once
/// LayerNormalization and GroupNormalization: per-sample normalization, which (unlike
/// BatchNormalization) does not depend on the batch, so it keeps working with tiny batches.
/// Both are written with the public extension API only (minnow::record), as a user's layer would be.

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"

namespace minnow {

/// Normalizes groups of values within each sample and applies a per-channel scale and offset.
/// x (N, S, C) in memory (S = every axis between the first and the last), channels split into
/// `groups` groups of C / groups; each (sample, group) gets its own mean and biased variance:
/// y = gamma[c] * (x - mean) / sqrt(var + epsilon) + beta[c]. gamma / beta may be undefined.
Variable group_norm(const Variable& x, const Variable& gamma, const Variable& beta, int64_t samples, int64_t groups,
                    float epsilon);

/// Keras' LayerNormalization over the last axis: each position's C features are normalized on
/// their own. Weights gamma (ones), beta (zeros), both (C,).
class LayerNormalization : public Layer {
public:
    /// axis must be -1 (or the last axis' index).
    explicit LayerNormalization(int64_t axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true);

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "LayerNormalization"; }
    Config get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<LayerNormalization> from_config(const Config& config);

private:
    int64_t axis_;
    float epsilon_;
    bool center_, scale_;
    Variable gamma_, beta_;
};

/// Keras' GroupNormalization: the channels (last axis) of each sample are split into `groups`
/// groups; each group is normalized over its channels and every spatial position. groups = 1 is
/// layer normalization over the whole sample; groups = channels is instance normalization.
class GroupNormalization : public Layer {
public:
    /// groups must divide the number of channels (checked at build); axis must be -1.
    explicit GroupNormalization(int64_t groups = 32, int64_t axis = -1, double epsilon = 1e-3, bool center = true,
                                bool scale = true);

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "GroupNormalization"; }
    Config get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<GroupNormalization> from_config(const Config& config);

private:
    int64_t groups_;
    int64_t axis_;
    float epsilon_;
    bool center_, scale_;
    Variable gamma_, beta_;
};

MINNOW_LINK_LAYER(LayerNormalization);
MINNOW_LINK_LAYER(GroupNormalization);

}  // namespace minnow
