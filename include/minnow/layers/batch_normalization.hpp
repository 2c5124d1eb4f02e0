#pragma once
/// BatchNormalization: normalize each feature (or channel) over the batch, with Keras' numbers.

#include <utility>

#include "minnow/layers/layer.hpp"

namespace minnow {

/// Keras' BatchNormalization over the last axis: per feature after Dense (None, C), per channel
/// after Conv2D (None, H, W, C), statistics over every other axis.
///
/// Train: y = gamma * (x - mean) / sqrt(var + epsilon) + beta with the batch's mean and biased
/// variance, then moving = moving * momentum + batch_stat * (1 - momentum).
/// Infer: the same formula with the moving statistics. A frozen layer (trainable = false) always
/// runs as Infer, even inside fit. Weights, in Keras' order: gamma, beta (trainable; absent when
/// scale / center is false), moving_mean, moving_variance (non-trainable).
class BatchNormalization : public Layer {
public:
    /// axis must be -1 (or the last axis' index): minnow's tensors are channels-last.
    explicit BatchNormalization(int64_t axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool center = true,
                                bool scale = true, Initializer beta_initializer = "zeros",
                                Initializer gamma_initializer = "ones", Initializer moving_mean_initializer = "zeros",
                                Initializer moving_variance_initializer = "ones");

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    /// relu(forward(x, mode)), as one op when training: Sequential calls it for this layer and an
    /// Activation("relu") right after it.
    Variable forward_relu(const Variable& x, Mode mode);
    /// max_pool2d(relu(forward(x, mode))) with 2x2 windows, stride 2, 'valid', as one op when
    /// training: Sequential calls it when Activation("relu") and such a MaxPooling2D follow.
    Variable forward_relu_max_pool(const Variable& x, Mode mode);
    std::string class_name() const override { return "BatchNormalization"; }
    nlohmann::json get_config() const override;

    float momentum() const { return momentum_; }
    float epsilon() const { return epsilon_; }
    const Variable& gamma() const { return gamma_; }
    const Variable& beta() const { return beta_; }
    const Variable& moving_mean() const { return moving_mean_; }
    const Variable& moving_variance() const { return moving_variance_; }
    /// Inference as an affine map per channel: y = x * scale + shift, with
    /// scale = gamma / sqrt(moving_variance + epsilon) and shift = beta - moving_mean * scale.
    std::pair<Tensor, Tensor> inference_affine() const;

private:
    /// What runs after the normalization, inside the same op when training.
    enum class Then { Nothing, Relu, ReluMaxPool };
    Variable normalize(const Variable& x, Mode mode, Then then);

    int64_t axis_;
    float momentum_;
    float epsilon_;
    bool center_;
    bool scale_;
    Initializer beta_initializer_;
    Initializer gamma_initializer_;
    Initializer moving_mean_initializer_;
    Initializer moving_variance_initializer_;
    Variable gamma_;
    Variable beta_;
    Variable moving_mean_;
    Variable moving_variance_;
};

}  // namespace minnow
