#pragma once
/// Keras' sample_weight: one weight per sample, checked once where losses and metrics meet it.

#include <cstdint>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// Checks that `sample_weight` is undefined or holds `rows` finite weights, (rows,) or (rows, 1);
/// returns its data, or null when undefined. ShapeError / ValueError naming `who` otherwise.
const float* check_sample_weight(const char* who, const Tensor& sample_weight, int64_t rows);

}  // namespace minnow
