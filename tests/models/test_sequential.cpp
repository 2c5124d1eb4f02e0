#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "minnow/minnow.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;

namespace {
std::string read_fixture(const std::string& name) {
    std::ifstream in(std::string(MINNOW_TEST_FIXTURES) + "/" + name);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("summary: golden text for an MLP with BatchNormalization", "[models][summary]") {
    Sequential model({
        Input({784}),
        Dense(64), BatchNormalization(), Activation("relu"),
        Dense(10, "softmax"),
    });
    CHECK(model.summary_string() == read_fixture("summary_mlp_bn.txt"));
    CHECK(model.count_params() == 51146);
    CHECK(model.trainable_weights().size() == 6);
    CHECK(model.non_trainable_weights().size() == 2);
}

TEST_CASE("summary: golden text for the seed CNN", "[models][summary]") {
    Sequential model({Input({28, 28, 1}), Conv2D(32, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                      Conv2D(64, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(), Flatten(), Dense(64),
                      BatchNormalization(), Activation("relu"), Dense(10, "softmax")});
    CHECK(model.summary_string() == read_fixture("summary_cnn_bn.txt"));
}

TEST_CASE("Sequential: automatic names, add(), get_layer and weight names", "[models]") {
    Sequential model;
    model.add(Input({4}));
    model.add(Dense(3));
    model.add(named("out", Dense(2)));
    model.add(Dense(2));
    CHECK(model.layers()[1]->name() == "dense");
    CHECK(model.layers()[3]->name() == "dense_1");
    CHECK(model.get_layer("out").count_params() == 8);
    CHECK(model.output_shape().batch_str() == "(None, 2)");
    CHECK(model.weight_names() == std::vector<std::string>{"dense/kernel", "dense/bias", "out/kernel", "out/bias",
                                                            "dense_1/kernel", "dense_1/bias"});
    CHECK_THROWS_AS(model.get_layer("nope"), ValueError);
    CHECK_THROWS_AS(model.add(named("out", Dense(2))), ValueError);
}

TEST_CASE("Sequential: a shape mismatch names position, type, name and neighbour", "[models]") {
    try {
        Sequential model({Input({784}), Dense(10), Conv2D(8, 3)});
        FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
        CHECK(std::string(e.what()) ==
              "Sequential 'sequential': layer 3 of 3, Conv2D 'conv2d' (after Dense 'dense'), cannot take input "
              "(None, 10): Conv2D 'conv2d': expected input of rank 3 (height, width, channels), got (None, 10)");
    }
    Sequential lazy({Dense(4), Dense(2)});
    CHECK_FALSE(lazy.built());
    CHECK_THROWS_AS(lazy.summary_string(), StateError);
    lazy.build({Shape::kNone, 3});
    CHECK(lazy.count_params() == 16 + 10);
    CHECK_THROWS_AS(lazy.add(Conv2D(2, 3)), ShapeError);
    CHECK(lazy.layers().size() == 2);
}

TEST_CASE("Sequential: a model is a layer and nests; freezing propagates", "[models]") {
    auto inner = std::make_shared<Sequential>(std::initializer_list<LayerHandle>{Dense(4), BatchNormalization()});
    Sequential outer({Input({3}), inner, Dense(2)});
    CHECK(inner->name() == "sequential");
    CHECK(outer.count_params() == (12 + 4) + 16 + 10);
    CHECK(outer.weight_names()[0] == "sequential/dense/kernel");
    inner->set_trainable(false);
    CHECK(outer.trainable_weights().size() == 2);
    CHECK_FALSE(inner->layers()[0]->weights()[0].requires_grad());
    const Tensor y = outer(Variable(Tensor::ones({5, 3})), Mode::Train).value();
    CHECK(y.shape() == Shape{5, 2});
}

namespace {

// The model's output and gradients (x's, then each trainable weight's) equal, bit for bit, those
// of its layers called one by one, where nothing fuses.
void check_fused_equals_one_by_one(Sequential& model, const Variable& x, const Tensor& dy) {
    std::vector<Variable> wrt{x};
    for (const Variable& w : model.trainable_weights()) wrt.push_back(w);
    const auto fused = test::values_and_grads([&] { return model(x, Mode::Train); }, wrt, dy);
    const auto one_by_one = test::values_and_grads(
        [&] {
            Variable h = x;
            for (const auto& layer : model.layers()) h = (*layer)(h, Mode::Train);
            return h;
        },
        wrt, dy);
    for (size_t i = 0; i < fused.size(); ++i) {
        INFO("tensor " << i << " (0 = the output, then x's gradient, then each trainable weight's)");
        CHECK(test::identical(fused[i], one_by_one[i]));
    }
}

}  // namespace

TEST_CASE("Sequential fuses BatchNormalization -> ReLU (-> MaxPooling2D) and ReLU -> MaxPooling2D with the same numbers",
          "[models]") {
    // BN -> ReLU -> MaxPooling2D (on an odd 5x5) fuses as three, Dense's BN -> ReLU as two.
    Sequential model({Input({7, 7, 2}), Conv2D(3, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                      Flatten(), Dense(4), BatchNormalization(), Activation("relu"), Dense(2)});
    Variable x = test::random_leaf({5, 7, 7, 2}, 27);
    Rng rng(28);
    const Tensor dy = Tensor::uniform({5, 2}, -1, 1, rng);
    check_fused_equals_one_by_one(model, x, dy);
    // Without BatchNormalization, ReLU -> MaxPooling2D fuses as two.
    Sequential plain({Input({7, 7, 2}), Conv2D(3, 3), Activation("relu"), MaxPooling2D(), Flatten(), Dense(2)});
    check_fused_equals_one_by_one(plain, x, dy);
    // A frozen BatchNormalization still runs in inference mode inside the pair.
    model.get_layer("batch_normalization").set_trainable(false);
    const Tensor mean_before = model.get_layer("batch_normalization").weights()[2].value();
    check_fused_equals_one_by_one(model, x, dy);
    CHECK(test::identical(model.get_layer("batch_normalization").weights()[2].value(), mean_before));
}
