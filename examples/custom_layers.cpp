// Example 3 of docs/custom_layers.md: the custom layers at work in a model, saved and loaded.
// Built as build/bin/custom_layers_example.
#include <cstdio>
#include <minnow/minnow.hpp>

#include "gated_dense.hpp"
#include "prelu.hpp"

int main() {
    // Registration lets load_model() rebuild these layers from a file, with no code describing the model.
    minnow::register_layer_class<GatedDense>("GatedDense");
    minnow::register_layer_class<PReLU>("PReLU");

    minnow::Sequential model({minnow::Input({2}), GatedDense(16), PReLU(), minnow::Dense(2, "softmax")});
    model.summary();

    // Two interleaved half-moons, roughly: label 1 where x0 * x1 > 0.
    minnow::Rng rng(7);
    minnow::Tensor x = minnow::Tensor::uniform({512, 2}, -1, 1, rng), y({512});
    for (int64_t i = 0; i < 512; ++i) y.flat(i) = x.at({i, 0}) * x.at({i, 1}) > 0 ? 1.0f : 0.0f;

    model.compile(minnow::Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    const auto history = model.fit(x, y, {.epochs = 20, .batch_size = 32, .verbose = 0});
    std::printf("final training accuracy: %.3f\n", history.at("accuracy").back());

    model.save("custom_layers_example.safetensors");
    minnow::Sequential loaded = minnow::load_model("custom_layers_example.safetensors");
    const bool same = loaded.predict(x).to_vector() == model.predict(x).to_vector();
    std::printf("reloaded model predicts the same: %s\n", same ? "yes" : "no");
    return same ? 0 : 1;
}
