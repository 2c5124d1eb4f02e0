// The custom-layer guide's examples: they train, show in summary(), save and load, pass the
// gradient check; and the guide shows exactly these files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "examples/gated_dense.hpp"
#include "examples/prelu.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Data {
    Tensor x, y;
};

Data quadrants(int64_t n) {
    Rng rng(7);
    Data d{Tensor::uniform({n, 2}, -1, 1, rng), Tensor({n})};
    for (int64_t i = 0; i < n; ++i) d.y.flat(i) = d.x.at({i, 0}) * d.x.at({i, 1}) > 0 ? 1.0f : 0.0f;
    return d;
}

}  // namespace

TEST_CASE("guide: every file it shows is shown verbatim", "[examples]") {
    const fs::path root = fs::path(MINNOW_TEST_FIXTURES).parent_path().parent_path();
    const std::string guide = read(root / "docs" / "custom_layers.md");
    const std::string marker = "<!-- file: ";
    int files = 0;
    for (size_t at = guide.find(marker); at != std::string::npos; at = guide.find(marker, at + 1)) {
        const size_t name_end = guide.find(" -->", at);
        const std::string name = guide.substr(at + marker.size(), name_end - at - marker.size());
        const size_t code = guide.find("```cpp\n", name_end) + 7;
        const size_t code_end = guide.find("```\n", code);
        INFO("guide block for " << name);
        CHECK(guide.substr(code, code_end - code) == read(root / name));
        ++files;
    }
    CHECK(files == 3);
}

TEST_CASE("examples: GatedDense and PReLU pass the layer checks and the gradient check", "[examples]") {
    GatedDense gated(3);
    test::check_layer(gated, {4, 5}, {.trainable_weights = 4});
    CHECK(gated.count_params() == 2 * (5 * 3 + 3));
    PReLU prelu_layer;
    // Inputs kept away from the kink at 0, where finite differences straddle two slopes.
    Variable x = test::random_leaf_away_from_zero({4, 3}, 3);
    prelu_layer(x);
    REQUIRE_GRADCHECK([&] { return prelu_layer(x, Mode::Train); }, {x, prelu_layer.trainable_weights()[0]});
    // The guide's own gradcheck snippet.
    Rng rng(1);
    Variable xs(Tensor::uniform({4, 3}, -1, 1, rng), true);
    Variable alpha(Tensor::full({3}, 0.25f), true);
    const auto result = testing::gradcheck([&] { return prelu(xs, alpha); }, {xs, alpha});
    CHECK(result.ok);
    CHECK(prelu(Variable(Tensor::from_data({1, 2}, {-2, 3})), Variable(Tensor::full({2}, 0.5f))).value().to_vector() ==
          std::vector<float>{-1, 3});
}

TEST_CASE("examples: custom layers train in a Sequential, show in summary, save and load", "[examples]") {
    register_layer_class<GatedDense>("GatedDense");
    register_layer_class<PReLU>("PReLU");
    const Data d = quadrants(512);
    set_random_seed(3);
    Sequential model({Input({2}), GatedDense(16), PReLU(), Dense(2, "softmax")});
    const std::string summary = model.summary_string();
    CHECK_THAT(summary, Catch::Contains("gated_dense (GatedDense)") && Catch::Contains("p_re_lu (PReLU)") &&
                            Catch::Contains("Total params: 146"));
    model.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    const History h = model.fit(d.x, d.y, {.epochs = 20, .batch_size = 32, .verbose = 0});
    CHECK(h.at("accuracy").back() > 0.9);

    const fs::path file = fs::temp_directory_path() / "minnow_test_custom_layers.safetensors";
    model.save(file.string());
    Sequential loaded = load_model(file.string());
    CHECK(loaded.summary_string() == summary);
    CHECK(loaded.predict(d.x).to_vector() == model.predict(d.x).to_vector());
}

TEST_CASE("examples: the example program runs", "[examples]") {
    const fs::path dir = fs::temp_directory_path() / "minnow_test_example_run";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string command = "cd " + dir.string() + " && " + MINNOW_EXAMPLE_PATH + " > out.txt 2>&1";
    CHECK(std::system(command.c_str()) == 0);
    CHECK_THAT(read(dir / "out.txt"), Catch::Contains("reloaded model predicts the same: yes"));
}
