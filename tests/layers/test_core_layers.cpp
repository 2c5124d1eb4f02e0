#include <catch2/catch.hpp>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;
using minnow::test::check_layer;

TEST_CASE("Activation: check_layer for each activation", "[layers]") {
    for (const std::string& act : activation_names()) {
        if (act == "relu" || act == "leaky_relu") continue;
        Activation a(act);
        check_layer(a, {3, 4}, {});
    }
    Activation relu(ActivationKind::Relu);
    check_layer(relu, {2, 3, 3, 2}, {.gradcheck = false});
    Variable x = minnow::test::random_leaf_away_from_zero({2, 3, 3, 2}, 4);
    REQUIRE_GRADCHECK([&] { return relu(x, Mode::Train); }, {x});
    CHECK_THROWS_AS(Activation("nope"), ValueError);
}

TEST_CASE("Dropout: inverted dropout in Train, identity in Infer", "[layers][dropout]") {
    Dropout d(0.25f, 3);
    check_layer(d, {4, 6}, {.train_differs = true, .before_call = [](Layer& l) { static_cast<Dropout&>(l).reseed(3); }});

    Dropout big(0.5f, 11);
    const Variable ones(Tensor::ones({100, 100}));
    const Tensor y = big(ones, Mode::Train).value();
    int64_t kept = 0;
    for (float v : y.span()) {
        CHECK((v == 0.0f || v == 2.0f));  // kept values are scaled by 1 / (1 - rate)
        kept += v != 0.0f;
    }
    CHECK(double(kept) / 10000.0 == Approx(0.5).margin(0.02));
    CHECK(big(ones, Mode::Infer).value().to_vector() == ones.value().to_vector());
    CHECK(Dropout(0.0f)(ones, Mode::Train).value().to_vector() == ones.value().to_vector());
}

TEST_CASE("Dropout: rate outside [0, 1) is refused", "[layers][dropout]") {
    CHECK_THROWS_WITH(Dropout(1.5f), "Dropout 'dropout': invalid rate=1.5, expected 0 <= rate < 1");
    CHECK_THROWS_AS(Dropout(1.0f), ValueError);
    CHECK_THROWS_AS(Dropout(-0.1f), ValueError);
}

TEST_CASE("Flatten and Input", "[layers]") {
    Flatten f;
    check_layer(f, {2, 3, 4, 5}, {});
    CHECK(f.output_shape().batch_str() == "(None, 60)");
    Input in({784});
    check_layer(in, {3, 784}, {});
    CHECK(in.count_params() == 0);
    Input wrong({10});
    CHECK_THROWS_WITH(wrong(Variable(Tensor::zeros({2, 11}))),
                      "InputLayer 'input_layer': declared input shape (None, 10), got (None, 11)");
}
