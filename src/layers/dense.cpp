#include "init/initializer_json.hpp"
#include "minnow/layers/dense.hpp"

#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/linear.hpp"
#include "core/config_json.hpp"

namespace minnow {

Dense::Dense(int64_t units, ActivationArg activation, bool use_bias, Initializer kernel_initializer,
             Initializer bias_initializer)
    : units_(units),
      activation_(activation.kind),
      use_bias_(use_bias),
      kernel_initializer_(std::move(kernel_initializer)),
      bias_initializer_(std::move(bias_initializer)) {
    MINNOW_CHECK(units > 0 && units <= kMaxUnits, ValueError, "Dense: units must be an integer in [1, {}], got {}",
                 kMaxUnits, units);
}

Dense::Dense(int64_t units, DenseOptions o)
    : Dense(units, o.activation, o.use_bias, std::move(o.kernel_initializer), std::move(o.bias_initializer)) {}

Shape Dense::build(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() >= 2, ShapeError, "{}: expected input with a feature axis, got {}", describe(),
                 input_shape.batch_str());
    kernel_ = add_weight("kernel", {input_shape[-1], units_}, kernel_initializer_);
    if (use_bias_) bias_ = add_weight("bias", {units_}, bias_initializer_);
    std::vector<int64_t> out = input_shape.dims();
    out.back() = units_;
    return Shape(std::move(out));
}

Variable Dense::pre_activation(const Variable& x) const {
    const Shape& s = x.shape();
    if (s.rank() == 2) return linear(x, kernel_, bias_);
    // Every position of the leading axes is one row of the product.
    std::vector<int64_t> out = s.dims();
    out.back() = units_;
    return reshape(linear(reshape(x, {s.numel() / s[-1], s[-1]}), kernel_, bias_), Shape(std::move(out)));
}

Variable Dense::forward(const Variable& x, Mode) { return minnow::activation(pre_activation(x), activation_); }

Config Dense::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["units"] = units_;
    config["activation"] = activation_name(activation_);
    config["use_bias"] = use_bias_;
    config["kernel_initializer"] = json_of(kernel_initializer_.serialize());
    config["bias_initializer"] = json_of(bias_initializer_.serialize());
    return config_from_json(std::move(config));
}

std::shared_ptr<Dense> Dense::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<Dense>(c.at("units").get<int64_t>(), c.value("activation", std::string("linear")),
                                   c.value("use_bias", true), initializer_from_json(c.value("kernel_initializer", nlohmann::json("glorot_uniform"))),
                                   initializer_from_json(c.value("bias_initializer", nlohmann::json("zeros"))));
}

MINNOW_REGISTER_LAYER(Dense);

}  // namespace minnow
