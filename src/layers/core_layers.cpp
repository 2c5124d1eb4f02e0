#include "minnow/layers/core_layers.hpp"

#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/init/initializers.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/normalization.hpp"
#include "core/config_json.hpp"

namespace minnow {

Activation::Activation(ActivationArg activation) : activation_(activation.kind) {}

Variable Activation::forward(const Variable& x, Mode) { return minnow::activation(x, activation_); }

Config Activation::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["activation"] = activation_name(activation_);
    return config_from_json(std::move(config));
}

std::shared_ptr<Activation> Activation::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<Activation>(c.at("activation").get<std::string>());
}

MINNOW_REGISTER_LAYER(Activation);

Dropout::Dropout(double rate, std::optional<uint64_t> seed)
    : rate_(static_cast<float>(rate)), seed_(seed), rng_(seed ? *seed : global_rng().next_u64()) {
    MINNOW_CHECK(rate >= 0.0 && rate < 1.0, ValueError, "{}: invalid rate={}, expected 0 <= rate < 1", describe(),
                 rate);
}

Variable Dropout::forward(const Variable& x, Mode mode) {
    if (mode == Mode::Infer || rate_ == 0.0f) return x;
    return dropout(x, rate_, rng_);
}

Config Dropout::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["rate"] = rate_;
    config["seed"] = seed_ ? nlohmann::json(*seed_) : nlohmann::json(nullptr);
    return config_from_json(std::move(config));
}

std::shared_ptr<Dropout> Dropout::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    const nlohmann::json seed = c.value("seed", nlohmann::json(nullptr));
    return std::make_shared<Dropout>(c.at("rate").get<double>(),
                                     seed.is_null() ? std::nullopt : std::optional<uint64_t>(seed.get<uint64_t>()));
}

MINNOW_REGISTER_LAYER(Dropout);

Shape Flatten::build(const Shape& input_shape) {
    int64_t features = 1;
    for (int64_t i = 1; i < input_shape.rank(); ++i) features *= input_shape[i];
    return {Shape::kNone, features};
}

Variable Flatten::forward(const Variable& x, Mode) {
    if (x.shape().rank() == 1) return reshape(x, {x.shape()[0], 1});
    return flatten(x);
}

std::shared_ptr<Flatten> Flatten::from_config(const Config&) { return std::make_shared<Flatten>(); }

MINNOW_REGISTER_LAYER(Flatten);

InputLayer::InputLayer(Shape shape) : shape_(std::move(shape)) {
    for (int64_t d : shape_)
        MINNOW_CHECK(d > 0, ValueError, "Input: every dimension of shape {} must be positive", shape_);
}

Shape InputLayer::build(const Shape& input_shape) {
    MINNOW_CHECK(input_shape.sample() == shape_, ShapeError, "{}: declared input shape {}, got {}", describe(),
                 shape_.batched(Shape::kNone).batch_str(), input_shape.batch_str());
    return input_shape;
}

Config InputLayer::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["batch_shape"] = shape_.batched(Shape::kNone).dims();
    return config_from_json(std::move(config));
}

std::shared_ptr<InputLayer> InputLayer::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    // Keras writes the batch dimension as null, minnow as -1.
    std::vector<int64_t> dims;
    for (const auto& d : c.at("batch_shape")) dims.push_back(d.is_null() ? Shape::kNone : d.get<int64_t>());
    MINNOW_CHECK(dims.size() >= 2, ValueError,
                 "InputLayer: batch_shape must be (None, dims...) with at least one sample dimension, got {} values",
                 dims.size());
    return std::make_shared<InputLayer>(Shape(std::vector<int64_t>(dims.begin() + 1, dims.end())));
}

MINNOW_REGISTER_LAYER(InputLayer);

}  // namespace minnow
