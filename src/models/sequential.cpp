#include "minnow/models/sequential.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/layers/core_layers.hpp"
#include "models/plan.hpp"
#include "core/config_json.hpp"

namespace minnow {

ValidationData::ValidationData(Tensor x, Tensor y, Tensor weights)
    : data(std::make_shared<TensorDataset>(std::move(x), std::move(y))), sample_weight(std::move(weights)) {}

Sequential::Sequential(std::initializer_list<LayerHandle> layers) {
    for (const LayerHandle& h : layers) add(h);
}

Sequential::Sequential(const std::vector<LayerHandle>& layers) {
    for (const LayerHandle& h : layers) add(h);
}

void Sequential::assign_name(Layer& layer) const {
    if (layer.has_explicit_name()) {
        for (const auto& other : layers_)
            MINNOW_CHECK(other->name() != layer.name(), ValueError,
                         "{}: a layer named '{}' is already in the model; layer names must be unique", describe(),
                         layer.name());
        return;
    }
    // Keras' scheme: the first "dense", then "dense_1", "dense_2", ... skipping names in use.
    const std::string base = to_snake_case(layer.class_name());
    auto taken = [&](const std::string& candidate) {
        for (const auto& other : layers_)
            if (other->name() == candidate) return true;
        return false;
    };
    std::string candidate = base;
    for (int k = 1; taken(candidate); ++k) candidate = fmt::format("{}_{}", base, k);
    layer.set_automatic_name(candidate);
}

void Sequential::add(LayerHandle handle) {
    std::shared_ptr<Layer> layer = handle.get();
    MINNOW_CHECK(layer != nullptr, ValueError, "{}: cannot add a null layer", describe());
    MINNOW_CHECK(layer.get() != this, ValueError, "{}: a model cannot contain itself", describe());
    auto* input = dynamic_cast<InputLayer*>(layer.get());
    MINNOW_CHECK(input == nullptr || layers_.empty(), ValueError,
                 "{}: an Input layer can only be the first layer (the model has {} layers already)", describe(),
                 layers_.size());
    assign_name(*layer);
    layers_.push_back(layer);
    training_plan_.reset();
    if (input != nullptr) {
        build(input->sample_shape().batched(Shape::kNone));
    } else if (built()) {
        // Already built: build the new layer on the current output and extend the model.
        Shape out;
        try {
            out = build_layer(layers_.size() - 1, output_shape());
        } catch (...) {
            layers_.pop_back();
            training_plan_.reset();
            throw;
        }
        set_built_shapes(input_shape(), out);
    }
}

Shape Sequential::build_layer(size_t i, const Shape& shape) {
    Layer& layer = *layers_[i];
    try {
        return layer.ensure_built(shape);
    } catch (const Error& e) {
        const std::string neighbour = i == 0 ? std::string("the model's input")
                                             : fmt::format("{} '{}'", layers_[i - 1]->class_name(), layers_[i - 1]->name());
        const std::string message =
            fmt::format("{}: layer {} of {}, {} '{}' (after {}), cannot take input {}: {}", describe(), i + 1,
                        layers_.size(), layer.class_name(), layer.name(), neighbour, shape.batch_str(), e.what());
        if (dynamic_cast<const ShapeError*>(&e)) throw ShapeError(message);
        throw ValueError(message);
    }
}

Layer& Sequential::get_layer(const std::string& name) const {
    for (const auto& layer : layers_)
        if (layer->name() == name) return *layer;
    throw ValueError(fmt::format("{}: no layer named '{}'", describe(), name));
}

Layer& Sequential::get_layer(int64_t index) const {
    const bool has_input = !layers_.empty() && dynamic_cast<const InputLayer*>(layers_.front().get()) != nullptr;
    const auto count = static_cast<int64_t>(layers_.size()) - (has_input ? 1 : 0);
    MINNOW_CHECK(index >= 0 && index < count, ValueError,
                 "{}: no layer at index {}: the model has {} layers (indices 0 to {}, the Input layer not counted)",
                 describe(), index, count, count - 1);
    return *layers_[static_cast<size_t>(index + (has_input ? 1 : 0))];
}

Shape Sequential::build(const Shape& input_shape) {
    MINNOW_CHECK(!layers_.empty(), StateError, "{}: the model has no layers", describe());
    Shape shape = input_shape.with_batch(Shape::kNone);
    const Shape model_input = shape;
    for (size_t i = 0; i < layers_.size(); ++i) shape = build_layer(i, shape);
    set_built_shapes(model_input, shape);
    return shape;
}

const detail::Plan& Sequential::training_plan() const {
    if (!training_plan_) training_plan_ = std::make_shared<const detail::Plan>(detail::training_plan(layers_));
    return *training_plan_;
}

Variable Sequential::forward(const Variable& x, Mode mode) { return training_plan().run(x, mode); }

std::vector<Layer*> Sequential::sublayers() const {
    std::vector<Layer*> out;
    for (const auto& layer : layers_) out.push_back(layer.get());
    return out;
}

Config Sequential::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : layers_)
        layers.push_back({{"class_name", layer->class_name()}, {"config", json_of(layer->get_config())}});
    config["layers"] = layers;
    if (built()) config["build_input_shape"] = input_shape().dims();
    return config_from_json(std::move(config));
}

std::shared_ptr<Sequential> Sequential::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    auto model = std::make_shared<Sequential>();
    for (const auto& entry : c.at("layers"))
        model->add(layer_from_config(entry.at("class_name").get<std::string>(), config_from_json(entry.at("config"), "a layer's config")));
    if (!model->built() && c.contains("build_input_shape"))
        model->build(Shape(c.at("build_input_shape").get<std::vector<int64_t>>()));
    return model;
}

MINNOW_REGISTER_LAYER(Sequential);

}  // namespace minnow
