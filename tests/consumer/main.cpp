// A program outside minnow's tree, built against an installed minnow (find_package or
// pkg-config) by scripts/test-install.sh: trains a small model, saves it, loads it back.
#include <cstdio>
#include <minnow/minnow.hpp>

int main() {
    minnow::Rng rng(1);
    // Two classes: the sign of the first feature.
    const minnow::Tensor x = minnow::Tensor::uniform({256, 4}, -1, 1, rng);
    minnow::Tensor y({256});
    for (int64_t i = 0; i < 256; ++i) y.flat(i) = x.at({i, 0}) > 0 ? 1.0f : 0.0f;

    minnow::set_random_seed(2);
    minnow::Sequential model({minnow::Input({4}), minnow::Dense(16), minnow::BatchNormalization(),
                              minnow::Activation("relu"), minnow::Dense(2, "softmax")});
    model.compile(minnow::Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    model.fit(x, y, {.epochs = 20, .verbose = 0});
    const double accuracy = model.evaluate(x, y).at("accuracy");

    model.save("consumer_model.safetensors");
    minnow::Sequential loaded = minnow::load_model("consumer_model.safetensors");
    const double reloaded = loaded.evaluate(x, y).at("accuracy");
    std::printf("minnow %s: accuracy %.3f, after save and load %.3f\n", MINNOW_VERSION_STRING, accuracy, reloaded);
    return accuracy > 0.9 && reloaded == accuracy ? 0 : 1;
}
