// fit() tells the dataset which rows the next step will gather, so it can bring them into the
// cache while the current step runs (Dataset::prefetch).
#include <catch2/catch.hpp>

#include "minnow/minnow.hpp"
#include "support/recording_dataset.hpp"

using namespace minnow;
using minnow::test::RecordingDataset;

TEST_CASE("fit: before each step but an epoch's last, the dataset is told the next batch's rows", "[models]") {
    Rng rng(3);
    Tensor x = Tensor::uniform({10, 4}, -1, 1, rng), y({10});
    for (int64_t i = 0; i < 10; ++i) y.data()[i] = float(i % 2);
    auto data = std::make_shared<RecordingDataset>(x, y);
    Sequential model({Input({4}), Dense(2, "softmax")});
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy");
    (void)model.fit(data, {.epochs = 2, .batch_size = 4, .seed = 5, .verbose = 0});
    // 3 steps an epoch (4 + 4 + 2), shuffled each epoch; gathers come from training only here.
    REQUIRE(data->batches.size() == 6);
    REQUIRE(data->prefetched.size() == 4);
    for (size_t epoch = 0; epoch < 2; ++epoch)
        for (size_t step = 0; step + 1 < 3; ++step)
            CHECK(data->prefetched[epoch * 2 + step] == data->batches[epoch * 3 + step + 1]);
}

TEST_CASE("datasets: prefetch leaves the values alone and ignores rows out of range", "[data]") {
    Rng rng(4);
    const Tensor x = Tensor::uniform({5, 3}, -1, 1, rng), y = Tensor::zeros({5});
    auto base = std::make_shared<TensorDataset>(x, y);
    const SubsetDataset subset(base, 1, 4);
    const std::vector<int64_t> rows{0, 4, -1, 99};
    base->prefetch(rows);
    subset.prefetch(std::vector<int64_t>{0, 2, 7});
    const std::vector<int64_t> all{0, 1, 2, 3, 4};
    CHECK(allclose(base->gather_x(all), x, 0.0f, 0.0f));
}
