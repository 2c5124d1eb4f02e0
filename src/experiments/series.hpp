#pragma once
// Per-epoch statistics of one arm of a comparison over its seeds.

#include <string>
#include <vector>

#include "minnow/experiments/compare.hpp"

namespace minnow::experiments::detail {

/// Per epoch, the mean and standard deviation across seeds of one logged value, and how many
/// seeds had a finite value there (a diverged seed has none after it diverged).
struct Series {
    std::vector<double> mean, std;
    std::vector<int> count;
    bool empty() const { return mean.empty(); }
};

/// `key` is a History key ("loss", "val_accuracy", ...) or "seconds". One entry per epoch of
/// epoch_count(result); an epoch no seed has a finite value for has count 0 and NaN mean.
Series series(const CompareResult& result, const std::string& arm, const std::string& key);

/// The most epochs any run recorded.
size_t epoch_count(const CompareResult& result);

/// The runs of one arm, in seed order.
std::vector<const ArmRun*> runs_of(const CompareResult& result, const std::string& arm);

/// The two arms' names: with, then without.
std::vector<std::string> arm_names(const CompareResult& result);

/// One run's value of `key` at 0-based epoch e (NaN when it has none or it is not finite).
double value_at(const ArmRun& run, const std::string& key, size_t e);

}  // namespace minnow::experiments::detail
