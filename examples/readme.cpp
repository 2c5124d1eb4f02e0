#include <cstdio>
#include <minnow/minnow.hpp>

int main(int argc, char** argv) {
    // MNIST's IDX files (`make data` puts all 70,000 digits in data/mnist); batches become floats in [0, 1].
    const auto mnist = minnow::data::load_image_folder(argc > 1 ? argv[1] : "data/mnist", /*flatten=*/true);

    minnow::Sequential model({
        minnow::Input({784}),
        minnow::Dense(64), minnow::BatchNormalization(), minnow::Activation("relu"),
        minnow::Dense(10, "softmax"),
    });
    model.compile(minnow::Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    model.summary();
    auto history = model.fit(mnist.train, {.epochs = 10, .batch_size = 32, .validation_data = mnist.test});
    std::printf("validation accuracy after 10 epochs: %.4f\n", history.at("val_accuracy").back());
}
