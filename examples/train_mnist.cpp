// Trains a small CNN with BatchNormalization on MNIST read from its IDX files, evaluates it on the
// test split and saves it (with its optimizer, so training can go on later).
//
//     build/bin/example_train_mnist data/mnist 3 model.safetensors
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <minnow/minnow.hpp>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s MNIST_FOLDER EPOCHS OUT.safetensors\n", argv[0]);
        return 2;
    }
    try {
        // uint8 images stay compact; each batch becomes floats in [0, 1], shaped (28, 28, 1).
        const minnow::data::ImageFolder mnist = minnow::data::load_image_folder(argv[1], /*flatten=*/false);
        minnow::set_random_seed(1);
        minnow::Sequential model({
            minnow::Input({28, 28, 1}),
            minnow::Conv2D(16, 3), minnow::BatchNormalization(), minnow::Activation("relu"), minnow::MaxPooling2D(2),
            minnow::Conv2D(32, 3), minnow::BatchNormalization(), minnow::Activation("relu"), minnow::MaxPooling2D(2),
            minnow::Flatten(), minnow::Dense(10, "softmax"),
        });
        model.compile(minnow::Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
        model.fit(mnist.train, {.epochs = std::atoi(argv[2]), .batch_size = 32, .validation_data = mnist.test,
                                .seed = 2, .verbose = 2});
        const minnow::Logs test = model.evaluate(*mnist.test, 256);
        std::printf("test accuracy %.4f, loss %.4f\n", test.at("accuracy"), test.at("loss"));
        model.save(argv[3]);
        std::printf("saved %s\n", argv[3]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
