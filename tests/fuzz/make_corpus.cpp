// Writes the fuzzers' seed corpora (make fuzz runs it): small valid inputs of each format, which
// libFuzzer then mutates. usage: fuzz_make_corpus OUT_DIR (writes OUT_DIR/idx and OUT_DIR/model).
#include <cstdio>
#include <filesystem>
#include <string>

#include "minnow/data/idx.hpp"
#include "minnow/layers/layers.hpp"
#include "minnow/models/sequential.hpp"

namespace fs = std::filesystem;
using namespace minnow;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_corpus OUT_DIR\n");
        return 2;
    }
    const fs::path out(argv[1]);
    fs::create_directories(out / "idx");
    fs::create_directories(out / "model");
    auto idx = [&](const std::string& name, std::vector<int64_t> dims) {
        data::IdxArray a{dims, {}};
        int64_t n = 1;
        for (int64_t d : dims) n *= d;
        for (int64_t i = 0; i < n; ++i) a.values.push_back(static_cast<uint8_t>(i * 37 % 256));
        data::write_idx((out / "idx" / name).string(), a);
    };
    idx("labels", {10});
    idx("images", {3, 4, 4});
    idx("rank2", {2, 5});
    idx("rank4", {1, 2, 2, 2});
    idx("empty", {0, 28, 28});

    set_random_seed(1);
    Sequential mlp({Input({6}), Dense(4), BatchNormalization(), Activation("relu"), Dropout(0.2), Dense(3, "softmax")});
    mlp.save((out / "model" / "mlp.safetensors").string());
    mlp.save_weights((out / "model" / "mlp-weights.safetensors").string());
    Sequential cnn({Input({6, 6, 1}), Conv2D(2, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(), Flatten(),
                    Dense(2, "softmax")});
    cnn.save((out / "model" / "cnn.safetensors").string());
    Sequential norms({Input({4}), Dense(4), LayerNormalization(), GroupNormalization(2), Dense(2)});
    norms.save((out / "model" / "norms.safetensors").string());
    std::printf("fuzz corpus: %s/idx (5 inputs), %s/model (4 inputs)\n", out.c_str(), out.c_str());
    return 0;
}
