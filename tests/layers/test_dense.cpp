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

TEST_CASE("Dense: refuses a 4-D input and tells to add Flatten", "[layers][dense]") {
    Dense d(10);
    CHECK_THROWS_WITH(d(Variable(Tensor::zeros({2, 13, 13, 32}))),
                      "Dense 'dense': expected input of rank 1 (features,), got (None, 13, 13, 32); add Flatten "
                      "before Dense");
    CHECK_THROWS_AS(Dense(0), ValueError);
    CHECK_THROWS_WITH(Dense(3, "rleu"), Catch::Contains("unknown activation 'rleu'"));
}
