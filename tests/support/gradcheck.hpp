#pragma once
// Catch2 glue for minnow::testing::gradcheck: REQUIRE_GRADCHECK(f, {x, w}) fails with the first
// mismatching partial derivative.

#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "minnow/autograd/variable.hpp"
#include "minnow/testing/gradcheck.hpp"

#define REQUIRE_GRADCHECK(...)                                                     \
    do {                                                                           \
        const auto gradcheck_result_ = ::minnow::testing::gradcheck(__VA_ARGS__); \
        INFO(gradcheck_result_.message);                                           \
        REQUIRE(gradcheck_result_.ok);                                             \
    } while (false)

namespace minnow::test {

/// A leaf that requires a gradient, with values uniform in [low, high) from `seed`.
inline Variable random_leaf(Shape shape, uint64_t seed, float low = -1.0f, float high = 1.0f) {
    Rng rng(seed);
    return Variable(Tensor::uniform(std::move(shape), low, high, rng), true);
}

/// Values kept at least `margin` away from 0, for ops with a kink there (relu, leaky_relu).
inline Variable random_leaf_away_from_zero(Shape shape, uint64_t seed, float margin = 0.05f) {
    Rng rng(seed);
    Tensor t = Tensor::uniform(std::move(shape), -1.0f, 1.0f, rng);
    for (float& v : t.span())
        if (std::fabs(v) < margin) v = v < 0 ? v - margin : v + margin;
    return Variable(std::move(t), true);
}

/// Same shape and every element equal (not merely close).
inline bool identical(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape()) return false;
    for (int64_t i = 0; i < a.numel(); ++i)
        if (a.flat(i) != b.flat(i)) return false;
    return true;
}

/// f()'s value, then the gradient of each of `wrt` after backpropagating dy from it (gradients
/// zeroed first).
inline std::vector<Tensor> values_and_grads(const std::function<Variable()>& f, const std::vector<Variable>& wrt,
                                            const Tensor& dy) {
    for (Variable v : wrt) v.zero_grad();
    Variable y = f();
    y.backward(dy);
    std::vector<Tensor> out{y.value()};
    for (const Variable& v : wrt) out.push_back(v.grad());
    return out;
}

}  // namespace minnow::test
