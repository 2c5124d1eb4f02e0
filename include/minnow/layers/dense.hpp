#pragma once
/// Dense: a fully connected layer, y = activation(x kernel + bias).

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/activations.hpp"

namespace minnow {

/// Keras' Dense on a batch of vectors (None, in) -> (None, units); kernel (in, units), bias
/// (units,). Higher-rank inputs are refused: put Flatten before it.
class Dense : public Layer {
public:
    /// The most units a Dense accepts.
    static constexpr int64_t kMaxUnits = int64_t{1} << 24;
    /// `activation` by name ("relu") or enum; defaults as in Keras.
    explicit Dense(int64_t units, ActivationArg activation = {}, bool use_bias = true,
                   Initializer kernel_initializer = "glorot_uniform", Initializer bias_initializer = "zeros");

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Dense"; }
    nlohmann::json get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<Dense> from_config(const nlohmann::json& config);

    /// x kernel + bias: the output before the activation.
    Variable pre_activation(const Variable& x) const;

    int64_t units() const { return units_; }
    ActivationKind activation() const { return activation_; }
    bool use_bias() const { return use_bias_; }
    const Variable& kernel() const { return kernel_; }
    /// Undefined when use_bias is false.
    const Variable& bias() const { return bias_; }

private:
    int64_t units_;
    ActivationKind activation_;
    bool use_bias_;
    Initializer kernel_initializer_;
    Initializer bias_initializer_;
    Variable kernel_;
    Variable bias_;
};

MINNOW_LINK_LAYER(Dense);

}  // namespace minnow
