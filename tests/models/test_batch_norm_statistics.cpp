#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "minnow/minnow.hpp"

using namespace minnow;

namespace {

// Two classes whose features sit far from zero (around 10): BatchNormalization's moving mean, which
// starts at 0 and moves 1% a step, is still far from the batches' after a few dozen steps.
struct Blobs {
    Tensor x, y;
};
Blobs offset_blobs(int64_t n, uint64_t seed) {
    Rng rng(seed);
    Blobs b{Tensor({n, 4}), Tensor({n})};
    for (int64_t i = 0; i < n; ++i) {
        const int c = static_cast<int>(i % 2);
        for (int64_t f = 0; f < 4; ++f) b.x.at({i, f}) = 10.0f + (c == 0 ? -1.0f : 1.0f) + rng.normal(0.0f, 0.4f);
        b.y.flat(i) = float(c);
    }
    return b;
}

// Per-feature mean and biased variance of the rows of h (batch, C), in double.
std::pair<std::vector<double>, std::vector<double>> moments(const std::vector<std::vector<double>>& h) {
    const size_t C = h[0].size();
    std::vector<double> mean(C, 0.0), var(C, 0.0);
    for (const auto& row : h)
        for (size_t c = 0; c < C; ++c) mean[c] += row[c] / double(h.size());
    for (const auto& row : h)
        for (size_t c = 0; c < C; ++c) var[c] += (row[c] - mean[c]) * (row[c] - mean[c]) / double(h.size());
    return {mean, var};
}

std::vector<std::vector<double>> dense(const std::vector<std::vector<double>>& h, const Tensor& W, const Tensor& b) {
    std::vector<std::vector<double>> out;
    for (const auto& row : h) {
        std::vector<double> o(static_cast<size_t>(W.dim(1)), 0.0);
        for (int64_t j = 0; j < W.dim(1); ++j) {
            o[static_cast<size_t>(j)] = b.flat(j);
            for (int64_t i = 0; i < W.dim(0); ++i) o[static_cast<size_t>(j)] += row[static_cast<size_t>(i)] * W.at({i, j});
        }
        out.push_back(o);
    }
    return out;
}

}  // namespace

TEST_CASE("recalibrate_batch_norm: each moving statistic is the plain average of per-batch statistics",
          "[models][bn][recalibrate]") {
    set_random_seed(4);
    Sequential model({Input({3}), Dense(5), BatchNormalization(), Activation("relu"), Dense(4), BatchNormalization()});
    Rng rng(9);
    const Tensor x = Tensor::uniform({50, 3}, -2, 3, rng);
    // gamma and beta away from 1 and 0, so the second layer's input depends on them.
    for (size_t l : {2u, 5u}) {
        std::vector<Tensor> w = model.layers()[l]->get_weights();
        w[0] = Tensor::uniform(w[0].shape(), 0.5f, 2.0f, rng);
        w[1] = Tensor::uniform(w[1].shape(), -1.0f, 1.0f, rng);
        model.layers()[l]->set_weights(w);
    }
    const RecalibrateResult r =
        recalibrate_batch_norm(model, *TensorDataset::view(x, Tensor()), {.batches = 4, .batch_size = 8, .seed = 3});
    CHECK(r.layers == 2);
    CHECK(r.batches == 4);
    CHECK(r.samples == 32);

    // By hand, in double: the same batches (fit's shuffle with seed 3), each normalized with its
    // own statistics on the way through.
    std::vector<int64_t> order(50);
    std::iota(order.begin(), order.end(), 0);
    Rng shuffler(3);
    shuffle(order, shuffler);
    const auto& bn1 = static_cast<const BatchNormalization&>(*model.layers()[2]);
    const auto& bn2 = static_cast<const BatchNormalization&>(*model.layers()[5]);
    std::vector<double> mean1(5, 0), var1(5, 0), mean2(4, 0), var2(4, 0);
    for (int b = 0; b < 4; ++b) {
        std::vector<std::vector<double>> h;
        for (int i = 0; i < 8; ++i) {
            const int64_t row = order[static_cast<size_t>(b * 8 + i)];
            h.push_back({x.at({row, 0}), x.at({row, 1}), x.at({row, 2})});
        }
        h = dense(h, model.layers()[1]->get_weights()[0], model.layers()[1]->get_weights()[1]);
        auto [m1, v1] = moments(h);
        for (auto& row : h)
            for (size_t c = 0; c < 5; ++c) {
                const double g = bn1.gamma().value().flat(int64_t(c)), be = bn1.beta().value().flat(int64_t(c));
                row[c] = std::max(0.0, g * (row[c] - m1[c]) / std::sqrt(v1[c] + 1e-3) + be);
            }
        h = dense(h, model.layers()[4]->get_weights()[0], model.layers()[4]->get_weights()[1]);
        auto [m2, v2] = moments(h);
        for (size_t c = 0; c < 5; ++c) mean1[c] += m1[c] / 4, var1[c] += v1[c] / 4;
        for (size_t c = 0; c < 4; ++c) mean2[c] += m2[c] / 4, var2[c] += v2[c] / 4;
    }
    for (size_t c = 0; c < 5; ++c) {
        CHECK(bn1.moving_mean().value().flat(int64_t(c)) == Approx(mean1[c]).epsilon(1e-4).margin(1e-5));
        CHECK(bn1.moving_variance().value().flat(int64_t(c)) == Approx(var1[c]).epsilon(1e-4).margin(1e-5));
    }
    for (size_t c = 0; c < 4; ++c) {
        CHECK(bn2.moving_mean().value().flat(int64_t(c)) == Approx(mean2[c]).epsilon(1e-4).margin(1e-5));
        CHECK(bn2.moving_variance().value().flat(int64_t(c)) == Approx(var2[c]).epsilon(1e-4).margin(1e-5));
    }
}

