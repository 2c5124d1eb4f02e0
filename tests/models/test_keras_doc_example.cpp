// docs/keras.md's example: it compiles and runs, and the page shows exactly these lines.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "minnow/minnow.hpp"
#include "support/temp_dir.hpp"

namespace {
std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("docs/keras.md: the example runs, and the page shows it verbatim", "[models]") {
    minnow::Rng rng(1);
    const minnow::Tensor x = minnow::Tensor::uniform({40, 28, 28, 1}, 0, 255, rng);
    minnow::Tensor y({40});
    for (int64_t i = 0; i < 40; ++i) y.flat(i) = float(i % 10);
    const std::string backup_dir = minnow::test::temp_dir("keras_doc_backup").string();
    std::ostringstream printed;  // the progress bar
    auto* old = std::cout.rdbuf(printed.rdbuf());
    {
        // docs example begins
        using namespace minnow;
        Sequential model({Input({28, 28, 1}), Rescaling(1.0 / 255),
                          Conv2D(32, 3, {.activation = "relu"}), MaxPooling2D(2),
                          Conv2D(64, 3, {.padding = "same"}), BatchNormalization(), Activation("relu"),
                          GlobalAveragePooling2D(), Dense(10, "softmax")});
        model.compile(AdamW(CosineDecay(0.0, 10000, 0.0, 1e-3, 500)), "sparse_categorical_crossentropy",
                      {"accuracy", "sparse_top_k_categorical_accuracy"});
        auto history = model.fit(x, y, {.epochs = 10, .validation_split = 0.1,
                                        .callbacks = {std::make_shared<ReduceLROnPlateau>("val_loss"),
                                                      std::make_shared<BackupAndRestore>(backup_dir)},
                                        .class_weight = {{0, 2.0}}});
        // docs example ends
        std::cout.rdbuf(old);
        CHECK(history.at("val_sparse_top_k_categorical_accuracy").size() == 10);
        CHECK(history.at("learning_rate").back() > history.at("learning_rate").front());  // warming up
    }
    const std::string source = read(__FILE__);
    const std::string page = read(std::filesystem::path(MINNOW_TEST_FIXTURES) / ".." / ".." / "docs" / "keras.md");
    const size_t begin = source.find("// docs example begins\n"), end = source.find("        // docs example ends");
    REQUIRE((begin != std::string::npos && end != std::string::npos));
    std::istringstream lines(source.substr(begin + 23, end - begin - 23));
    for (std::string line; std::getline(lines, line);) {
        const std::string shown = line.size() >= 8 ? line.substr(8) : line;  // the test indents by 8
        INFO(shown);
        CHECK(page.find(shown + "\n") != std::string::npos);
    }
}
