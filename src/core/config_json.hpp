#pragma once
// The JSON inside a Config, for the library's sources (the public headers never see nlohmann).

#include <nlohmann/json.hpp>

#include "minnow/core/config.hpp"

struct minnow::Config::Json {
    nlohmann::json value = nlohmann::json::object();
};

namespace minnow {

inline nlohmann::json& json_of(Config& config) { return config.json().value; }
inline const nlohmann::json& json_of(const Config& config) { return config.json().value; }

/// A Config holding `object`; ValueError (naming `what`) when it is not a JSON object.
Config config_from_json(nlohmann::json object, std::string_view what = "config");

}  // namespace minnow
