#pragma once
/// Conv2D: a 2-D convolution over NHWC images.

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// Conv2D's arguments after the kernel size, by name: `Conv2D(32, 3, {.activation = "relu"})`.
struct Conv2DOptions {
    Size2 strides = 1;                                  ///< rows, columns
    std::string padding = "valid";                      ///< "valid" or "same"
    ActivationArg activation = {};                      ///< applied after the bias; linear by default
    bool use_bias = true;                               ///< add a bias per filter
    Initializer kernel_initializer = "glorot_uniform";  ///< fills the kernel at build
    Initializer bias_initializer = "zeros";             ///< fills the bias at build
};

/// Keras' Conv2D (channels_last): input (None, H, W, C), kernel (KH, KW, C, filters), bias
/// (filters,), output (None, OH, OW, filters). "same" padding puts the extra row and column at
/// the bottom and right, as Keras does; strides may be combined with either padding.
class Conv2D : public Layer {
public:
    ///@{
    /// The most filters, and the largest kernel side, a Conv2D accepts.
    static constexpr int64_t kMaxFilters = int64_t{1} << 20;
    static constexpr int64_t kMaxKernelSide = 4096;
    ///@}
    /// `padding` is "valid" or "same"; `activation` by name or enum.
    Conv2D(int64_t filters, Size2 kernel_size, Size2 strides = 1, std::string_view padding = "valid",
           ActivationArg activation = {}, bool use_bias = true, Initializer kernel_initializer = "glorot_uniform",
           Initializer bias_initializer = "zeros");
    /// The same arguments after the kernel size, by name: `Conv2D(32, 3, {.padding = "same"})`.
    Conv2D(int64_t filters, Size2 kernel_size, Conv2DOptions options);

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Conv2D"; }
    Config get_config() const override;
    /// The layer get_config() describes (weights freshly initialized).
    static std::shared_ptr<Conv2D> from_config(const Config& config);

    /// The convolution plus bias: the output before the activation.
    Variable pre_activation(const Variable& x) const;

    ///@{
    /// The layer's arguments as given (the kernel is (KH, KW, C, filters)).
    int64_t filters() const { return filters_; }
    Size2 kernel_size() const { return kernel_size_; }
    Size2 strides() const { return strides_; }
    Padding padding() const { return padding_; }
    ActivationKind activation() const { return activation_; }
    bool use_bias() const { return use_bias_; }
    const Variable& kernel() const { return kernel_; }
    ///@}
    /// Undefined when use_bias is false.
    const Variable& bias() const { return bias_; }

private:
    int64_t filters_;
    Size2 kernel_size_;
    Size2 strides_;
    Padding padding_;
    ActivationKind activation_;
    bool use_bias_;
    Initializer kernel_initializer_;
    Initializer bias_initializer_;
    Variable kernel_;
    Variable bias_;
};

MINNOW_LINK_LAYER(Conv2D);

}  // namespace minnow
