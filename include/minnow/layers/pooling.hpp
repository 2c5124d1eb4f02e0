#pragma once
/// MaxPooling2D: the maximum of each window of an NHWC image.

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/spatial.hpp"

namespace minnow {

/// Keras' MaxPooling2D: (None, H, W, C) -> (None, OH, OW, C); strides default to pool_size.
class MaxPooling2D : public Layer {
public:
    explicit MaxPooling2D(Size2 pool_size = 2, std::optional<Size2> strides = std::nullopt,
                          std::string_view padding = "valid");

    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "MaxPooling2D"; }
    nlohmann::json get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<MaxPooling2D> from_config(const nlohmann::json& config);
    Size2 pool_size() const { return pool_size_; }
    Size2 strides() const { return strides_; }
    Padding padding() const { return padding_; }

private:
    Size2 pool_size_;
    Size2 strides_;
    Padding padding_;
};

MINNOW_LINK_LAYER(MaxPooling2D);

}  // namespace minnow
