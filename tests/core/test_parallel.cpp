#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "minnow/minnow.hpp"

using namespace minnow;

namespace {
// Restores the thread count a test changed.
struct ThreadCount {
    int saved = num_threads();
    ~ThreadCount() { set_num_threads(saved); }
};
}  // namespace

TEST_CASE("parallel_for covers every index exactly once, in ordered ranges", "[core][parallel]") {
    ThreadCount restore;
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        for (int64_t n : {0, 1, 5, 1000, 100001}) {
            std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
            parallel_for(n, 7, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
            });
            for (auto& h : hits) REQUIRE(h.load() == 1);
            std::vector<int64_t> starts(static_cast<size_t>(parallel_ranges(n, 7)), -1);
            parallel_for_ranges(n, 7, [&](int64_t r, int64_t b, int64_t) { starts[static_cast<size_t>(r)] = b; });
            for (size_t r = 1; r < starts.size(); ++r) CHECK(starts[r] > starts[r - 1]);
        }
    }
}

namespace {

// max |a - b| against the tensors' scale: rounding differences pass, a lost or doubled range does not.
bool close_to_scale(const Tensor& a, const Tensor& b, float tolerance) {
    float scale = 0.0f, diff = 0.0f;
    for (int64_t k = 0; k < a.numel(); ++k) {
        scale = std::max(scale, std::fabs(a.flat(k)));
        diff = std::max(diff, std::fabs(a.flat(k) - b.flat(k)));
    }
    INFO("max difference " << diff << " at scale " << scale);
    return diff <= tolerance * scale + 1e-7f;
}

// Two SGD steps of a model large enough for every threaded path (both convolution kernels); returns
// the weights.
std::vector<Tensor> train_two_steps(int threads, bool batch_norm) {
    set_num_threads(threads);
    set_random_seed(5);
    Sequential model({Input({28, 28, 1}), Conv2D(32, 3)});
    if (batch_norm) model.add(BatchNormalization());
    model.add(Activation("relu"));
    model.add(MaxPooling2D());
    model.add(Conv2D(16, 3));  // the implicit-GEMM kernels
    model.add(Flatten());
    model.add(Dense(10, "softmax"));
    Rng rng(3);
    const Tensor x = Tensor::uniform({64, 28, 28, 1}, 0, 1, rng);
    Tensor y({64});
    for (int64_t i = 0; i < 64; ++i) y.flat(i) = float(i % 10);
    model.compile(SGD(0.1), "sparse_categorical_crossentropy");
    model.train_on_batch(x, y);
    model.train_on_batch(x, y);
    return model.get_weights();
}

}  // namespace

TEST_CASE("threaded kernels: the same bits every run at a given thread count", "[core][parallel]") {
    ThreadCount restore;
    const auto a = train_two_steps(2, true), b = train_two_steps(2, true);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].to_vector() == b[i].to_vector());
}

TEST_CASE("threaded kernels: one and two threads agree up to rounding", "[core][parallel]") {
    ThreadCount restore;
    // Convolution, pooling, activations and fills, trained (no BatchNormalization: its zero-mean
    // gradients make conv1's dW a sum that nearly cancels, which amplifies any reordering).
    const auto one = train_two_steps(1, false), two = train_two_steps(2, false);
    for (size_t i = 0; i < one.size(); ++i) CHECK(close_to_scale(one[i], two[i], 1e-4f));

    // BatchNormalization's threaded statistics and backward, directly.
    auto bn_pass = [](int threads) {
        set_num_threads(threads);
        BatchNormalization bn;
        Rng rng(4);
        Variable x(Tensor::normal({64, 26, 26, 32}, 1.0f, 2.0f, rng), true);
        Variable y = bn(x, Mode::Train);
        y.backward(Tensor::uniform(y.shape(), -1, 1, rng));
        return std::vector<Tensor>{y.value(), x.grad(), bn.get_weights()[2], bn.get_weights()[3]};
    };
    const auto b1 = bn_pass(1), b2 = bn_pass(2);
    for (size_t i = 0; i < b1.size(); ++i) CHECK(close_to_scale(b1[i], b2[i], 1e-5f));
}
