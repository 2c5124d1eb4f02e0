// scripts/to_pytorch.py turns a minnow model file into a PyTorch module that reproduces minnow's
// predictions to 1e-5. Runs where PyTorch is installed (Debian: python3-torch); says it skipped
// otherwise.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "minnow/minnow.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"

using namespace minnow;
namespace fs = std::filesystem;

namespace {

// A Python that has PyTorch: $MINNOW_PYTHON, else python3 on the PATH, else Debian's own (a
// pyenv or venv python3 first on the PATH does not see Debian's python3-torch); empty if none.
std::string python_with_torch() {
    std::vector<std::string> candidates;
    if (const char* chosen = std::getenv("MINNOW_PYTHON")) candidates.emplace_back(chosen);
    candidates.emplace_back("python3");
    candidates.emplace_back("/usr/bin/python3");
    for (const std::string& python : candidates)
        if (std::system((python + " -c 'import torch, numpy' > /dev/null 2>&1").c_str()) == 0) return python;
    return {};
}

// Trains `model` a little (so BatchNormalization's statistics are not their initial values),
// saves it and minnow's predictions, and has the script compare.
void check_conversion(const std::string& python, Sequential& model, const Shape& input, const std::string& name) {
    Rng rng(3);
    const Tensor x = Tensor::uniform(input.batched(48), -1, 2, rng);
    const int64_t classes = model.output_shape()[-1];
    Tensor y(Shape{48});
    for (int64_t i = 0; i < 48; ++i) y.flat(i) = float(i % classes);
    model.compile(Adam(1e-2), classes == 1 ? "binary_crossentropy" : "sparse_categorical_crossentropy");
    if (classes == 1) y = Tensor::uniform({48, 1}, 0, 1, rng);
    (void)model.fit(x, y, {.epochs = 3, .batch_size = 16, .verbose = 0});
    const fs::path dir = test::temp_dir("to_pytorch_" + name);
    model.save((dir / "model.safetensors").string());
    const Tensor predictions = model.predict(x);
    io::write_safetensors((dir / "io.safetensors").string(), {{"x", &x}, {"y", &predictions}});
    const fs::path script = fs::path(MINNOW_TEST_FIXTURES) / ".." / ".." / "scripts" / "to_pytorch.py";
    const std::string command = python + " " + script.string() + " " + (dir / "model.safetensors").string() +
                                " --check " + (dir / "io.safetensors").string() + " --save " + (dir / "module.pt").string() + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    const int status = pclose(pipe);
    INFO(out);
    CHECK(status == 0);
    CHECK_THAT(out, Catch::Contains("largest difference from minnow's outputs"));
    CHECK(fs::file_size(dir / "module.pt") > 0);  // torch.save'd: the module pickles
}

}  // namespace

TEST_CASE("to_pytorch.py: the PyTorch module predicts what minnow does, to 1e-5", "[io]") {
    const std::string python = python_with_torch();
    if (python.empty()) {
        WARN("skipped: no Python with PyTorch and numpy (Debian: python3-torch; or set MINNOW_PYTHON)");
        return;
    }
    Sequential mlp({Input({20}), Dense(32), BatchNormalization(), Activation("relu"), Dropout(0.1),
                    Dense(16, "gelu"), LayerNormalization(), Dense(5, "softmax")});
    check_conversion(python, mlp, Shape{20}, "mlp");

    Sequential cnn({Input({12, 12, 2}), Rescaling(0.5, 0.1), ZeroPadding2D({1, 0}, {2, 1}),
                    Conv2D(8, 3, {.strides = 2, .padding = "same"}), BatchNormalization(), Activation("relu"),
                    MaxPooling2D(2, 1, "same"), Conv2D(6, 3, {.activation = "swish"}), AveragePooling2D(2, 1, "same"),
                    Flatten(), Dense(4, "softmax")});
    check_conversion(python, cnn, Shape{12, 12, 2}, "cnn");

    Sequential pooled({Input({9, 9, 3}), Conv2D(5, {2, 3}, {.activation = "tanh"}), AveragePooling2D(2),
                       GlobalMaxPooling2D(true), Reshape({5}), Dense(1, "sigmoid")});
    check_conversion(python, pooled, Shape{9, 9, 3}, "pooled");
}
