// Checkpoint and resume: train 2 epochs, save the compiled model (weights, optimizer state), load
// it as a later process would and train 2 more; the result is the 4-epoch run's, bit for bit.
// BackupAndRestore does the same automatically after every epoch of a fit that may be killed.
//
//     build/bin/example_checkpoint_resume [FOLDER]
#include <cstdio>
#include <filesystem>
#include <minnow/minnow.hpp>

namespace {
minnow::Sequential make_model() {
    minnow::set_random_seed(5);
    minnow::Sequential model({minnow::Input({8}), minnow::Dense(32), minnow::BatchNormalization(),
                              minnow::Activation("relu"), minnow::Dense(3, "softmax")});
    model.compile(minnow::Adam(minnow::ExponentialDecay(1e-2, 20, 0.9)), "sparse_categorical_crossentropy",
                  {"accuracy"});
    return model;
}
}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path folder = argc > 1 ? argv[1] : std::filesystem::temp_directory_path();
    minnow::Rng rng(6);
    const minnow::Tensor x = minnow::Tensor::uniform({300, 8}, -1, 1, rng);
    minnow::Tensor y({300});
    for (int64_t i = 0; i < 300; ++i) y.flat(i) = x.at({i, 0}) + x.at({i, 1}) > 0.5f ? 2.0f : (x.at({i, 2}) > 0 ? 1.0f : 0.0f);
    const minnow::FitOptions two{.epochs = 2, .seed = 7, .verbose = 0};
    const minnow::FitOptions four{.epochs = 4, .seed = 7, .verbose = 0};

    minnow::Sequential straight = make_model();
    straight.fit(x, y, four);

    minnow::Sequential first = make_model();
    first.fit(x, y, two);
    const std::string path = (folder / "checkpoint.safetensors").string();
    first.save(path);  // compiled: the optimizer's slots and step counter go in the file too

    minnow::Sequential resumed = minnow::load_model(path);  // comes back compiled
    minnow::FitOptions rest = four;
    rest.initial_epoch = 2;  // epochs 2 and 3, with the shuffles the straight run had
    resumed.fit(x, y, rest);

    const auto a = straight.predict(x).to_vector(), b = resumed.predict(x).to_vector();
    std::printf("after 4 epochs: accuracy %.4f; resumed from epoch 2: %.4f; predictions %s\n",
                straight.evaluate(x, y).at("accuracy"), resumed.evaluate(x, y).at("accuracy"),
                a == b ? "identical" : "DIFFERENT");
    return a == b ? 0 : 1;
}
