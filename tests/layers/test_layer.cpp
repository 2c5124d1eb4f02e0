#include <catch2/catch.hpp>

#include <cmath>

#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"

using namespace minnow;

TEST_CASE("Layer: Keras' automatic names", "[layers]") {
    CHECK(to_snake_case("Dense") == "dense");
    CHECK(to_snake_case("BatchNormalization") == "batch_normalization");
    CHECK(to_snake_case("Conv2D") == "conv2d");
    CHECK(to_snake_case("MaxPooling2D") == "max_pooling2d");
    CHECK(to_snake_case("InputLayer") == "input_layer");
    CHECK(Dense(3).name() == "dense");
    CHECK(named("hidden", Dense(3)).name() == "hidden");
    Dense d(3);
    d.set_automatic_name("dense_4");
    CHECK(d.name() == "dense_4");
    d.set_name("mine");
    d.set_automatic_name("dense_5");
    CHECK(d.name() == "mine");
    CHECK_THROWS_AS(d.set_name("a/b"), ValueError);
}

TEST_CASE("Layer: builds lazily and then checks input shapes", "[layers]") {
    Dense d(4);
    CHECK_FALSE(d.built());
    CHECK_THROWS_AS(d.count_params(), StateError);
    d(Variable(Tensor::zeros({2, 3})));
    CHECK(d.built());
    CHECK(d.input_shape().batch_str() == "(None, 3)");
    CHECK(d.output_shape().batch_str() == "(None, 4)");
    d(Variable(Tensor::zeros({7, 3})));  // any batch size
    CHECK_THROWS_WITH(d(Variable(Tensor::zeros({2, 5}))),
                      "Dense 'dense': expected input shape (None, 3), got (None, 5)");
}

TEST_CASE("Layer: weights in Keras' order, trainable flag and set_weights checks", "[layers]") {
    Dense d(2);
    d.ensure_built({Shape::kNone, 3});
    CHECK(d.weight_names() == std::vector<std::string>{"kernel", "bias"});
    CHECK(d.count_params() == 8);
    CHECK(d.trainable_weights().size() == 2);
    d.set_trainable(false);
    CHECK(d.trainable_weights().empty());
    CHECK(d.non_trainable_weights().size() == 2);
    CHECK_FALSE(d.kernel().requires_grad());
    d.set_trainable(true);
    CHECK(d.kernel().requires_grad());

    const Tensor k = Tensor::arange(6).reshape({3, 2});
    d.set_weights({k, Tensor::ones({2})});
    CHECK(d.get_weights()[0].to_vector() == k.to_vector());
    CHECK_THROWS_WITH(d.set_weights({k}),
                      "Dense 'dense': set_weights expected 2 arrays [kernel (3, 2), bias (2,)], got 1");
    CHECK_THROWS_WITH(d.set_weights({k, Tensor::ones({3})}),
                      "Dense 'dense': set_weights: weight 1 'bias' expects shape (2,), got (3,)");
}

TEST_CASE("initializers: Keras' fans and limits", "[layers][init]") {
    CHECK(compute_fans({784, 64}).fan_in == 784);
    CHECK(compute_fans({784, 64}).fan_out == 64);
    CHECK(compute_fans({3, 3, 1, 32}).fan_in == 9);
    CHECK(compute_fans({3, 3, 1, 32}).fan_out == 288);
    CHECK(compute_fans({10}).fan_in == 10);

    Rng rng(1);
    const Tensor k = Initializer("glorot_uniform")({3, 3, 1, 32}, rng);
    const float limit = std::sqrt(6.0f / (9 + 288));
    float lo = 0, hi = 0;
    for (float v : k.span()) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    CHECK(lo >= -limit);
    CHECK(hi <= limit);
    CHECK(hi > 0.9f * limit);

    const Tensor h = Initializer("he_normal")({400, 300}, rng);
    double sq = 0;
    float biggest = 0;
    for (float v : h.span()) {
        sq += double(v) * v;
        biggest = std::max(biggest, std::fabs(v));
    }
    CHECK(std::sqrt(sq / double(h.numel())) == Approx(std::sqrt(2.0 / 400)).epsilon(0.03));
    CHECK(biggest <= 2.0f * std::sqrt(2.0f / 400) / 0.87962566f + 1e-6f);  // truncated at 2 stddev

    CHECK(Initializer("zeros")({2}, rng).to_vector() == std::vector<float>{0, 0});
    CHECK(Initializer(Constant(3))({2}, rng).to_vector() == std::vector<float>{3, 3});
    CHECK(Initializer("glorot_normal").name() == "glorot_normal");
    CHECK(Initializer("lecun_normal").name() == "lecun_normal");
    CHECK(Initializer("random_normal").name() == "random_normal");
    CHECK(Initializer("random_uniform").name() == "random_uniform");
    CHECK(Initializer("he_uniform").name() == "he_uniform");
    CHECK_THROWS_WITH(Initializer("glorot"), Catch::Contains("unknown initializer 'glorot'") &&
                                                 Catch::Contains("glorot_uniform"));

    GlorotUniform seeded;
    seeded.seed = 5;
    Rng a(1), b(2);
    CHECK(Initializer(seeded)({4}, a).to_vector() == Initializer(seeded)({4}, b).to_vector());
}

TEST_CASE("initializers: the global seed makes layers reproducible", "[layers][init]") {
    set_random_seed(7);
    Dense a(5);
    a.ensure_built({Shape::kNone, 4});
    set_random_seed(7);
    Dense b(5);
    b.ensure_built({Shape::kNone, 4});
    CHECK(a.kernel().value().to_vector() == b.kernel().value().to_vector());
}
