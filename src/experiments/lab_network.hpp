#pragma once
// The lab's networks: one RunSpec -> one model, with initial weights shared across the arms of a
// grid point.

#include "minnow/experiments/lab.hpp"

namespace minnow::experiments::detail {

/// The network a spec describes: the seed tutorial's MLP (or CNN), or an MLP of
/// spec.hidden_layers x spec.width, each hidden block Dense -> [norm] -> Activation [-> Dropout]
/// (or Dense -> Activation -> norm with norm_after_activation), then Dense(classes, softmax).
/// The weight layers' kernels are RandomNormal(0, init_stddev) when it is set.
///
/// Every arm of a grid point gets the same initial weights in the layers they share: the weights
/// are drawn for the grid point's BatchNormalization network (seeded by spec.seed) and copied
/// into this arm's Dense / Conv2D layers in order, whatever layers this arm adds or leaves out.
Sequential lab_network(const RunSpec& spec, int64_t classes = 10);

}  // namespace minnow::experiments::detail
