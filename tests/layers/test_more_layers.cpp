// AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Reshape, ZeroPadding2D, Rescaling:
// known values, check_layer (shapes, counts, bad input, gradients), summary rows, save and load.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "core/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/minnow.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;
using minnow::test::check_layer;

namespace {
Tensor image(std::vector<float> v, int64_t h, int64_t w) { return Tensor::from_data({1, h, w, 1}, v); }
}  // namespace

TEST_CASE("AveragePooling2D: window means; at a 'same' border only the real pixels count", "[layers][pool]") {
    AveragePooling2D valid;
    const Tensor y = valid(Variable(image({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 4, 4))).value();
    CHECK(y.to_vector() == std::vector<float>{3.5f, 5.5f, 11.5f, 13.5f});
    // 3x3 input, 2x2 windows of stride 2, 'same': the last row and column hold one pixel's or two's.
    AveragePooling2D same(2, std::nullopt, "same");
    const Tensor s = same(Variable(image({1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3))).value();
    CHECK(s.to_vector() == std::vector<float>{3.0f, 4.5f, 7.5f, 9.0f});
    AveragePooling2D fresh;
    check_layer(fresh, {2, 4, 6, 3}, {});
    AveragePooling2D overlapping(3, 2, "same");
    check_layer(overlapping, {2, 5, 5, 2}, {});
}

TEST_CASE("Global pooling: the mean and the maximum of each channel, keepdims as Keras", "[layers][pool]") {
    const Tensor x = Tensor::from_data({1, 2, 2, 2}, {1, -1, 2, -2, 3, -3, 6, -4});
    GlobalAveragePooling2D avg;
    CHECK(avg(Variable(x)).value().to_vector() == std::vector<float>{3.0f, -2.5f});
    GlobalMaxPooling2D max;
    CHECK(max(Variable(x)).value().to_vector() == std::vector<float>{6.0f, -1.0f});
    GlobalAveragePooling2D keep(true);
    CHECK(keep(Variable(x)).shape() == Shape({1, 1, 1, 2}));
    GlobalAveragePooling2D avg2;
    check_layer(avg2, {2, 3, 4, 5}, {});
    GlobalMaxPooling2D max2;
    check_layer(max2, {2, 3, 4, 5}, {});
    GlobalMaxPooling2D max_keep(true);
    check_layer(max_keep, {2, 3, 3, 2}, {});
    GlobalAveragePooling2D flat;
    CHECK_THROWS_WITH(flat(Variable(Tensor::zeros({2, 5}))), Catch::Contains("expected input of rank 3"));
}

TEST_CASE("Reshape, ZeroPadding2D and Rescaling", "[layers]") {
    Reshape r({-1, 4});
    CHECK(r(Variable(Tensor::zeros({3, 2, 6}))).shape() == Shape({3, 3, 4}));
    CHECK(r.output_shape().batch_str() == "(None, 3, 4)");
    Reshape r2({-1, 4});
    check_layer(r2, {2, 2, 6}, {});
    Reshape bad({5, -1});
    CHECK_THROWS_WITH(bad(Variable(Tensor::zeros({1, 12}))), Catch::Contains("cannot reshape"));
    CHECK_THROWS_AS(Reshape({-1, -1}), ValueError);

    ZeroPadding2D pad({1, 0}, {2, 1});
    const Tensor p = pad(Variable(image({1, 2, 3, 4}, 2, 2))).value();
    CHECK(p.shape() == Shape({1, 3, 5, 1}));
    CHECK(p.to_vector() == std::vector<float>{0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 0});
    ZeroPadding2D pad2({1, 0}, {2, 1});
    check_layer(pad2, {2, 3, 2, 2}, {});
    ZeroPadding2D symmetric(2);
    CHECK(symmetric(Variable(Tensor::zeros({1, 3, 3, 1}))).shape() == Shape({1, 7, 7, 1}));

    Rescaling scale(1.0 / 255, -0.5);
    CHECK(scale(Variable(Tensor::from_data({1, 2}, {0, 255}))).value().to_vector() == std::vector<float>{-0.5f, 0.5f});
    Rescaling scale2(1.0 / 255, -0.5);
    check_layer(scale2, {3, 4}, {});
}

TEST_CASE("the new layers show in summary and survive save and load with their configs", "[layers][io]") {
    set_random_seed(2);
    Sequential model({Input({8, 8, 1}), Rescaling(0.5, 0.1), ZeroPadding2D(1),
                      Conv2D(4, 3, {.activation = "relu", .kernel_initializer = RandomNormal(0.0f, 0.5f)}),
                      AveragePooling2D(2, 1, "same"), GlobalMaxPooling2D(true), Reshape({4}), Dense(3, {.activation = "softmax"})});
    const std::string summary = model.summary_string();
    for (const char* cls : {"Rescaling", "ZeroPadding2D", "AveragePooling2D", "GlobalMaxPooling2D", "Reshape"})
        CHECK_THAT(summary, Catch::Contains(cls));
    CHECK_THAT(summary, Catch::Contains("(None, 10, 10, 1)") && Catch::Contains("(None, 1, 1, 4)"));
    const auto path = std::filesystem::temp_directory_path() / "minnow_test_more_layers.safetensors";
    model.save(path.string());
    Sequential loaded = load_model(path.string());
    Rng rng(4);
    const Tensor x = Tensor::uniform({5, 8, 8, 1}, 0, 1, rng);
    CHECK(loaded.predict(x).to_vector() == model.predict(x).to_vector());
    CHECK(loaded.get_config() == model.get_config());
    Sequential gap({Input({4, 4, 3}), GlobalAveragePooling2D(), Dense(2)});
    gap.save(path.string());
    CHECK(load_model(path.string()).get_config() == gap.get_config());
}

TEST_CASE("initializers are saved with their arguments, as Keras' serialize", "[layers][io]") {
    // Found while trying it: gamma Constant(1.5) came back as zeros, RandomNormal(0, 0.5) as (0, 0.05).
    Sequential model({Input({3}), Dense(4, {.kernel_initializer = RandomNormal(0.0f, 0.5f)}),
                      BatchNormalization(-1, 0.99, 1e-3, true, true, "zeros", Constant(1.5f))});
    const Config config = model.get_config();
    const auto rebuilt = Sequential::from_config(config);
    CHECK(rebuilt->get_config() == config);
    auto& bn = dynamic_cast<BatchNormalization&>(rebuilt->get_layer(1));
    CHECK(bn.get_weights()[0].to_vector() == std::vector<float>{1.5f, 1.5f, 1.5f, 1.5f});
    const nlohmann::json kernel = json_of(config)["layers"][1]["config"]["kernel_initializer"];
    CHECK(kernel["class_name"] == "RandomNormal");
    CHECK(kernel["config"]["stddev"].get<double>() == Approx(0.5));
    // A large sample of the rebuilt kernel has the saved spread, not the default 0.05.
    Sequential wide({Input({400}), Dense(400, {.kernel_initializer = RandomNormal(0.0f, 0.5f)})});
    const auto wide_again = Sequential::from_config(wide.get_config());
    const Tensor k = wide_again->get_layer(0).get_weights()[0];
    double sum_sq = 0.0;
    for (int64_t i = 0; i < k.numel(); ++i) sum_sq += double(k.flat(i)) * k.flat(i);
    CHECK(std::sqrt(sum_sq / double(k.numel())) == Approx(0.5).epsilon(0.02));
}