TEST_CASE("recalibrate_batch_norm leaves frozen layers, other weights and the default batch count as documented",
          "[models][bn][recalibrate]") {
    set_random_seed(5);
    Sequential model({Input({3}), Dense(4), BatchNormalization(), Dense(2), BatchNormalization()});
    model.layers()[4]->set_trainable(false);
    const std::vector<Tensor> before = model.get_weights();
    Rng rng(2);
    const Tensor x = Tensor::uniform({100, 3}, 1, 4, rng);
    const RecalibrateResult r = recalibrate_batch_norm(model, *TensorDataset::view(x, Tensor()), {.batch_size = 16});
    CHECK(r.layers == 1);
    CHECK(r.batches == 6);  // 10,000 samples' worth would be 625 batches; 100 samples hold 6 whole ones
    const std::vector<Tensor> after = model.get_weights();
    // Kernels, biases, gamma and beta are untouched; the frozen layer's statistics too.
    for (size_t i : {0u, 1u, 2u, 3u, 6u, 7u, 8u, 9u, 10u, 11u}) {
        INFO("weight " << i << " " << model.weight_names()[i]);
        CHECK(after[i].to_vector() == before[i].to_vector());
    }
    CHECK(after[4].to_vector() != before[4].to_vector());  // the first layer's moving mean moved
    CHECK_THROWS_AS(recalibrate_batch_norm(model, *TensorDataset::view(x, Tensor()), {.batch_size = 1}), ValueError);
}

TEST_CASE("the moving-statistics trap: inference looks broken after few steps; recalibration brings it back",
          "[models][bn][recalibrate]") {
    const Blobs train = offset_blobs(512, 1), test = offset_blobs(256, 2);
    set_random_seed(7);
    Sequential model({Input({4}), Dense(8), BatchNormalization(), Activation("relu"), Dense(2, "softmax")});
    model.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    // 32 steps: the moving mean has covered 1 - 0.99^32 = 28% of its way from 0 to about 10.
    model.fit(train.x, train.y, {.epochs = 2, .batch_size = 32, .seed = 1, .verbose = 0});
    const auto test_set = TensorDataset::view(test.x, test.y);
    const double moving = model.evaluate(test.x, test.y).at("accuracy");
    const double batch = batch_statistics_accuracy(model, *test_set, 32, 0);
    INFO("moving-statistics accuracy " << moving << ", batch-statistics accuracy " << batch);
    CHECK(batch > 0.95);
    CHECK(moving < 0.75);

    recalibrate_batch_norm(model, *TensorDataset::view(train.x, train.y), {.batch_size = 32, .seed = 5});
    const double recalibrated = model.evaluate(test.x, test.y).at("accuracy");
    INFO("recalibrated accuracy " << recalibrated);
    CHECK(std::fabs(recalibrated - batch) < 0.02);
}
