#include "minnow/experiments/statistics.hpp"

#include <cmath>

#include "minnow/core/error.hpp"

namespace minnow::experiments {

Spread spread(const std::vector<double>& values) {
    Spread s;
    double sum = 0;
    for (double v : values)
        if (std::isfinite(v)) sum += v, ++s.count;
    if (s.count == 0) return s;
    s.mean = sum / s.count;
    double sq = 0;
    for (double v : values)
        if (std::isfinite(v)) sq += (v - s.mean) * (v - s.mean);
    s.std = s.count > 1 ? std::sqrt(sq / (s.count - 1)) : 0.0;
    return s;
}

double t_critical_95(int dof) {
    MINNOW_CHECK(dof >= 1, ValueError, "t_critical_95: degrees of freedom must be >= 1, got {}", dof);
    // Student's t, 0.975 quantile, for 1 .. 30 degrees of freedom; beyond, the normal's 1.96 is
    // within 2%.
    static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                        2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                        2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    return dof <= 30 ? kTable[dof - 1] : 1.96;
}

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b) {
    MINNOW_CHECK(a.size() == b.size(), ValueError, "compare_paired: {} values against {}", a.size(), b.size());
    std::vector<double> d;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
    const Spread s = spread(d);
    PairedComparison c;
    c.seeds = s.count;
    c.mean_difference = s.mean;
    if (s.count < 2) return c;
    c.standard_error = s.std / std::sqrt(double(s.count));
    c.critical_t = t_critical_95(s.count - 1);
    const double margin = c.critical_t * c.standard_error;
    // Identical results on every seed (no spread at all) still differ when the difference is not 0.
    if (c.mean_difference > margin) c.outcome = Outcome::Higher;
    else if (c.mean_difference < -margin) c.outcome = Outcome::Lower;
    return c;
}

std::string outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::Higher: return "higher";
        case Outcome::Lower: return "lower";
        case Outcome::Inconclusive: break;
    }
    return "inconclusive";
}

std::string paired_rule_text() {
    return "per seed, the difference between the arms (same initial weights, same batches); a difference counts "
           "when its mean is more than t x SE from zero, SE = std of the differences / sqrt(seeds), t the 95% "
           "two-sided Student quantile for seeds - 1 degrees of freedom (a paired t-test at 5%); otherwise "
           "inconclusive, and always with one seed";
}

}  // namespace minnow::experiments
