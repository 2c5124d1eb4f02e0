#include "core/config_json.hpp"
#include "minnow/layers/pooling.hpp"

#include <nlohmann/json.hpp>

#include "layers/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/pooling.hpp"

namespace minnow {

namespace {

void check_image(const std::string& who, const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() == 4, ShapeError, "{}: expected input of rank 3 (height, width, channels), got {}",
                 who, input_shape.batch_str());
}

// The output shape of a pooling of `pool` moved by `strides`, as MaxPooling2D and
// AveragePooling2D compute it.
Shape pooled_shape(const std::string& who, const Shape& input_shape, Size2 pool, Size2 strides, Padding padding) {
    check_image(who, input_shape);
    const AxisWindow rows = axis_window(input_shape[1], pool.h, strides.h, padding);
    const AxisWindow cols = axis_window(input_shape[2], pool.w, strides.w, padding);
    MINNOW_CHECK(rows.out > 0 && cols.out > 0, ShapeError, "{}: pool_size {} is larger than the input {}x{} with padding='valid'",
                 who, pool.str(), input_shape[1], input_shape[2]);
    return {Shape::kNone, rows.out, cols.out, input_shape[3]};
}

void check_pool(const char* who, Size2 pool, Size2 strides) {
    MINNOW_CHECK(pool.h > 0 && pool.w > 0, ValueError, "{}: invalid pool_size {}", who, pool.str());
    MINNOW_CHECK(strides.h > 0 && strides.w > 0, ValueError, "{}: invalid strides {}", who, strides.str());
}

std::optional<Size2> strides_from(const nlohmann::json& c) {
    const nlohmann::json strides = c.value("strides", nlohmann::json(nullptr));
    return strides.is_null() ? std::optional<Size2>() : detail::size2_from_json(strides);
}

}  // namespace

MaxPooling2D::MaxPooling2D(Size2 pool_size, std::optional<Size2> strides, std::string_view padding)
    : pool_size_(pool_size), strides_(strides.value_or(pool_size)), padding_(padding_from_name(padding)) {
    check_pool("MaxPooling2D", pool_size_, strides_);
}


Shape MaxPooling2D::build(const Shape& input_shape) {
    return pooled_shape(describe(), input_shape, pool_size_, strides_, padding_);
}

Variable MaxPooling2D::forward(const Variable& x, Mode) { return max_pool2d(x, pool_size_, strides_, padding_); }

Config MaxPooling2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["pool_size"] = detail::size2_json(pool_size_);
    config["strides"] = detail::size2_json(strides_);
    config["padding"] = padding_name(padding_);
    return config_from_json(std::move(config));
}

std::shared_ptr<MaxPooling2D> MaxPooling2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    const Size2 pool = detail::size2_from_json(c.value("pool_size", nlohmann::json(2)));
    return std::make_shared<MaxPooling2D>(pool, strides_from(c), c.value("padding", std::string("valid")));
}

MINNOW_REGISTER_LAYER(MaxPooling2D);

AveragePooling2D::AveragePooling2D(Size2 pool_size, std::optional<Size2> strides, std::string_view padding)
    : pool_size_(pool_size), strides_(strides.value_or(pool_size)), padding_(padding_from_name(padding)) {
    check_pool("AveragePooling2D", pool_size_, strides_);
}

Shape AveragePooling2D::build(const Shape& input_shape) {
    return pooled_shape(describe(), input_shape, pool_size_, strides_, padding_);
}

Variable AveragePooling2D::forward(const Variable& x, Mode) { return avg_pool2d(x, pool_size_, strides_, padding_); }

Config AveragePooling2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["pool_size"] = detail::size2_json(pool_size_);
    config["strides"] = detail::size2_json(strides_);
    config["padding"] = padding_name(padding_);
    return config_from_json(std::move(config));
}

std::shared_ptr<AveragePooling2D> AveragePooling2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<AveragePooling2D>(detail::size2_from_json(c.value("pool_size", nlohmann::json(2))),
                                              strides_from(c), c.value("padding", std::string("valid")));
}

MINNOW_REGISTER_LAYER(AveragePooling2D);

Shape GlobalAveragePooling2D::build(const Shape& input_shape) {
    check_image(describe(), input_shape);
    return keepdims_ ? Shape{Shape::kNone, 1, 1, input_shape[3]} : Shape{Shape::kNone, input_shape[3]};
}

Variable GlobalAveragePooling2D::forward(const Variable& x, Mode) {
    const Shape& s = x.shape();
    // The mean over the H * W pixels of each channel.
    Variable m = mean(reshape(x, {s[0], s[1] * s[2], s[3]}), 1);
    return keepdims_ ? reshape(m, {s[0], 1, 1, s[3]}) : m;
}

Config GlobalAveragePooling2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["keepdims"] = keepdims_;
    return config_from_json(std::move(config));
}

std::shared_ptr<GlobalAveragePooling2D> GlobalAveragePooling2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<GlobalAveragePooling2D>(c.value("keepdims", false));
}

MINNOW_REGISTER_LAYER(GlobalAveragePooling2D);

Shape GlobalMaxPooling2D::build(const Shape& input_shape) {
    check_image(describe(), input_shape);
    return keepdims_ ? Shape{Shape::kNone, 1, 1, input_shape[3]} : Shape{Shape::kNone, input_shape[3]};
}

Variable GlobalMaxPooling2D::forward(const Variable& x, Mode) {
    const Shape& s = x.shape();
    // One window as large as the image.
    Variable m = max_pool2d(x, Size2(s[1], s[2]), Size2(s[1], s[2]), Padding::Valid);
    return keepdims_ ? m : reshape(m, {s[0], s[3]});
}

Config GlobalMaxPooling2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["keepdims"] = keepdims_;
    return config_from_json(std::move(config));
}

std::shared_ptr<GlobalMaxPooling2D> GlobalMaxPooling2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<GlobalMaxPooling2D>(c.value("keepdims", false));
}

MINNOW_REGISTER_LAYER(GlobalMaxPooling2D);

}  // namespace minnow
