#include "core/config_json.hpp"
#include "minnow/layers/registry.hpp"

#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <mutex>

#include "minnow/core/error.hpp"

namespace minnow {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, LayerFactory> factories;
};

// Built on first use, so registrations made while the program starts find it ready.
Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
    MINNOW_CHECK(!class_name.empty() && factory, ValueError, "register_layer: needs a class name and a factory");
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.factories[class_name] = std::move(factory);
}

std::vector<std::string> registered_layer_classes() {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    std::vector<std::string> names;
    for (const auto& [name, factory] : r.factories) names.push_back(name);
    return names;
}

std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const Config& layer_config) {
    const nlohmann::json& config = json_of(layer_config);
    LayerFactory factory;
    {
        Registry& r = registry();
        std::lock_guard lock(r.mutex);
        auto it = r.factories.find(class_name);
        if (it != r.factories.end()) factory = it->second;
    }
    if (!factory)
        throw ValueError(fmt::format("unknown layer class '{}'; registered: {} (register user layers with "
                                     "register_layer_class)",
                                     class_name, fmt::join(registered_layer_classes(), ", ")));
    std::shared_ptr<Layer> layer;
    try {
        layer = factory(layer_config);
        if (config.contains("name")) layer->set_name(config.at("name").get<std::string>());
        if (config.contains("trainable")) layer->set_trainable(config.at("trainable").get<bool>());
    } catch (const nlohmann::json::exception& e) {
        // nlohmann's message names the key or the type; the whole config could be kilobytes.
        const std::string name = config.contains("name") && config["name"].is_string()
                                     ? fmt::format(" '{}'", config["name"].get<std::string>())
                                     : "";
        throw ValueError(fmt::format("layer {}{}: invalid config: {}", class_name, name, e.what()));
    }
    return layer;
}

LayerRegistration::LayerRegistration(const std::string& class_name, LayerFactory factory) {
    register_layer(class_name, std::move(factory));
}

bool detail::keep_linked(const LayerRegistration&) { return true; }

}  // namespace minnow
