#pragma once
/// How much memory a training step takes, estimated from the layer shapes before training, so a
/// batch too large for the machine is refused with a message instead of swapping or being killed.

#include <cstdint>
#include <string>

#include "minnow/models/sequential.hpp"

namespace minnow {

/// A training step's peak memory, in bytes, by part.
struct MemoryEstimate {
    int64_t batch_size = 0;  ///< the batch size estimated for
    /// What the forward pass keeps for the backward pass: the batch and every step's output of
    /// the training plan (fused steps keep only their output, plus the pooling's argmax), and the
    /// predictions.
    int64_t activations = 0;
    /// The backward pass's largest moment on top of that: one step's output gradient and input
    /// gradient alive together.
    int64_t backward = 0;
    /// Weights, their gradients and the optimizer's state tensors (2 a weight for Adam).
    int64_t parameters = 0;
    /// All parts together.
    int64_t total() const { return activations + backward + parameters; }
    /// "412 MB (activations 292 MB, backward 108 MB, parameters 2 MB)".
    std::string str() const;
};

/// The estimate for training `model` (built) at `batch_size`. It leaves out what is already in
/// memory before training (the program, the dataset) and the bounded buffers of validation.
MemoryEstimate estimate_training_memory(const Sequential& model, int64_t batch_size);

/// The memory the system can give without swapping: MemAvailable from /proc/meminfo (0 where it
/// cannot be read).
int64_t available_memory();

/// The largest batch size whose estimate fits in `bytes` (0 when even a batch of 1 does not).
int64_t largest_batch_that_fits(const Sequential& model, int64_t bytes);

}  // namespace minnow
