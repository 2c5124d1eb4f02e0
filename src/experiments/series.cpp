#include "experiments/series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "minnow/experiments/statistics.hpp"

namespace minnow::experiments::detail {

size_t epoch_count(const CompareResult& result) {
    size_t n = 0;
    for (const ArmRun& r : result.runs) n = std::max(n, r.history.seconds.size());
    return n;
}

std::vector<const ArmRun*> runs_of(const CompareResult& result, const std::string& arm) {
    std::vector<const ArmRun*> out;
    for (const ArmRun& r : result.runs)
        if (r.arm == arm) out.push_back(&r);
    return out;
}

std::vector<std::string> arm_names(const CompareResult& result) {
    return {arm_name(result.options.norm, true), arm_name(result.options.norm, false)};
}

double value_at(const ArmRun& run, const std::string& key, size_t e) {
    const std::vector<double>* values = nullptr;
    if (key == "seconds") {
        values = &run.history.seconds;
    } else {
        auto it = run.history.history.find(key);
        if (it != run.history.history.end()) values = &it->second;
    }
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    if (values == nullptr || e >= values->size() || !std::isfinite((*values)[e])) return kNaN;
    // The epoch a run diverged in holds the values of NaN weights: not a result.
    if (run.diverged && e >= static_cast<size_t>(run.diverged->epoch)) return kNaN;
    return (*values)[e];
}

Series series(const CompareResult& result, const std::string& arm, const std::string& key) {
    const std::vector<const ArmRun*> runs = runs_of(result, arm);
    Series s;
    bool any = false;
    for (const ArmRun* r : runs)
        any = any || key == "seconds" || r->history.history.count(key) > 0;
    if (runs.empty() || !any) return s;
    for (size_t e = 0; e < epoch_count(result); ++e) {
        std::vector<double> values;
        for (const ArmRun* r : runs) values.push_back(value_at(*r, key, e));
        const Spread sp = spread(values);
        s.mean.push_back(sp.count > 0 ? sp.mean : std::numeric_limits<double>::quiet_NaN());
        s.std.push_back(sp.std);
        s.count.push_back(sp.count);
    }
    return s;
}

}  // namespace minnow::experiments::detail
