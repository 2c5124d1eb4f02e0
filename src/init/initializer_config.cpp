// Initializers to and from Keras' serialized form, arguments included.
#include <cctype>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/config_json.hpp"
#include "init/initializer_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/init/initializers.hpp"

namespace minnow {

namespace {

// "random_normal" -> "RandomNormal", Keras' class names of its built-in initializers.
std::string class_name_of(const std::string& name) {
    std::string out;
    bool upper = true;
    for (char c : name) {
        if (c == '_') {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = false;
    }
    return out;
}

nlohmann::json seed_json(const std::optional<uint64_t>& seed) { return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr); }

}  // namespace

Config InitializerBase::get_config() const { return config_from_json({{"seed", seed_json(seed)}}); }
Config Constant::get_config() const { return config_from_json({{"value", value}}); }
Config RandomUniform::get_config() const {
    return config_from_json({{"minval", minval}, {"maxval", maxval}, {"seed", seed_json(seed)}});
}
Config RandomNormal::get_config() const {
    return config_from_json({{"mean", mean}, {"stddev", stddev}, {"seed", seed_json(seed)}});
}

Config Initializer::serialize() const {
    return config_from_json({{"class_name", class_name_of(impl_->name())}, {"config", json_of(impl_->get_config())}});
}

Initializer Initializer::deserialize(const Config& serialized) { return initializer_from_json(json_of(serialized)); }

Initializer initializer_from_json(const nlohmann::json& j) {
    if (j.is_string()) return Initializer(j.get<std::string>());
    try {
        const std::string cls = j.at("class_name").get<std::string>();
        const nlohmann::json config = j.value("config", nlohmann::json::object());
        for (const char* name : {"glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "zeros",
                                 "ones", "constant", "random_uniform", "random_normal"}) {
            if (class_name_of(name) != cls) continue;
            std::shared_ptr<InitializerBase> init = detail::initializer_by_name(name);
            if (auto* c = dynamic_cast<Constant*>(init.get())) c->value = config.value("value", 0.0f);
            if (auto* u = dynamic_cast<RandomUniform*>(init.get()))
                u->minval = config.value("minval", -0.05f), u->maxval = config.value("maxval", 0.05f);
            if (auto* n = dynamic_cast<RandomNormal*>(init.get()))
                n->mean = config.value("mean", 0.0f), n->stddev = config.value("stddev", 0.05f);
            if (config.contains("seed") && !config["seed"].is_null()) init->seed = config["seed"].get<uint64_t>();
            return Initializer(std::shared_ptr<const InitializerBase>(std::move(init)));
        }
        throw ValueError(fmt::format("unknown initializer class '{}'; known: GlorotUniform, GlorotNormal, HeUniform, "
                                     "HeNormal, LecunNormal, Zeros, Ones, Constant, RandomUniform, RandomNormal",
                                     cls));
    } catch (const nlohmann::json::exception& e) {
        throw ValueError(fmt::format("initializer: invalid serialized form: {}", e.what()));
    }
}

}  // namespace minnow
