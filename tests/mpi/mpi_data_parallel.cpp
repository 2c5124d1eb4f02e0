// Data-parallel training on 2 ranks against the same training in one process (each rank runs the
// one-process reference itself): SyncBatchNormalization makes them the same computation, to
// rounding; plain BatchNormalization normalizes each shard on its own.
#include <catch2/catch.hpp>

#include <cmath>
#include <fmt/format.h>

#include "minnow/minnow.hpp"
#include "support/class_blobs.hpp"

using namespace minnow;

namespace {

constexpr int64_t kBatch = 32;
constexpr int kSteps = 20;

std::shared_ptr<BatchNormalization> sync_bn() {
    return std::make_shared<BatchNormalization>(BatchNormalizationOptions{.synchronized = true});
}

// No bias before a BatchNormalization (it would be subtracted again): its true gradient is zero,
// and Adam would turn the rounding noise left in its place into steps of the learning rate, which
// no two summation orders share.
Sequential mlp(uint64_t seed) {
    set_random_seed(seed);
    Sequential m({Input({12}), Dense(16, {.use_bias = false}), sync_bn(), Activation("relu"),
                  Dense(8, {.use_bias = false}), sync_bn(), Activation("relu"), Dense(3, "softmax")});
    m.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    return m;
}

Sequential cnn(uint64_t seed) {
    set_random_seed(seed);
    // BN + ReLU + pooling runs as one fused op in training, BN + ReLU as another.
    Sequential m({Input({8, 8, 2}), Conv2D(4, 3, {.padding = "same", .use_bias = false}), sync_bn(), Activation("relu"),
                  MaxPooling2D(2), Conv2D(6, 3, {.use_bias = false}), sync_bn(), Activation("relu"), Flatten(),
                  Dense(3, "softmax")});
    m.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    return m;
}

test::Samples images(int64_t n, uint64_t seed) {
    const test::Samples flat = test::class_blobs(n, 8 * 8 * 2, seed);
    return {flat.x.reshape({n, 8, 8, 2}), flat.y};
}

double relative_difference(const Tensor& a, const Tensor& b) {
    double diff = 0.0, norm = 0.0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        diff += std::pow(double(a.data()[i]) - double(b.data()[i]), 2);
        norm += std::pow(double(b.data()[i]), 2);
    }
    return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-12);
}

// Every weight (trainable, moving statistics) and every epoch loss within `tolerance`, relative.
void require_same_training(Sequential& parallel, const History& hp, Sequential& single, const History& hs,
                           double tolerance = 1e-5) {
    const auto a = parallel.weights(), b = single.weights();
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        INFO("weight " << i << " of shape " << b[i].shape().str() << " on rank " << distributed::rank());
        CHECK(relative_difference(a[i].value(), b[i].value()) <= tolerance);
    }
    for (const std::string key : {"loss", "accuracy"}) {
        const auto& lp = hp.history.at(key);
        const auto& ls = hs.history.at(key);
        REQUIRE(lp.size() == ls.size());
        for (size_t e = 0; e < lp.size(); ++e) CHECK(std::abs(lp[e] - ls[e]) <= tolerance * std::max(1.0, std::abs(ls[e])));
    }
}

// FNV-1a over every weight's bytes.
uint64_t weights_hash(const Sequential& m) {
    uint64_t h = 1469598103934665603ull;
    for (const Variable& w : m.weights()) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(w.value().data());
        for (size_t i = 0; i < size_t(w.value().numel()) * sizeof(float); ++i) h = (h ^ bytes[i]) * 1099511628211ull;
    }
    return h;
}

// The hash on every rank is rank 0's.
void require_identical_on_every_rank(const Sequential& m) {
    std::vector<uint64_t> mine{weights_hash(m)}, root = mine;
    distributed::broadcast(root);
    std::vector<double> differs{mine[0] == root[0] ? 0.0 : 1.0};
    distributed::allreduce_sum(differs);
    CHECK(differs[0] == 0.0);
}

struct Case {
    std::function<Sequential(uint64_t)> build;
    test::Samples data;
    int64_t batch = kBatch;
};

// 20 steps of the global batch of 32: on 2 ranks with `strategy`, and in one process.
void check_equivalence(const Case& c, const DataParallel& strategy) {
    REQUIRE(distributed::size() == 2);
    Sequential single = c.build(1);
    const History hs = single.fit(c.data.x, c.data.y, {.epochs = 2, .batch_size = c.batch, .seed = 5, .verbose = 0});
    // Different initial weights on rank 1: the broadcast from rank 0 must make them the same.
    Sequential parallel = c.build(distributed::rank() == 0 ? 1 : 77);
    FitOptions options{.epochs = 2, .batch_size = c.batch, .seed = 5, .verbose = 0};
    options.distributed = strategy;
    const History hp = parallel.fit(c.data.x, c.data.y, options);
    require_same_training(parallel, hp, single, hs);
    require_identical_on_every_rank(parallel);
}

}  // namespace

TEST_CASE("2 ranks x 16 samples train as 1 process x 32: MLP with SyncBatchNormalization", "[mpi]") {
    check_equivalence({mlp, test::class_blobs(kBatch * kSteps / 2, 12, 3)}, true);
}

TEST_CASE("2 ranks x 16 samples train as 1 process x 32: CNN with SyncBatchNormalization", "[mpi]") {
    check_equivalence({cnn, images(kBatch * kSteps / 2, 4)}, true);
}

