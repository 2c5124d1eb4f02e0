#pragma once
// A Sequential's layers in the order they run, nested models (exactly Sequential) opened up: what
// the plan fuses over, and what passes that look at every layer's output walk.

#include <functional>
#include <memory>
#include <vector>

#include "minnow/models/sequential.hpp"
#include "minnow/ops/normalization.hpp"

namespace minnow::detail {

/// `layers` with every layer that is exactly a Sequential replaced by its own layers, recursively.
std::vector<std::shared_ptr<Layer>> flat_layers(const std::vector<std::shared_ptr<Layer>>& layers);

/// What a walk shows of one layer: its input and output and, for a BatchNormalization that
/// normalized with the batch's statistics, those statistics (null otherwise).
using LayerVisitor =
    std::function<void(const Layer& layer, const Tensor& input, const Tensor& output, const BatchStatistics* batch)>;

/// x through the model's flat layers one at a time (unfused, no graph recorded): every trainable
/// layer that is exactly BatchNormalization normalizes with x's own statistics and updates
/// nothing; every other layer runs in inference mode. Returns the model's output.
Tensor walk_with_batch_statistics(const Sequential& model, const Tensor& x, const LayerVisitor& visit = {});

}  // namespace minnow::detail
