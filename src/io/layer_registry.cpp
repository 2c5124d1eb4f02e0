#include "minnow/io/layer_registry.hpp"

#include <fmt/format.h>
#include <map>
#include <mutex>

#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow {

namespace {

Size2 size2(const nlohmann::json& j) { return j.is_array() ? Size2(j.at(0).get<int64_t>(), j.at(1).get<int64_t>()) : Size2(j.get<int64_t>()); }

std::map<std::string, LayerFactory> builtin_factories() {
    using json = nlohmann::json;
    std::map<std::string, LayerFactory> f;
    f["Dense"] = [](const json& c) {
        return std::make_shared<Dense>(c.at("units").get<int64_t>(), c.at("activation").get<std::string>(),
                                       c.value("use_bias", true), c.value("kernel_initializer", std::string("glorot_uniform")),
                                       c.value("bias_initializer", std::string("zeros")));
    };
    f["Conv2D"] = [](const json& c) {
        return std::make_shared<Conv2D>(c.at("filters").get<int64_t>(), size2(c.at("kernel_size")), size2(c.at("strides")),
                                        c.at("padding").get<std::string>(), c.at("activation").get<std::string>(),
                                        c.value("use_bias", true), c.value("kernel_initializer", std::string("glorot_uniform")),
                                        c.value("bias_initializer", std::string("zeros")));
    };
    f["MaxPooling2D"] = [](const json& c) {
        return std::make_shared<MaxPooling2D>(size2(c.at("pool_size")), size2(c.at("strides")),
                                              c.at("padding").get<std::string>());
    };
    f["BatchNormalization"] = [](const json& c) {
        return std::make_shared<BatchNormalization>(
            c.value("axis", int64_t{-1}), c.value("momentum", 0.99), c.value("epsilon", 1e-3), c.value("center", true),
            c.value("scale", true), c.value("beta_initializer", std::string("zeros")),
            c.value("gamma_initializer", std::string("ones")), c.value("moving_mean_initializer", std::string("zeros")),
            c.value("moving_variance_initializer", std::string("ones")));
    };
    f["Activation"] = [](const json& c) { return std::make_shared<Activation>(c.at("activation").get<std::string>()); };
    f["Dropout"] = [](const json& c) {
        const auto& seed = c.value("seed", json(nullptr));
        return std::make_shared<Dropout>(c.at("rate").get<double>(),
                                         seed.is_null() ? std::nullopt : std::optional<uint64_t>(seed.get<uint64_t>()));
    };
    f["Flatten"] = [](const json&) { return std::make_shared<Flatten>(); };
    f["LayerNormalization"] = [](const json& c) {
        return std::make_shared<LayerNormalization>(c.value("axis", int64_t{-1}), c.value("epsilon", 1e-3),
                                                    c.value("center", true), c.value("scale", true));
    };
    f["GroupNormalization"] = [](const json& c) {
        return std::make_shared<GroupNormalization>(c.value("groups", int64_t{32}), c.value("axis", int64_t{-1}),
                                                    c.value("epsilon", 1e-3), c.value("center", true),
                                                    c.value("scale", true));
    };
    f["InputLayer"] = [](const json& c) {
        std::vector<int64_t> dims = c.at("batch_shape").get<std::vector<int64_t>>();
        return std::make_shared<InputLayer>(Shape(std::vector<int64_t>(dims.begin() + 1, dims.end())));
    };
    f["Sequential"] = [](const json& c) {
        auto model = std::make_shared<Sequential>();
        for (const auto& entry : c.at("layers"))
            model->add(layer_from_config(entry.at("class_name").get<std::string>(), entry.at("config")));
        if (!model->built() && c.contains("build_input_shape"))
            model->build(Shape(c.at("build_input_shape").get<std::vector<int64_t>>()));
        return model;
    };
    return f;
}

struct Registry {
    std::mutex mutex;
    std::map<std::string, LayerFactory> factories = builtin_factories();
};

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

std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const nlohmann::json& config) {
    LayerFactory factory;
    {
        Registry& r = registry();
        std::lock_guard lock(r.mutex);
        auto it = r.factories.find(class_name);
        if (it == r.factories.end()) {
            std::vector<std::string> known;
            for (const auto& [name, fn] : r.factories) known.push_back(name);
            throw ValueError(fmt::format("unknown layer class '{}'; registered: {} (register user layers with "
                                         "register_layer)",
                                         class_name, fmt::join(known, ", ")));
        }
        factory = it->second;
    }
    std::shared_ptr<Layer> layer;
    try {
        layer = factory(config);
    } catch (const nlohmann::json::exception& e) {
        throw ValueError(fmt::format("layer class '{}': invalid config {}: {}", class_name, config.dump(), e.what()));
    }
    if (config.contains("name")) layer->set_name(config.at("name").get<std::string>());
    if (config.contains("trainable")) layer->set_trainable(config.at("trainable").get<bool>());
    return layer;
}

}  // namespace minnow
