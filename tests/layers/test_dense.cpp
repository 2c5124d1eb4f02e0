#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;
using minnow::test::check_layer;

TEST_CASE("Dense: check_layer with every activation", "[layers][dense]") {
    for (const std::string& act : activation_names()) {
        if (act == "relu" || act == "leaky_relu") continue;  // kinks: checked below away from zero
        Dense d(4, act);
        check_layer(d, {3, 5}, {.trainable_weights = 2});
    }
    Dense no_bias(3, ActivationKind::Tanh, false);
    check_layer(no_bias, {2, 4}, {.trainable_weights = 1});
}

TEST_CASE("Dense: computes x kernel + bias then the activation", "[layers][dense]") {
    Dense d(2, "relu");
    d.ensure_built({Shape::kNone, 2});
    d.set_weights({Tensor::from_data({2, 2}, {1, -1, 2, 1}), Tensor::from_data({2}, {0.5f, 0})});
    const Tensor y = d(Variable(Tensor::from_data({1, 2}, {1, 1}))).value();
    CHECK(y.to_vector() == std::vector<float>{3.5f, 0.0f});
}

TEST_CASE("Dense: on a rank-3+ input it works on the last axis, as Keras", "[layers][dense]") {
    Dense checked(4, "tanh");
    check_layer(checked, {2, 3, 5}, {.trainable_weights = 2});
    // Each position of the leading axes is a row of the same product.
    Dense d(4, "tanh"), rows(4, "tanh");
    Rng rng(3);
    const Tensor x = Tensor::uniform({2, 3, 5}, -1, 1, rng);
    const Tensor y = d(Variable(x)).value();
    REQUIRE(y.shape() == Shape({2, 3, 4}));
    rows.ensure_built({Shape::kNone, 5});
    rows.set_weights(d.get_weights());
    const Tensor row = rows(Variable(x.reshape({6, 5}))).value();
    CHECK(y.reshape({6, 4}).to_vector() == row.to_vector());
    CHECK(d.output_shape().batch_str() == "(None, 3, 4)");
    Dense scalar(3);
    CHECK_THROWS_WITH(scalar.build({Shape::kNone}), Catch::Contains("expected input with a feature axis"));
    CHECK_THROWS_AS(Dense(0), ValueError);
    CHECK_THROWS_WITH(Dense(3, "rleu"), Catch::Contains("unknown activation 'rleu'"));
    // Options by name.
    Dense named(3, {.activation = "relu", .use_bias = false, .kernel_initializer = "zeros"});
    named.ensure_built({Shape::kNone, 2});
    CHECK(named.activation() == ActivationKind::Relu);
    CHECK(named.weights().size() == 1);
    CHECK(named.kernel().value().to_vector() == std::vector<float>(6, 0.0f));
}
