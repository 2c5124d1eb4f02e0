#pragma once
/// Dense: a fully connected layer, y = activation(x kernel + bias).

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/activations.hpp"

namespace minnow {

/// Dense's arguments by name: `Dense(64, {.activation = "relu", .use_bias = false})`.
struct DenseOptions {
    ActivationArg activation = {};                      ///< applied after the bias; linear by default
    bool use_bias = true;                               ///< add a bias per unit
    Initializer kernel_initializer = "glorot_uniform";  ///< fills the kernel at build
    Initializer bias_initializer = "zeros";             ///< fills the bias at build
};

/// Keras' Dense: (None, ..., in) -> (None, ..., units), applied to the last axis (a rank-3 input
/// (None, steps, in) gives (None, steps, units), as in Keras); kernel (in, units), bias (units,).
class Dense : public Layer {
public:
    /// The most units a Dense accepts.
    static constexpr int64_t kMaxUnits = int64_t{1} << 24;
    /// `activation` by name ("relu") or enum; defaults as in Keras.
    explicit Dense(int64_t units, ActivationArg activation = {}, bool use_bias = true,
                   Initializer kernel_initializer = "glorot_uniform", Initializer bias_initializer = "zeros");
    /// The same arguments after `units`, by name: `Dense(64, {.activation = "relu"})`.
    Dense(int64_t units, DenseOptions options);

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Dense"; }
    Config get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<Dense> from_config(const Config& config);

    /// x kernel + bias over the last axis: the output before the activation.
    Variable pre_activation(const Variable& x) const;

    ///@{
    /// The layer's arguments as given, and its kernel (in, units).
    int64_t units() const { return units_; }
    ActivationKind activation() const { return activation_; }
    bool use_bias() const { return use_bias_; }
    const Variable& kernel() const { return kernel_; }
    ///@}
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
