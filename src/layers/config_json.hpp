#pragma once
// Layer configs' JSON values shared by several layers' get_config / from_config.

#include <nlohmann/json.hpp>

#include "minnow/ops/spatial.hpp"

namespace minnow::detail {

/// (h, w) as Keras writes it: [h, w].
inline nlohmann::json size2_json(Size2 s) { return {s.h, s.w}; }

/// [h, w] or a single number meaning both, as Keras reads it.
inline Size2 size2_from_json(const nlohmann::json& j) {
    return j.is_array() ? Size2(j.at(0).get<int64_t>(), j.at(1).get<int64_t>()) : Size2(j.get<int64_t>());
}

}  // namespace minnow::detail
