#include "minnow/testing/gradcheck.hpp"

#include <cmath>
#include <fmt/format.h>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"

namespace minnow::testing {

namespace {

Tensor evaluate(const std::function<Variable()>& f) {
    NoGradGuard no_grad;
    return f().value();
}

double projected_difference(const Tensor& plus, const Tensor& minus, const Tensor& r) {
    double acc = 0.0;
    for (int64_t i = 0; i < r.numel(); ++i)
        acc += (double(plus.data()[i]) - double(minus.data()[i])) * double(r.data()[i]);
    return acc;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Variable()>& f, const std::vector<Variable>& wrt,
                          const GradcheckOptions& options) {
    for (const Variable& v : wrt)
        MINNOW_CHECK(v.defined() && v.is_leaf() && v.requires_grad(), ValueError,
                     "gradcheck: every Variable to check must be a leaf that requires a gradient");

    // Analytic gradients of L = sum(y * r).
    Variable y = f();
    Rng rng(options.seed);
    const Tensor r = Tensor::uniform(y.shape(), -1.0f, 1.0f, rng);
    for (Variable v : wrt) v.zero_grad();
    y.backward(r);

    GradcheckResult result;
    for (size_t k = 0; k < wrt.size(); ++k) {
        Variable v = wrt[k];
        const Tensor analytic = v.has_grad() ? v.grad() : Tensor::zeros(v.shape());
        Tensor& value = v.value();
        for (int64_t i = 0; i < value.numel(); ++i) {
            const float original = value.data()[i];
            value.data()[i] = static_cast<float>(original + options.step);
            const double step_up = double(value.data()[i]) - original;  // the step as float can represent it
            const Tensor plus = evaluate(f);
            value.data()[i] = static_cast<float>(original - options.step);
            const double step_down = original - double(value.data()[i]);
            const Tensor minus = evaluate(f);
            value.data()[i] = original;

            const double numeric = projected_difference(plus, minus, r) / (step_up + step_down);
            const double got = analytic.data()[i];
            const double err = std::fabs(got - numeric);
            result.max_abs_error = std::max(result.max_abs_error, err);
            ++result.checked;
            if (result.ok && err > options.atol + options.rtol * std::fabs(numeric)) {
                result.ok = false;
                result.message = fmt::format("gradient of input {} element {} (of shape {}): autograd {:.6g}, "
                                             "finite differences {:.6g}, error {:.3g}",
                                             k, i, value.shape(), got, numeric, err);
            }
        }
        v.zero_grad();
    }
    if (result.ok)
        result.message = fmt::format("{} partial derivatives agree (max abs error {:.3g})", result.checked,
                                     result.max_abs_error);
    return result;
}

}  // namespace minnow::testing
