#include "core/config_json.hpp"
#include "init/initializer_json.hpp"
#include "minnow/layers/conv2d.hpp"

#include <nlohmann/json.hpp>

#include "layers/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/conv2d.hpp"

namespace minnow {

Conv2D::Conv2D(int64_t filters, Size2 kernel_size, Size2 strides, std::string_view padding, ActivationArg activation,
               bool use_bias, Initializer kernel_initializer, Initializer bias_initializer)
    : filters_(filters),
      kernel_size_(kernel_size),
      strides_(strides),
      padding_(padding_from_name(padding)),
      activation_(activation.kind),
      use_bias_(use_bias),
      kernel_initializer_(std::move(kernel_initializer)),
      bias_initializer_(std::move(bias_initializer)) {
    MINNOW_CHECK(filters > 0 && filters <= kMaxFilters, ValueError, "Conv2D: filters must be an integer in [1, {}], got {}",
                 kMaxFilters, filters);
    MINNOW_CHECK(kernel_size.h > 0 && kernel_size.w > 0 && kernel_size.h <= kMaxKernelSide && kernel_size.w <= kMaxKernelSide,
                 ValueError, "Conv2D: kernel_size must be in [1, {}] each way, got {}", kMaxKernelSide, kernel_size.str());
    MINNOW_CHECK(strides.h > 0 && strides.w > 0, ValueError, "Conv2D: invalid strides {}", strides.str());
}

Conv2D::Conv2D(int64_t filters, Size2 kernel_size, Conv2DOptions o)
    : Conv2D(filters, kernel_size, o.strides, o.padding, o.activation, o.use_bias, std::move(o.kernel_initializer),
             std::move(o.bias_initializer)) {}

Shape Conv2D::build(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() == 4, ShapeError,
                 "{}: expected input of rank 3 (height, width, channels), got {}", describe(),
                 input_shape.batch_str());
    const AxisWindow rows = axis_window(input_shape[1], kernel_size_.h, strides_.h, padding_);
    const AxisWindow cols = axis_window(input_shape[2], kernel_size_.w, strides_.w, padding_);
    MINNOW_CHECK(rows.out > 0 && cols.out > 0, ShapeError,
                 "{}: kernel_size {} is larger than the input {}x{} with padding='valid' (input {}); use a smaller "
                 "kernel or padding='same'",
                 describe(), kernel_size_.str(), input_shape[1], input_shape[2], input_shape.batch_str());
    kernel_ = add_weight("kernel", {kernel_size_.h, kernel_size_.w, input_shape[3], filters_}, kernel_initializer_);
    if (use_bias_) bias_ = add_weight("bias", {filters_}, bias_initializer_);
    return {Shape::kNone, rows.out, cols.out, filters_};
}

Variable Conv2D::pre_activation(const Variable& x) const { return conv2d(x, kernel_, bias_, strides_, padding_); }

Variable Conv2D::forward(const Variable& x, Mode) { return minnow::activation(pre_activation(x), activation_); }

Config Conv2D::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["filters"] = filters_;
    config["kernel_size"] = detail::size2_json(kernel_size_);
    config["strides"] = detail::size2_json(strides_);
    config["padding"] = padding_name(padding_);
    config["activation"] = activation_name(activation_);
    config["use_bias"] = use_bias_;
    config["kernel_initializer"] = json_of(kernel_initializer_.serialize());
    config["bias_initializer"] = json_of(bias_initializer_.serialize());
    return config_from_json(std::move(config));
}

std::shared_ptr<Conv2D> Conv2D::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<Conv2D>(c.at("filters").get<int64_t>(), detail::size2_from_json(c.at("kernel_size")),
                                    detail::size2_from_json(c.value("strides", nlohmann::json(1))), c.value("padding", std::string("valid")),
                                    c.value("activation", std::string("linear")), c.value("use_bias", true),
                                    initializer_from_json(c.value("kernel_initializer", nlohmann::json("glorot_uniform"))),
                                    initializer_from_json(c.value("bias_initializer", nlohmann::json("zeros"))));
}

MINNOW_REGISTER_LAYER(Conv2D);

}  // namespace minnow
