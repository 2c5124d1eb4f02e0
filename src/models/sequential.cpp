#include "minnow/models/sequential.hpp"

#include <fmt/format.h>
#include <typeinfo>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/layers/pooling.hpp"

namespace minnow {

ValidationData::ValidationData(Tensor x, Tensor y)
    : data(std::make_shared<TensorDataset>(std::move(x), std::move(y))) {}
ValidationData::ValidationData(std::shared_ptr<const Dataset> d) : data(std::move(d)) {}

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
    if (input != nullptr) {
        build(input->sample_shape().batched(Shape::kNone));
    } else if (built()) {
        // Already built: build the new layer on the current output and extend the model.
        Shape out;
        try {
            out = build_layer(layers_.size() - 1, output_shape());
        } catch (...) {
            layers_.pop_back();
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

Shape Sequential::build(const Shape& input_shape) {
    MINNOW_CHECK(!layers_.empty(), StateError, "{}: the model has no layers", describe());
    Shape shape = input_shape.with_batch(Shape::kNone);
    const Shape model_input = shape;
    for (size_t i = 0; i < layers_.size(); ++i) shape = build_layer(i, shape);
    set_built_shapes(model_input, shape);
    return shape;
}

Variable Sequential::forward(const Variable& x, Mode mode) { return run_layers(layers_, x, mode, false); }

Variable Sequential::forward_logits(const Variable& x, Mode mode) { return run_layers(layers_, x, mode, true); }

namespace {

// How many layers from `i` on run as one fused op in training: BatchNormalization, then
// Activation("relu") (2), then a 2x2 / stride 2 / 'valid' MaxPooling2D (3); 1 when nothing fuses.
// Exactly these classes: a subclass may have changed what they compute.
size_t fused_run(const std::vector<std::shared_ptr<Layer>>& layers, size_t i, size_t end) {
    if (i + 1 >= end || typeid(*layers[i]) != typeid(BatchNormalization) ||
        typeid(*layers[i + 1]) != typeid(Activation) ||
        static_cast<const Activation&>(*layers[i + 1]).activation() != ActivationKind::Relu)
        return 1;
    if (i + 2 < end && typeid(*layers[i + 2]) == typeid(MaxPooling2D)) {
        const auto& pool = static_cast<const MaxPooling2D&>(*layers[i + 2]);
        if (pool.pool_size() == Size2(2) && pool.strides() == Size2(2) && pool.padding() == Padding::Valid) return 3;
    }
    return 2;
}

}  // namespace

Variable Sequential::run_layers(const std::vector<std::shared_ptr<Layer>>& layers, const Variable& x, Mode mode,
                                bool logits) {
    Variable h = x;
    // With `logits`, the last layer runs on its own (it stops before its activation).
    const size_t fusable_end = logits && !layers.empty() ? layers.size() - 1 : layers.size();
    for (size_t i = 0; i < layers.size();) {
        const size_t run = i < fusable_end ? fused_run(layers, i, fusable_end) : 1;
        if (run == 1) {
            Layer& layer = *layers[i];
            h = logits && i + 1 == layers.size() ? layer.call_logits(h, mode) : layer(h, mode);
        } else {
            auto& bn = static_cast<BatchNormalization&>(*layers[i]);
            const Shape normalized = bn.ensure_built(h.shape());
            layers[i + 1]->ensure_built(normalized);
            if (run == 3) layers[i + 2]->ensure_built(normalized);
            h = run == 3 ? bn.forward_relu_max_pool(h, mode) : bn.forward_relu(h, mode);
        }
        i += run;
    }
    return h;
}

ActivationKind Sequential::final_activation() const {
    return layers_.empty() ? ActivationKind::Linear : layers_.back()->final_activation();
}

std::vector<Layer*> Sequential::sublayers() const {
    std::vector<Layer*> out;
    for (const auto& layer : layers_) out.push_back(layer.get());
    return out;
}

nlohmann::json Sequential::get_config() const {
    nlohmann::json config = Layer::get_config();
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& layer : layers_)
        layers.push_back({{"class_name", layer->class_name()}, {"config", layer->get_config()}});
    config["layers"] = layers;
    if (built()) config["build_input_shape"] = input_shape().dims();
    return config;
}

}  // namespace minnow
