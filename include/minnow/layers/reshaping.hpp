#pragma once
/// Layers that move or rescale values without weights: Reshape, ZeroPadding2D, Rescaling.

#include <utility>
#include <vector>

#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"

namespace minnow {

/// Keras' Reshape: each sample to `target_shape` (batch dimension left out); one dimension may
/// be -1, worked out from the others.
class Reshape : public Layer {
public:
    /// Each sample's new shape (at most one -1); checked against the input at build.
    explicit Reshape(std::vector<int64_t> target_shape);
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Reshape"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<Reshape> from_config(const Config& config);

private:
    std::vector<int64_t> target_;
    Shape resolved_;  // the sample shape, -1 worked out at build
};

/// Keras' ZeroPadding2D on NHWC images: rows of zeros above and below, columns left and right.
/// padding = 1 pads one everywhere; {h, w} symmetric per axis; {{top, bottom}, {left, right}}.
class ZeroPadding2D : public Layer {
public:
    /// `padding` rows and columns on every side.
    explicit ZeroPadding2D(int64_t padding = 1);
    /// `height` rows above and below, `width` columns left and right.
    ZeroPadding2D(int64_t height, int64_t width);
    /// {top, bottom} rows and {left, right} columns.
    ZeroPadding2D(std::pair<int64_t, int64_t> rows, std::pair<int64_t, int64_t> cols);
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "ZeroPadding2D"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<ZeroPadding2D> from_config(const Config& config);

private:
    int64_t top_, bottom_, left_, right_;
};

/// Keras' Rescaling: y = x * scale + offset (e.g. scale = 1 / 255 for bytes).
class Rescaling : public Layer {
public:
    /// y = x * scale + offset.
    explicit Rescaling(double scale, double offset = 0.0);
    Shape build(const Shape& input_shape) override { return input_shape; }
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Rescaling"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<Rescaling> from_config(const Config& config);

private:
    float scale_, offset_;
};

MINNOW_LINK_LAYER(Reshape);
MINNOW_LINK_LAYER(ZeroPadding2D);
MINNOW_LINK_LAYER(Rescaling);

}  // namespace minnow
