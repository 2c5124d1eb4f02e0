#include "minnow/layers/pooling.hpp"

#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/conv2d.hpp"

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
    config["pool_size"] = {pool_size_.h, pool_size_.w};
    config["strides"] = {strides_.h, strides_.w};
    config["padding"] = padding_name(padding_);
    return config;
}

}  // namespace minnow
