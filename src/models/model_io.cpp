// Saving and loading a Sequential: weights as safetensors, a whole model as safetensors whose
// metadata holds the architecture.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/io/safetensors.hpp"
// Every built-in layer's header: a program that loads models links every registration.
#include "minnow/layers/layers.hpp"
#include "minnow/models/sequential.hpp"
#include "models/model_file.hpp"

namespace minnow {

namespace {

constexpr const char* kArchitectureKey = "minnow.architecture";
constexpr const char* kCompileKey = "minnow.compile";
constexpr const char* kOptimizerStateKey = "minnow.optimizer_state";
// An optimizer tensor's name: "optimizer/" + the weight's name + "/" + the slot's index (or
// "accumulated" for a gradient-accumulation sum).
constexpr const char* kOptimizerPrefix = "optimizer/";

bool is_optimizer_tensor(const std::string& name) { return name.rfind(kOptimizerPrefix, 0) == 0; }

// The model's trainable weights, each with its name.
std::vector<std::pair<std::string, Variable>> named_trainable_weights(const Sequential& model) {
    const std::vector<Variable> weights = model.weights(), trainable = model.trainable_weights();
    const std::vector<std::string> names = model.weight_names();
    std::vector<std::pair<std::string, Variable>> out;
    for (size_t i = 0; i < weights.size(); ++i)
        for (const Variable& t : trainable)
            if (t.same_as(weights[i])) out.emplace_back(names[i], weights[i]);
    return out;
}

}  // namespace

namespace detail {

void write_model_file(const Sequential& model, const std::string& path, const ModelFileParts& parts) {
    MINNOW_CHECK(model.built(), StateError, "save: model '{}' is not built, so it has no weights yet", model.name());
    const std::vector<Variable> weights = model.weights();
    const std::vector<std::string> names = model.weight_names();
    std::vector<std::pair<std::string, const Tensor*>> tensors;
    for (size_t i = 0; i < weights.size(); ++i) tensors.emplace_back(names[i], &weights[i].value());
    std::map<std::string, std::string> metadata{{"format", "minnow"}};
    if (parts.architecture) {
        nlohmann::json architecture{{"class_name", model.class_name()}, {"config", json_of(model.get_config())}};
        metadata[kArchitectureKey] = architecture.dump();
    }
    std::vector<std::string> slot_names;  // kept alive while `tensors` points into the optimizer
    if (parts.optimizer && model.compiled()) {
        Optimizer& optimizer = model.optimizer();
        metadata[kCompileKey] = model.get_compile_config().dump();
        const nlohmann::json state{{"iterations", optimizer.iterations()}, {"scalar_state", optimizer.scalar_state()}};
        metadata[kOptimizerStateKey] = state.dump();
        for (const auto& [name, v] : named_trainable_weights(model)) {
            std::vector<Tensor>& slots = optimizer.slots(v);
            for (size_t k = 0; k < slots.size(); ++k)
                tensors.emplace_back(fmt::format("{}{}/{}", kOptimizerPrefix, name, k), &slots[k]);
            if (optimizer.accumulated(v).defined())
                tensors.emplace_back(fmt::format("{}{}/accumulated", kOptimizerPrefix, name), &optimizer.accumulated(v));
        }
    }
    for (const auto& [key, value] : parts.extra_metadata) metadata[key] = value;
    io::write_safetensors(path, tensors, metadata);
}

void restore_optimizer_state(Sequential& model, const io::SafetensorsContent& content, const std::string& path) {
    const auto it = content.metadata.find(kOptimizerStateKey);
    if (it == content.metadata.end()) return;
    Optimizer& optimizer = model.optimizer();
    std::map<std::string, const Tensor*> by_name;
    for (const auto& [name, t] : content.tensors)
        if (is_optimizer_tensor(name)) by_name[name] = &t;
    // Check everything first, so a bad file leaves the optimizer as it was.
    const auto named = named_trainable_weights(model);
    for (const auto& [name, v] : named)
        for (int k = 0; k < optimizer.slot_count(); ++k) {
            const std::string key = fmt::format("{}{}/{}", kOptimizerPrefix, name, k);
            const auto found = by_name.find(key);
            MINNOW_CHECK(found != by_name.end(), IoError, "{}: no optimizer tensor '{}' ({} keeps {} per weight)", path,
                         key, optimizer.name(), optimizer.slot_count());
            MINNOW_CHECK(found->second->shape() == v.shape(), IoError, "{}: optimizer tensor '{}' has shape {}, expected {}",
                         path, key, found->second->shape(), v.shape());
        }
    nlohmann::json state;
    try {
        state = nlohmann::json::parse(it->second);
        optimizer.set_scalar_state(state.at("scalar_state").get<std::vector<double>>());
        optimizer.set_iterations(state.at("iterations").get<int64_t>());
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: invalid optimizer state: {}", path, e.what()));
    }
    for (const auto& [name, v] : named) {
        std::vector<Tensor>& slots = optimizer.slots(v);
        for (size_t k = 0; k < slots.size(); ++k) slots[k] = *by_name.at(fmt::format("{}{}/{}", kOptimizerPrefix, name, k));
        const auto acc = by_name.find(fmt::format("{}{}/accumulated", kOptimizerPrefix, name));
        if (acc != by_name.end() && optimizer.accumulated(v).defined()) optimizer.accumulated(v) = *acc->second;
    }
}

}  // namespace detail

namespace {

// Checks every name and shape before touching the model, so a bad file changes nothing.
void assign_weights(Sequential& model, const io::SafetensorsContent& content, const std::string& path) {
    std::map<std::string, const Tensor*> by_name;
    for (const auto& [name, t] : content.tensors)
        if (!is_optimizer_tensor(name)) by_name[name] = &t;
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

std::map<std::string, std::string> detail::load_into(Sequential& model, const std::string& path) {
    MINNOW_CHECK(model.built(), StateError, "model '{}': loading {} needs a built model", model.name(), path);
    const io::SafetensorsContent content = io::read_safetensors(path);
    assign_weights(model, content, path);
    if (model.compiled()) restore_optimizer_state(model, content, path);
    return content.metadata;
}

void Sequential::save_weights(const std::string& path) const {
    detail::write_model_file(*this, path, {.architecture = false, .optimizer = false});
}

void Sequential::save(const std::string& path, bool include_optimizer) const {
    detail::write_model_file(*this, path, {.architecture = true, .optimizer = include_optimizer});
}

void Sequential::load_weights(const std::string& path) {
    MINNOW_CHECK(built(), StateError, "{}: load_weights needs a built model (give it an Input layer or call build())",
                 describe());
    assign_weights(*this, io::read_safetensors(path), path);
}

Sequential load_model(const std::string& path, bool compile) {
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
        layer = layer_from_config("Sequential", config_from_json(architecture.at("config"), "the architecture's config"));
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: invalid architecture: {}", path, e.what()));
    } catch (const Error& e) {
        // A layer's complaint about its config, with the file it came from.
        throw IoError(fmt::format("{}: {}", path, e.what()));
    }
    auto* model = dynamic_cast<Sequential*>(layer.get());
    MINNOW_CHECK(model->built(), IoError, "{}: the saved model has no input shape", path);
    assign_weights(*model, content, path);
    if (const auto compile_config = content.metadata.find(kCompileKey); compile && compile_config != content.metadata.end()) {
        try {
            model->compile_from_config(config_from_json(nlohmann::json::parse(compile_config->second), "the compile configuration"));
        } catch (const nlohmann::json::exception& e) {
            throw IoError(fmt::format("{}: the compile configuration is not valid JSON: {}", path, e.what()));
        } catch (const Error& e) {
            throw IoError(fmt::format("{}: {}", path, e.what()));
        }
        detail::restore_optimizer_state(*model, content, path);
    }
    return std::move(*model);
}

}  // namespace minnow
