// Saving and loading a Sequential: weights as safetensors, a whole model as safetensors whose
// metadata holds the architecture.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/io/safetensors.hpp"
// Every built-in layer's header: a program that loads models links every registration.
#include "minnow/layers/layers.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow {

namespace {

constexpr const char* kArchitectureKey = "minnow.architecture";

void write_model_file(const Sequential& model, const std::string& path, bool with_architecture) {
    MINNOW_CHECK(model.built(), StateError, "save: model '{}' is not built, so it has no weights yet", model.name());
    const std::vector<Variable> weights = model.weights();
    const std::vector<std::string> names = model.weight_names();
    std::vector<std::pair<std::string, const Tensor*>> tensors;
    for (size_t i = 0; i < weights.size(); ++i) tensors.emplace_back(names[i], &weights[i].value());
    std::map<std::string, std::string> metadata{{"format", "minnow"}};
    if (with_architecture) {
        nlohmann::json architecture{{"class_name", model.class_name()}, {"config", model.get_config()}};
        metadata[kArchitectureKey] = architecture.dump();
    }
    io::write_safetensors(path, tensors, metadata);
}

// Checks every name and shape before touching the model, so a bad file changes nothing.
void assign_weights(Sequential& model, const io::SafetensorsContent& content, const std::string& path) {
    std::map<std::string, const Tensor*> by_name;
    for (const auto& [name, t] : content.tensors) by_name[name] = &t;
    std::vector<Variable> weights = model.weights();
    const std::vector<std::string> names = model.weight_names();
    for (size_t i = 0; i < weights.size(); ++i) {
        auto it = by_name.find(names[i]);
        if (it == by_name.end())
            throw IoError(fmt::format("{}: no tensor '{}' (the model expects {} weights)", path, names[i], names.size()));
        if (it->second->shape() != weights[i].shape())
            throw IoError(fmt::format("{}: tensor '{}' has shape {}, the model expects {}", path, names[i],
                                      it->second->shape(), weights[i].shape()));
        by_name.erase(it);
    }
    if (!by_name.empty())
        throw IoError(fmt::format("{}: tensor '{}' matches no weight of model '{}'", path, by_name.begin()->first,
                                  model.name()));
    std::map<std::string, const Tensor*> lookup;
    for (const auto& [name, t] : content.tensors) lookup[name] = &t;
    for (size_t i = 0; i < weights.size(); ++i) weights[i].value() = *lookup.at(names[i]);
}

}  // namespace

void Sequential::save_weights(const std::string& path) const { write_model_file(*this, path, false); }

void Sequential::save(const std::string& path) const { write_model_file(*this, path, true); }

void Sequential::load_weights(const std::string& path) {
    MINNOW_CHECK(built(), StateError, "{}: load_weights needs a built model (give it an Input layer or call build())",
                 describe());
    assign_weights(*this, io::read_safetensors(path), path);
}

Sequential load_model(const std::string& path) {
    const io::SafetensorsContent content = io::read_safetensors(path);
    auto it = content.metadata.find(kArchitectureKey);
    if (it == content.metadata.end())
        throw IoError(fmt::format("{}: holds no model architecture (written by save_weights? use load_weights)", path));
    nlohmann::json architecture;
    try {
        architecture = nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: the architecture is not valid JSON: {}", path, e.what()));
    }
    if (architecture.value("class_name", std::string()) != "Sequential")
        throw IoError(fmt::format("{}: the saved model is a '{}', not a Sequential", path,
                                  architecture.value("class_name", std::string("?"))));
    std::shared_ptr<Layer> layer;
    try {
        layer = layer_from_config("Sequential", architecture.at("config"));
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: invalid architecture: {}", path, e.what()));
    } catch (const Error& e) {
        // A layer's complaint about its config, with the file it came from.
        throw IoError(fmt::format("{}: {}", path, e.what()));
    }
    auto* model = dynamic_cast<Sequential*>(layer.get());
    MINNOW_CHECK(model->built(), IoError, "{}: the saved model has no input shape", path);
    assign_weights(*model, content, path);
    return std::move(*model);
}

}  // namespace minnow
