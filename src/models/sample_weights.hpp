#pragma once
// Per-sample weights for fit and train_on_batch: from class weights, and split with their samples.

#include <map>
#include <string>

#include "minnow/data/dataset.hpp"

namespace minnow::detail {

/// The weight `class_weight` gives each sample of `data`, as Keras: a sample's class is its label,
/// or the argmax of its one-hot (or distribution) row; classes not listed weigh 1. `who` names
/// the model in errors.
Tensor class_weights_for(const Dataset& data, const std::map<int64_t, double>& class_weight, const std::string& who);

/// Rows [begin, end) of `weights`.
Tensor rows_between(const Tensor& weights, int64_t begin, int64_t end);

}  // namespace minnow::detail
