// Predicts with a saved model: loads a model file (no code of its architecture needed) and prints
// the predicted class of the first test images of an IDX folder, with its probability.
//
//     build/bin/example_predict_saved model.safetensors data/mnist 10
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <minnow/minnow.hpp>
#include <numeric>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s MODEL.safetensors MNIST_FOLDER COUNT\n", argv[0]);
        return 2;
    }
    try {
        minnow::Sequential model = minnow::load_model(argv[1]);
        // A model for flat inputs (784,) or images (28, 28, 1): load the images to match.
        const bool flat = model.input_shape().rank() == 2;
        const minnow::data::ImageFolder data = minnow::data::load_image_folder(argv[2], flat);
        const int64_t count = std::min<int64_t>(std::atoll(argv[3]), data.test->size());
        std::vector<int64_t> rows(static_cast<size_t>(count));
        std::iota(rows.begin(), rows.end(), 0);
        const minnow::Tensor probabilities = model.predict_on_batch(data.test->gather_x(rows));
        const minnow::Tensor labels = data.test->gather_y(rows);
        int64_t right = 0;
        for (int64_t i = 0; i < count; ++i) {
            int64_t best = 0;
            for (int64_t c = 1; c < probabilities.dim(1); ++c)
                if (probabilities.at({i, c}) > probabilities.at({i, best})) best = c;
            right += best == static_cast<int64_t>(labels.flat(i)) ? 1 : 0;
            std::printf("image %lld: predicted %lld (p = %.3f), label %d\n", static_cast<long long>(i),
                        static_cast<long long>(best), probabilities.at({i, best}), static_cast<int>(labels.flat(i)));
        }
        std::printf("%lld of %lld right\n", static_cast<long long>(right), static_cast<long long>(count));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
