#pragma once
// Per-epoch statistics of one arm over the seeds of a comparison.

#include <string>
#include <vector>

#include "minnow/experiments/compare.hpp"

namespace minnow::experiments::detail {

/// Mean and standard deviation across seeds of one logged value, per epoch.
struct Series {
    std::vector<double> mean, std;
    bool empty() const { return mean.empty(); }
};

/// `key` is a History key ("loss", "val_accuracy", ...) or "seconds".
Series series(const CompareResult& result, const std::string& arm, const std::string& key);

/// Epochs every run completed.
size_t epoch_count(const CompareResult& result);

}  // namespace minnow::experiments::detail
