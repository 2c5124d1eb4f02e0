// The programs in examples/ build (CMake builds them with the tests) and do what they say, run
// as a user would run them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cli.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

minnow::test::Run run_example(const std::string& name, const std::string& args) {
    return minnow::test::run_command(std::string(MINNOW_EXAMPLES_DIR) + "/example_" + name + " " + args);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("examples: the README's program is examples/readme.cpp, and it trains", "[examples]") {
    const fs::path root = fs::path(MINNOW_TEST_FIXTURES).parent_path().parent_path();
    const std::string program = read_file(root / "examples" / "readme.cpp");
    CHECK_THAT(read_file(root / "README.md"), Catch::Contains("```cpp\n" + program + "```\n"));

    const fs::path data = minnow::test::mnist_like_folder("examples_readme", 200, 40);
    const auto run = run_example("readme", data.string());
    INFO(run.output);
    REQUIRE(run.status == 0);
    CHECK_THAT(run.output, Catch::Contains("Total params: 51,146") && Catch::Contains("Epoch 10/10") &&
                               Catch::Contains("validation accuracy after 10 epochs: "));
}

TEST_CASE("examples: train on MNIST files, then predict with the saved model", "[examples]") {
    const fs::path data = minnow::test::mnist_like_folder("examples_mnist", 200, 40);
    const fs::path dir = minnow::test::temp_dir("examples_train");
    const auto model = (dir / "model.safetensors").string();
    const auto trained = run_example("train_mnist", data.string() + " 3 " + model);
    INFO(trained.output);
    REQUIRE(trained.status == 0);
    CHECK_THAT(trained.output, Catch::Contains("Epoch 3/3") && Catch::Contains("test accuracy") &&
                                   Catch::Contains("saved " + model));
    CHECK(fs::exists(model));

    const auto predicted = run_example("predict_saved", model + " " + data.string() + " 5");
    INFO(predicted.output);
    REQUIRE(predicted.status == 0);
    CHECK_THAT(predicted.output, Catch::Contains("image 4: predicted") && Catch::Contains("of 5 right"));

    CHECK(run_example("train_mnist", "").status == 2);  // usage
    const auto missing = run_example("predict_saved", (dir / "none.safetensors").string() + " " + data.string() + " 1");
    CHECK(missing.status == 1);
    CHECK_THAT(missing.output, Catch::Contains("error: ") && Catch::Contains("none.safetensors"));
}

TEST_CASE("examples: a dataset of one's own, and checkpoint and resume", "[examples]") {
    const auto spirals = run_example("custom_dataset", "");
    INFO(spirals.output);
    CHECK(spirals.status == 0);
    CHECK_THAT(spirals.output, Catch::Contains("spirals: loss"));

    const fs::path dir = minnow::test::temp_dir("examples_resume");
    const auto resumed = run_example("checkpoint_resume", dir.string());
    INFO(resumed.output);
    CHECK(resumed.status == 0);
    CHECK_THAT(resumed.output, Catch::Contains("predictions identical"));
}
