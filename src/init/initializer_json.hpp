#pragma once
// An initializer from a config's JSON, which may be a Keras name ("glorot_uniform") or the
// serialized object ({"class_name": "RandomNormal", "config": {...}}).

#include <nlohmann/json.hpp>

#include "minnow/init/initializers.hpp"

namespace minnow {

/// ValueError naming the problem when `serialized` is neither.
Initializer initializer_from_json(const nlohmann::json& serialized);

}  // namespace minnow
