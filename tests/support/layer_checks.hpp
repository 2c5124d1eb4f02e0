#pragma once
// check_layer: the checks every layer goes through, in the spirit of Keras' layer tests.

#include <functional>

#include "minnow/layers/layer.hpp"

namespace minnow::test {

struct LayerExpectations {
    size_t trainable_weights = 0;      ///< how many trainable weight tensors
    size_t non_trainable_weights = 0;  ///< how many non-trainable ones
    bool train_differs = false;        ///< whether Train and Infer outputs must differ
    bool gradcheck = true;             ///< gradient checks in both modes (input and trainable weights)
    /// Called before each forward in the gradient checks (e.g. to reseed Dropout's mask).
    std::function<void(Layer&)> before_call = {};
    uint64_t seed = 99;
};

/// Builds `layer` on a random input of `input_shape` (batch included) and checks: the built
/// output shape equals the forward output shape; the weight counts; Infer is deterministic; Train
/// and Infer differ exactly when expected; an input of the wrong rank or feature count is refused
/// with a ShapeError naming the layer; gradients match finite differences in both modes.
void check_layer(Layer& layer, const Shape& input_shape, const LayerExpectations& expected);

}  // namespace minnow::test