TEST_CASE("uneven shards (20 + 12) train as one process", "[mpi]") {
    check_equivalence({mlp, test::class_blobs(kBatch * kSteps / 2, 12, 5)}, DataParallel::with_shares({20, 12}));
    check_equivalence({cnn, images(kBatch * kSteps / 2, 6)}, DataParallel::with_shares({20, 12}));
}

TEST_CASE("an empty shard (32 + 0) trains as one process", "[mpi]") {
    check_equivalence({mlp, test::class_blobs(kBatch * kSteps / 2, 12, 7)}, DataParallel::with_shares({1, 0}));
    check_equivalence({cnn, images(kBatch * kSteps / 2, 8)}, DataParallel::with_shares({1, 0}));
}

TEST_CASE("batches that do not split evenly: 33 = 17 + 16, and a last batch of 4 = 2 + 2", "[mpi]") {
    check_equivalence({mlp, test::class_blobs(70, 12, 9), 33}, true);
    check_equivalence({cnn, images(70, 10), 33}, true);
}

TEST_CASE("validation, evaluate and predict split across ranks give the whole data's numbers", "[mpi]") {
    Sequential single = mlp(1);
    const test::Samples train = test::class_blobs(128, 12, 11), val = test::class_blobs(37, 12, 12);
    const History hs = single.fit(train.x, train.y, {.epochs = 2, .validation_data = {val.x, val.y}, .seed = 3, .verbose = 0});
    Sequential parallel = mlp(1);
    FitOptions options{.epochs = 2, .validation_data = {val.x, val.y}, .seed = 3, .verbose = 0};
    options.distributed = true;
    const History hp = parallel.fit(train.x, train.y, options);
    for (const std::string key : {"val_loss", "val_accuracy"})
        for (size_t e = 0; e < 2; ++e) CHECK(hp.history.at(key)[e] == Approx(hs.history.at(key)[e]).epsilon(1e-5));
    const auto data = TensorDataset::view(val.x, val.y);
    const Logs split = parallel.evaluate(*data, 8, 0, {}, true), whole = parallel.evaluate(*data, 8, 0, {});
    CHECK(split.at("loss") == Approx(whole.at("loss")).epsilon(1e-6));
    CHECK(split.at("accuracy") == whole.at("accuracy"));
    const Tensor p_split = parallel.predict(*data, 8, true), p_whole = parallel.predict(*data, 8);
    REQUIRE(p_split.shape() == p_whole.shape());
    // The same samples in other chunks: the same values to float rounding.
    CHECK(relative_difference(p_split, p_whole) <= 1e-6);
}

TEST_CASE("plain BatchNormalization under 2 ranks normalizes each shard with its own statistics", "[mpi]") {
    // x -> BN (gamma 1, beta 0) -> mean squared error against 0: the loss of a shard is the mean
    // of x_hat^2 over it, which is var / (var + eps) per feature with the shard's own variance.
    REQUIRE(distributed::size() == 2);
    Rng rng(21);
    Tensor x({32, 2}), y = Tensor::zeros({32, 2});
    for (int64_t i = 0; i < 32; ++i)
        for (int64_t j = 0; j < 2; ++j) x.at({i, j}) = rng.normal(i < 16 ? 0.0f : 3.0f, j == 0 ? 1.0f : 2.0f);
    Sequential m({Input({2}), BatchNormalization()});
    m.compile(SGD(0.0), "mse");
    FitOptions options{.epochs = 1, .batch_size = 32, .shuffle = false, .verbose = 0};
    options.distributed = true;
    const History h = m.fit(x, y, options);
    // By hand: each half's biased variance per feature, then the loss and moving variance.
    double expected_loss = 0.0, expected_moving_var[2] = {0.0, 0.0};
    const double eps = 1e-3;
    for (int half = 0; half < 2; ++half)
        for (int64_t j = 0; j < 2; ++j) {
            double mean = 0.0, var = 0.0;
            for (int64_t i = half * 16; i < half * 16 + 16; ++i) mean += x.at({i, j}) / 16.0;
            for (int64_t i = half * 16; i < half * 16 + 16; ++i) var += std::pow(x.at({i, j}) - mean, 2) / 16.0;
            expected_loss += var / (var + eps) / 4.0;  // mean over 2 features, then over 2 equal shards
            expected_moving_var[j] += (0.99 * 1.0 + 0.01 * var) / 2.0;  // the shards' average, as Keras
        }
    CHECK(h.history.at("loss")[0] == Approx(expected_loss).epsilon(1e-5));
    auto& bn = dynamic_cast<BatchNormalization&>(m.get_layer(0));
    for (int64_t j = 0; j < 2; ++j) CHECK(bn.moving_variance().value().data()[j] == Approx(expected_moving_var[j]).epsilon(1e-5));
    // The global batch's variance would be much larger (the halves' means differ by 3).
    require_identical_on_every_rank(m);
}

TEST_CASE("a shard of one sample with per-shard BatchNormalization is refused on every rank", "[mpi]") {
    Sequential m({Input({4}), Dense(4), BatchNormalization(), Dense(3, "softmax")});
    m.compile(Adam(), "sparse_categorical_crossentropy");
    const test::Samples s = test::class_blobs(34, 4, 1);  // a last batch of 2: 1 + 1
    FitOptions options{.epochs = 1, .verbose = 0};
    options.distributed = true;
    CHECK_THROWS_WITH(m.fit(s.x, s.y, options), Catch::Contains("shard of one sample"));
}
