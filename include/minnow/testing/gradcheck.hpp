#pragma once
/// Finite-difference gradient checking, for minnow's own ops and for users verifying theirs.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "minnow/autograd/variable.hpp"

namespace minnow::testing {

/// How check_gradients() compares.
struct GradcheckOptions {
    double step = 1e-3;   ///< the finite-difference step h
    double atol = 1e-3;   ///< absolute tolerance
    double rtol = 1e-2;   ///< relative tolerance (of the numerical gradient)
    uint64_t seed = 1234; ///< seeds the random projection that turns the output into a scalar
};

/// What check_gradients() found.
struct GradcheckResult {
    bool ok = true;             ///< every derivative within tolerance
    double max_abs_error = 0.0; ///< the largest difference seen
    int64_t checked = 0;      ///< how many partial derivatives were compared
    std::string message;      ///< the first mismatch, or a summary
};

/// Compares the autograd gradient of `f` with central finite differences, for every element of
/// every Variable in `wrt` (leaves that require a gradient: inputs or layer weights).
///
/// `f` must recompute its output from the current values of `wrt` each time it is called, and
/// deterministically. A non-scalar output y is reduced to L = sum(y * r) with a fixed random r;
/// the numerical derivative is (sum((y(x+h) - y(x-h)) * r)) / 2h, accumulated in double from the
/// difference of outputs, which avoids the cancellation of subtracting two large sums.
GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& wrt,
                          const GradcheckOptions& options = {});

}  // namespace minnow::testing
