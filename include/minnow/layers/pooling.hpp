#pragma once
/// Pooling layers on NHWC images: MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
/// GlobalMaxPooling2D.

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// Keras' MaxPooling2D: (None, H, W, C) -> (None, OH, OW, C); strides default to pool_size.
class MaxPooling2D : public Layer {
public:
    /// `pool_size` rows and columns; `strides` default to pool_size; `padding` "valid" or "same".
    explicit MaxPooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                          std::string_view padding = "valid");

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "MaxPooling2D"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<MaxPooling2D> from_config(const Config& config);
    ///@{
    /// The layer's arguments as given (strides resolved).
    Size2 pool_size() const { return pool_size_; }
    Size2 strides() const { return strides_; }
    Padding padding() const { return padding_; }
    ///@}

private:
    Size2 pool_size_;
    Size2 strides_;
    Padding padding_;
};

/// Keras' AveragePooling2D: the mean of each window; strides default to pool_size; with "same"
/// padding a window at the border averages only the real pixels, as TensorFlow does.
class AveragePooling2D : public Layer {
public:
    /// `pool_size` rows and columns; `strides` default to pool_size; `padding` "valid" or "same".
    explicit AveragePooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                              std::string_view padding = "valid");
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "AveragePooling2D"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<AveragePooling2D> from_config(const Config& config);

private:
    Size2 pool_size_;
    Size2 strides_;
    Padding padding_;
};

/// Keras' GlobalAveragePooling2D: (None, H, W, C) -> (None, C), the mean over each channel's
/// pixels; with keepdims (None, 1, 1, C).
class GlobalAveragePooling2D : public Layer {
public:
    /// With `keepdims` the output keeps its spatial axes as 1 x 1.
    explicit GlobalAveragePooling2D(bool keepdims = false) : keepdims_(keepdims) {}
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "GlobalAveragePooling2D"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<GlobalAveragePooling2D> from_config(const Config& config);

private:
    bool keepdims_;
};

/// Keras' GlobalMaxPooling2D: (None, H, W, C) -> (None, C), each channel's maximum; with
/// keepdims (None, 1, 1, C). The gradient goes to the first maximum.
class GlobalMaxPooling2D : public Layer {
public:
    /// With `keepdims` the output keeps its spatial axes as 1 x 1.
    explicit GlobalMaxPooling2D(bool keepdims = false) : keepdims_(keepdims) {}
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "GlobalMaxPooling2D"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<GlobalMaxPooling2D> from_config(const Config& config);

private:
    bool keepdims_;
};

MINNOW_LINK_LAYER(MaxPooling2D);
MINNOW_LINK_LAYER(AveragePooling2D);
MINNOW_LINK_LAYER(GlobalAveragePooling2D);
MINNOW_LINK_LAYER(GlobalMaxPooling2D);

}  // namespace minnow
