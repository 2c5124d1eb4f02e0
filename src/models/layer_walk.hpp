#pragma once
// A Sequential's layers in the order they run, nested models (exactly Sequential) opened up: what
// the plan fuses over, and what passes that look at every layer's output walk.

#include <memory>
#include <vector>

#include "minnow/models/sequential.hpp"

namespace minnow::detail {

/// `layers` with every layer that is exactly a Sequential replaced by its own layers, recursively.
std::vector<std::shared_ptr<Layer>> flat_layers(const std::vector<std::shared_ptr<Layer>>& layers);

}  // namespace minnow::detail
