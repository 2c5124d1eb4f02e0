// A dataset of your own: subclass minnow::Dataset to hand fit() batches from anywhere (here,
// points on two interleaved spirals, computed when a batch asks for them, never stored).
//
//     build/bin/example_custom_dataset
#include <cmath>
#include <cstdio>
#include <minnow/minnow.hpp>

class Spirals : public minnow::Dataset {
public:
    explicit Spirals(int64_t n) : n_(n) {}
    int64_t size() const override { return n_; }
    minnow::Shape sample_shape() const override { return minnow::Shape{2}; }
    minnow::Shape target_shape() const override { return minnow::Shape{}; }  // integer labels

    minnow::Tensor gather_x(std::span<const int64_t> rows) const override {
        minnow::Tensor x({static_cast<int64_t>(rows.size()), 2});
        for (size_t i = 0; i < rows.size(); ++i) {
            const double t = 0.5 + 3.0 * double(rows[i] / 2) / double(n_ / 2);  // along the spiral
            const double turn = rows[i] % 2 == 0 ? 0.0 : M_PI;                   // which spiral
            x.at({static_cast<int64_t>(i), 0}) = static_cast<float>(t * std::cos(2.0 * t + turn) / 3.5);
            x.at({static_cast<int64_t>(i), 1}) = static_cast<float>(t * std::sin(2.0 * t + turn) / 3.5);
        }
        return x;
    }
    minnow::Tensor gather_y(std::span<const int64_t> rows) const override {
        minnow::Tensor y({static_cast<int64_t>(rows.size())});
        for (size_t i = 0; i < rows.size(); ++i) y.flat(static_cast<int64_t>(i)) = static_cast<float>(rows[i] % 2);
        return y;
    }
    // Each batch is computed from its rows alone: predict() and evaluate() may gather parts of a
    // large chunk on several threads at once.
    bool concurrent_gather() const override { return true; }

private:
    int64_t n_;
};

int main() {
    const auto train = std::make_shared<Spirals>(2000);
    minnow::set_random_seed(3);
    minnow::Sequential model({minnow::Input({2}), minnow::Dense(64), minnow::BatchNormalization(),
                              minnow::Activation("relu"), minnow::Dense(64), minnow::BatchNormalization(),
                              minnow::Activation("relu"), minnow::Dense(2, "softmax")});
    model.compile(minnow::Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    const minnow::History history = model.fit(train, {.epochs = 30, .batch_size = 50, .seed = 4, .verbose = 0});
    const double accuracy = model.evaluate(*train).at("accuracy");
    std::printf("spirals: loss %.4f after 30 epochs, accuracy %.4f\n", history.at("loss").back(), accuracy);
    return accuracy > 0.9 ? 0 : 1;
}
