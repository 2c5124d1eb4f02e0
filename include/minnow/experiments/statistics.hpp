#pragma once
/// The statistics behind the experiments' verdicts: means and spreads over seeds, and the paired
/// comparison of two arms that saw the same initial weights and the same batches seed by seed.

#include <string>
#include <vector>

namespace minnow::experiments {

/// Mean and sample standard deviation (n - 1; 0 for one value) of the finite values given.
struct Spread {
    double mean = 0.0;  ///< of the finite values
    double std = 0.0;   ///< their sample standard deviation
    int count = 0;  ///< finite values among those given
};
/// The spread of `values` (NaN and infinities left out).
Spread spread(const std::vector<double>& values);

/// What a paired comparison concludes.
enum class Outcome { Higher, Lower, Inconclusive };

/// Arm a against arm b, seed by seed: d_i = a_i - b_i. With k >= 2 seeds, a is Higher (Lower) when
/// the mean difference is more than t * SE above (below) zero, with SE = std(d) / sqrt(k) and t the
/// two-sided 95% quantile of Student's t with k - 1 degrees of freedom (a paired t-test at the 5%
/// level; 12.71 for 2 seeds, 4.30 for 3, 2.78 for 5); otherwise Inconclusive. One seed is always
/// Inconclusive: there is no spread to judge a difference by.
struct PairedComparison {
    double mean_difference = 0.0;  ///< mean of a_i - b_i
    double standard_error = 0.0;   ///< std(d) / sqrt(k)
    double critical_t = 0.0;       ///< t of the test (0 with one seed)
    int seeds = 0;                 ///< k, the pairs compared
    Outcome outcome = Outcome::Inconclusive;  ///< the verdict
};
/// Compares a with b seed by seed (same length; pairs with a non-finite value are left out).
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b);

/// The two-sided 95% quantile of Student's t with `dof` >= 1 degrees of freedom.
double t_critical_95(int dof);

/// "higher", "lower" or "inconclusive".
std::string outcome_name(Outcome outcome);

/// The rule compare_paired applies, in one sentence, for reports.
std::string paired_rule_text();

}  // namespace minnow::experiments
