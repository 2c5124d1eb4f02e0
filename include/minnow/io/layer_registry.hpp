#pragma once
/// The layer registry: how a saved model's layers are rebuilt from their class names and configs.

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "minnow/layers/layer.hpp"

namespace minnow {

/// Makes a layer from its get_config() JSON.
using LayerFactory = std::function<std::shared_ptr<Layer>(const nlohmann::json& config)>;

/// Registers (or replaces) the factory for `class_name`. Built-in layers are registered already.
void register_layer(const std::string& class_name, LayerFactory factory);

/// Registers a layer class that has `static std::shared_ptr<L> from_config(const nlohmann::json&)`.
template <class L>
void register_layer_class(const std::string& class_name) {
    register_layer(class_name, [](const nlohmann::json& config) { return L::from_config(config); });
}

/// A new layer of `class_name` from `config` (its name and trainable flag restored); ValueError
/// naming the registered classes when the class is unknown.
std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const nlohmann::json& config);

}  // namespace minnow
