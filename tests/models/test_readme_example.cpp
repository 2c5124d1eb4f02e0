// The README's example, verbatim between the markers, on small random data: if it stops
// compiling or running, this test says so.
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

#include "minnow/minnow.hpp"

TEST_CASE("the README example compiles and runs", "[models]") {
    minnow::Rng rng(1);
    const minnow::Tensor x_train = minnow::Tensor::uniform({64, 784}, 0, 1, rng);
    const minnow::Tensor x_test = minnow::Tensor::uniform({32, 784}, 0, 1, rng);
    minnow::Tensor y_train({64}), y_test({32});
    for (int64_t i = 0; i < 64; ++i) y_train.flat(i) = float(i % 10);
    for (int64_t i = 0; i < 32; ++i) y_test.flat(i) = float(i % 10);
    std::ostringstream printed;
    auto* old = std::cout.rdbuf(printed.rdbuf());
    // README example begins
    minnow::Sequential model({
        minnow::Input({784}),
        minnow::Dense(64), minnow::BatchNormalization(), minnow::Activation("relu"),
        minnow::Dense(10, "softmax"),
    });
    model.compile(minnow::Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    model.summary();
    auto history = model.fit(x_train, y_train, {.epochs = 10, .batch_size = 32,
                                                .validation_data = {x_test, y_test}});
    // README example ends
    std::cout.rdbuf(old);
    CHECK(history.at("val_accuracy").size() == 10);
    CHECK_THAT(printed.str(), Catch::Contains("Total params: 51,146") && Catch::Contains("Epoch 10/10"));
}
