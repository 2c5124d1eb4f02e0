#include "minnow/models/sequential.hpp"

#include <fmt/format.h>
#include <typeinfo>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/layers/pooling.hpp"
#include "minnow/ops/conv2d.hpp"

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

bool is_relu(const Layer& layer) {
    return typeid(layer) == typeid(Activation) &&
           static_cast<const Activation&>(layer).activation() == ActivationKind::Relu;
}

bool is_plain_2x2_pool(const Layer& layer) {
    if (typeid(layer) != typeid(MaxPooling2D)) return false;
    const auto& pool = static_cast<const MaxPooling2D&>(layer);
    return pool.pool_size() == Size2(2) && pool.strides() == Size2(2) && pool.padding() == Padding::Valid;
}

// A run of layers from `i` that executes as one fused op.
enum class Fusion { None, BatchNormRelu, BatchNormReluPool, ReluPool };
struct FusedRun {
    Fusion fusion = Fusion::None;
    size_t layers = 1;
};

// BatchNormalization -> Activation("relu") [-> 2x2 / stride 2 / 'valid' MaxPooling2D], or
// Activation("relu") -> that MaxPooling2D. Exactly these classes: a subclass may have changed
// what they compute.
FusedRun fused_run(const std::vector<std::shared_ptr<Layer>>& layers, size_t i, size_t end) {
    if (i + 1 >= end) return {};
    if (is_relu(*layers[i])) return is_plain_2x2_pool(*layers[i + 1]) ? FusedRun{Fusion::ReluPool, 2} : FusedRun{};
    if (typeid(*layers[i]) != typeid(BatchNormalization) || !is_relu(*layers[i + 1])) return {};
    if (i + 2 < end && is_plain_2x2_pool(*layers[i + 2])) return {Fusion::BatchNormReluPool, 3};
    return {Fusion::BatchNormRelu, 2};
}

Variable run_fused(const std::vector<std::shared_ptr<Layer>>& layers, size_t i, const FusedRun& run,
                   const Variable& x, Mode mode) {
    // The layers check their input shapes as they would one by one.
    Shape shape = x.shape();
    for (size_t k = i; k < i + run.layers; ++k) shape = layers[k]->ensure_built(shape);
    switch (run.fusion) {
        case Fusion::ReluPool: return relu_max_pool2d(x);
        case Fusion::BatchNormRelu: return static_cast<BatchNormalization&>(*layers[i]).forward_relu(x, mode);
        case Fusion::BatchNormReluPool:
            return static_cast<BatchNormalization&>(*layers[i]).forward_relu_max_pool(x, mode);
        case Fusion::None: break;
    }
    throw std::logic_error("run_fused: nothing to fuse");
}

}  // namespace

Variable Sequential::run_layers(const std::vector<std::shared_ptr<Layer>>& layers, const Variable& x, Mode mode,
                                bool logits) {
    Variable h = x;
    // With `logits`, the last layer runs on its own (it stops before its activation).
    const size_t fusable_end = logits && !layers.empty() ? layers.size() - 1 : layers.size();
    for (size_t i = 0; i < layers.size();) {
        const FusedRun run = i < fusable_end ? fused_run(layers, i, fusable_end) : FusedRun{};
        if (run.fusion == Fusion::None) {
            Layer& layer = *layers[i];
            h = logits && i + 1 == layers.size() ? layer.call_logits(h, mode) : layer(h, mode);
        } else {
            h = run_fused(layers, i, run, h, mode);
        }
        i += run.layers;
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
