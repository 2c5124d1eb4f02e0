#include "minnow/layers/pooling.hpp"

#include <nlohmann/json.hpp>

#include "layers/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/pooling.hpp"

namespace minnow {

MaxPooling2D::MaxPooling2D(Size2 pool_size, std::optional<Size2> strides, std::string_view padding)
    : pool_size_(pool_size), strides_(strides.value_or(pool_size)), padding_(padding_from_name(padding)) {
    MINNOW_CHECK(pool_size_.h > 0 && pool_size_.w > 0, ValueError, "MaxPooling2D: invalid pool_size {}",
                 pool_size_.str());
    MINNOW_CHECK(strides_.h > 0 && strides_.w > 0, ValueError, "MaxPooling2D: invalid strides {}", strides_.str());
}

Shape MaxPooling2D::build(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() == 4, ShapeError,
                 "{}: expected input of rank 3 (height, width, channels), got {}", describe(),
                 input_shape.batch_str());
    const AxisWindow rows = axis_window(input_shape[1], pool_size_.h, strides_.h, padding_);
    const AxisWindow cols = axis_window(input_shape[2], pool_size_.w, strides_.w, padding_);
    MINNOW_CHECK(rows.out > 0 && cols.out > 0, ShapeError,
                 "{}: pool_size {} is larger than the input {}x{} with padding='valid'", describe(),
                 pool_size_.str(), input_shape[1], input_shape[2]);
    return {Shape::kNone, rows.out, cols.out, input_shape[3]};
}

Variable MaxPooling2D::forward(const Variable& x, Mode) { return max_pool2d(x, pool_size_, strides_, padding_); }

nlohmann::json MaxPooling2D::get_config() const {
    nlohmann::json config = Layer::get_config();
    config["pool_size"] = detail::size2_json(pool_size_);
    config["strides"] = detail::size2_json(strides_);
    config["padding"] = padding_name(padding_);
    return config;
}

std::shared_ptr<MaxPooling2D> MaxPooling2D::from_config(const nlohmann::json& c) {
    const Size2 pool = detail::size2_from_json(c.value("pool_size", nlohmann::json(2)));
    const nlohmann::json strides = c.value("strides", nlohmann::json(nullptr));
    return std::make_shared<MaxPooling2D>(pool, strides.is_null() ? std::optional<Size2>() : detail::size2_from_json(strides),
                                          c.value("padding", std::string("valid")));
}

MINNOW_REGISTER_LAYER(MaxPooling2D);

}  // namespace minnow
