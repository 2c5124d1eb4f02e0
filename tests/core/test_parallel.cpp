#include <catch2/catch.hpp>

#include <atomic>
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

TEST_CASE("threaded kernels: repeatable at a thread count, and equal to one thread up to rounding", "[core][parallel]") {
    ThreadCount restore;
    // Large enough for every threaded path: BatchNormalization rows, pooling, direct convolution.
    auto run = [](int threads) {
        set_num_threads(threads);
        set_random_seed(5);
        Sequential model({Input({28, 28, 1}), Conv2D(32, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                          Flatten(), Dense(10, "softmax")});
        Rng rng(3);
        const Tensor x = Tensor::uniform({64, 28, 28, 1}, 0, 1, rng);
        Tensor y({64});
        for (int64_t i = 0; i < 64; ++i) y.flat(i) = float(i % 10);
        model.compile(SGD(0.1), "sparse_categorical_crossentropy");
        model.train_on_batch(x, y);
        model.train_on_batch(x, y);
        return model.get_weights();
    };
    const auto one = run(1), two = run(2), two_again = run(2);
    REQUIRE(one.size() == two.size());
    for (size_t i = 0; i < one.size(); ++i) {
        CHECK(two[i].to_vector() == two_again[i].to_vector());
        CHECK(allclose(two[i], one[i], 1e-4f, 1e-5f));
    }
}
