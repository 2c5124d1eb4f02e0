#include <catch2/catch.hpp>

#include <cmath>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"
#include "minnow/ops/conv2d.hpp"
#include "minnow/ops/normalization.hpp"
#include "minnow/ops/pooling.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;
using minnow::test::check_layer;
using minnow::test::identical;
using minnow::test::random_leaf;
using minnow::test::values_and_grads;

TEST_CASE("BatchNormalization: a hand-computed batch of two 3-feature vectors", "[layers][bn]") {
    BatchNormalization bn;
    Variable x(Tensor::from_data({2, 3}, {1, 2, 3, 3, 6, 9}));
    const Tensor y = bn(x, Mode::Train).value();
    // mean (2, 4, 6), biased variance (1, 4, 9): y = (x - mean) / sqrt(var + 0.001).
    const std::vector<float> expected{-0.999500375f, -0.999875023f, -0.999944449f,
                                      0.999500375f,  0.999875023f,  0.999944449f};
    for (size_t i = 0; i < expected.size(); ++i) CHECK(y.flat(int64_t(i)) == Approx(expected[i]).epsilon(1e-6));
    // moving = moving * 0.99 + batch * 0.01, from zeros and ones.
    const auto mm = bn.moving_mean().value().to_vector();
    const auto mv = bn.moving_variance().value().to_vector();
    CHECK(mm[0] == Approx(0.02f));
    CHECK(mm[1] == Approx(0.04f));
    CHECK(mm[2] == Approx(0.06f));
    CHECK(mv[0] == Approx(1.0f));
    CHECK(mv[1] == Approx(1.03f));
    CHECK(mv[2] == Approx(1.08f));
}

TEST_CASE("BatchNormalization: Train output has per-feature mean beta and std gamma", "[layers][bn]") {
    BatchNormalization bn;
    Rng rng(3);
    const Tensor x = Tensor::normal({256, 4}, 5.0f, 3.0f, rng);
    bn.ensure_built(x.shape());
    bn.set_weights({Tensor::from_data({4}, {2, 0.5f, 1, 3}), Tensor::from_data({4}, {0.5f, -1, 0, 2}),
                    Tensor::zeros({4}), Tensor::ones({4})});
    const Tensor y = bn(Variable(x), Mode::Train).value();
    const Tensor m = mean(y, 0);
    const Tensor sq = mean(y * y, 0);
    const float gamma[] = {2, 0.5f, 1, 3}, beta[] = {0.5f, -1, 0, 2};
    for (int64_t c = 0; c < 4; ++c) {
        CHECK(m.flat(c) == Approx(beta[c]).margin(1e-4));
        CHECK(std::sqrt(sq.flat(c) - m.flat(c) * m.flat(c)) == Approx(gamma[c]).epsilon(1e-3));
    }
}

TEST_CASE("BatchNormalization: moving statistics after k steps follow the formula", "[layers][bn]") {
    BatchNormalization bn(-1, 0.9f);
    Rng rng(8);
    std::vector<double> mm(3, 0.0), mv(3, 1.0);
    for (int step = 0; step < 5; ++step) {
        const Tensor x = Tensor::normal({16, 3}, float(step), 2.0f, rng);
        bn(Variable(x), Mode::Train);
        for (int64_t c = 0; c < 3; ++c) {
            double mu = 0, var = 0;
            for (int64_t n = 0; n < 16; ++n) mu += x.at({n, c}) / 16.0;
            for (int64_t n = 0; n < 16; ++n) var += (x.at({n, c}) - mu) * (x.at({n, c}) - mu) / 16.0;
            mm[c] = mm[c] * 0.9 + mu * 0.1;
            mv[c] = mv[c] * 0.9 + var * 0.1;
        }
    }
    for (int64_t c = 0; c < 3; ++c) {
        CHECK(bn.moving_mean().value().flat(c) == Approx(mm[c]).epsilon(1e-5));
        CHECK(bn.moving_variance().value().flat(c) == Approx(mv[c]).epsilon(1e-5));
    }
}

TEST_CASE("BatchNormalization: Infer uses the moving statistics; frozen behaves as Infer", "[layers][bn]") {
    BatchNormalization bn;
    const Tensor x = Tensor::from_data({2, 2}, {1, 2, 3, 4});
    bn.ensure_built(x.shape());
    const Tensor gamma = Tensor::from_data({2}, {2, 3}), beta = Tensor::from_data({2}, {1, -1});
    const Tensor mm = Tensor::from_data({2}, {0.5f, 1}), mv = Tensor::from_data({2}, {4, 0.25f});
    bn.set_weights({gamma, beta, mm, mv});
    const Tensor y = bn(Variable(x), Mode::Infer).value();
    for (int64_t n = 0; n < 2; ++n)
        for (int64_t c = 0; c < 2; ++c)
            CHECK(y.at({n, c}) ==
                  Approx(gamma.flat(c) * (x.at({n, c}) - mm.flat(c)) / std::sqrt(mv.flat(c) + 1e-3f) + beta.flat(c)));

    bn.set_trainable(false);
    CHECK(bn.trainable_weights().empty());
    CHECK(bn.non_trainable_weights().size() == 4);
    const Tensor frozen = bn(Variable(x), Mode::Train).value();
    CHECK(frozen.to_vector() == y.to_vector());
    CHECK(bn.moving_mean().value().to_vector() == mm.to_vector());  // not updated
}

TEST_CASE("BatchNormalization: weights, counts and check_layer after Dense and Conv2D", "[layers][bn]") {
    BatchNormalization dense_bn;
    check_layer(dense_bn, {4, 3}, {.trainable_weights = 2, .non_trainable_weights = 2, .train_differs = true});
    CHECK(dense_bn.weight_names() ==
          std::vector<std::string>{"gamma", "beta", "moving_mean", "moving_variance"});
    CHECK(dense_bn.count_params() == 12);
    BatchNormalization conv_bn;
    check_layer(conv_bn, {2, 3, 3, 2}, {.trainable_weights = 2, .non_trainable_weights = 2, .train_differs = true});
    BatchNormalization bare(-1, 0.99f, 1e-3f, false, false);
    check_layer(bare, {5, 3}, {.trainable_weights = 0, .non_trainable_weights = 2, .train_differs = true});
}

TEST_CASE("BatchNormalization: gradients through Dense -> BN and Conv2D -> BN stacks", "[layers][bn]") {
    Dense dense(3);
    BatchNormalization bn1;
    Variable x = random_leaf({5, 4}, 1);
    dense(x);
    bn1(dense(x), Mode::Train);
    REQUIRE_GRADCHECK([&] { return bn1(dense(x, Mode::Train), Mode::Train); },
                      {x, dense.kernel(), dense.bias(), bn1.gamma(), bn1.beta()});

    Conv2D conv(2, 2);
    BatchNormalization bn2;
    Variable img = random_leaf({2, 4, 4, 2}, 2);
    bn2(conv(img), Mode::Train);
    REQUIRE_GRADCHECK([&] { return bn2(conv(img, Mode::Train), Mode::Train); },
                      {img, conv.kernel(), conv.bias(), bn2.gamma(), bn2.beta()});
}

TEST_CASE("BatchNormalization: refuses a training batch of one sample and bad settings", "[layers][bn]") {
    BatchNormalization bn;
    CHECK_THROWS_WITH(bn(Variable(Tensor::zeros({1, 3})), Mode::Train),
                      "BatchNormalization 'batch_normalization': a training batch of one sample has zero variance, "
                      "got input (1, 3); use a batch size of at least 2");
    CHECK_NOTHROW(bn(Variable(Tensor::zeros({1, 3})), Mode::Infer));
    BatchNormalization axis1(1);
    CHECK_THROWS_AS(axis1(Variable(Tensor::zeros({2, 3, 4}))), ValueError);
    CHECK_THROWS_AS(BatchNormalization(-1, 1.5f), ValueError);
}

TEST_CASE("BatchNormalization: batch statistics stay exact for a feature far from zero", "[layers][bn]") {
    // mean 1000, std ~0.01: E[x^2] - E[x]^2 in float would lose every digit of the variance.
    Rng rng(8);
    Tensor x({4096, 2});
    for (int64_t i = 0; i < 4096; ++i) {
        x.at({i, 0}) = 1000.0f + rng.normal(0.0f, 0.01f);
        x.at({i, 1}) = rng.normal(-3.0f, 2.0f);
    }
    double mean[2] = {0, 0}, var[2] = {0, 0};
    for (int64_t i = 0; i < 4096; ++i)
        for (int64_t c = 0; c < 2; ++c) mean[c] += x.at({i, c}) / 4096.0;
    for (int64_t i = 0; i < 4096; ++i)
        for (int64_t c = 0; c < 2; ++c) var[c] += (x.at({i, c}) - mean[c]) * (x.at({i, c}) - mean[c]) / 4096.0;
    BatchStatistics stats;
    (void)batch_norm_train(Variable(x), Variable(), Variable(), 1e-3f, stats);
    for (int64_t c = 0; c < 2; ++c) {
        CHECK(stats.mean.flat(c) == Approx(mean[c]).epsilon(1e-6));
        CHECK(stats.variance.flat(c) == Approx(var[c]).epsilon(1e-3));
    }
}

namespace {

void check_fused_matches_unfused(Variable x, uint64_t seed) {
    const int64_t C = x.shape()[-1];
    Variable gamma = random_leaf({C}, seed + 1, 0.5f, 1.5f);
    Variable beta = random_leaf({C}, seed + 2);
    Rng rng(seed + 3);
    const Tensor dy = Tensor::uniform(x.shape(), -1, 1, rng);
    BatchStatistics fused_stats, stats;
    const auto fused = values_and_grads([&] { return batch_norm_relu_train(x, gamma, beta, 1e-3f, fused_stats); },
                                        {x, gamma, beta}, dy);
    const auto unfused = values_and_grads(
        [&] { return relu(batch_norm_train(x, gamma, beta, 1e-3f, stats)); }, {x, gamma, beta}, dy);
    // The same arithmetic in the same order: equal to the bit, values and all three gradients.
    for (size_t i = 0; i < fused.size(); ++i) {
        INFO("tensor " << i << " (0 = y, then dx, dgamma, dbeta)");
        CHECK(identical(fused[i], unfused[i]));
    }
    CHECK(identical(fused_stats.mean, stats.mean));
    CHECK(identical(fused_stats.variance, stats.variance));
}

}  // namespace

TEST_CASE("batch_norm_relu_train: the fused op is relu(batch_norm_train) to the bit", "[layers][bn]") {
    check_fused_matches_unfused(random_leaf({16, 5}, 21), 30);
    check_fused_matches_unfused(random_leaf({3, 7, 6, 4}, 22), 40);  // per channel over batch and space
    // More rows than one thread's share, so the threaded passes run too.
    check_fused_matches_unfused(random_leaf({8, 30, 30, 8}, 23), 50);
}

TEST_CASE("batch_norm_relu_train: finite differences, away from the ReLU's kink", "[layers][bn]") {
    Variable x = random_leaf({6, 4}, 24);
    Variable gamma = random_leaf({4}, 25, 0.5f, 1.5f);
    Variable beta = random_leaf({4}, 26);
    BatchStatistics stats;
    // The check is only meaningful if no normalized value sits within a finite-difference step of 0.
    const Tensor pre = batch_norm_train(x, gamma, beta, 1e-3f, stats).value();
    float nearest = 1.0f;
    for (float v : pre.span()) nearest = std::min(nearest, std::fabs(v));
    REQUIRE(nearest > 0.02f);
    REQUIRE_GRADCHECK([&] { return batch_norm_relu_train(x, gamma, beta, 1e-3f, stats); }, {x, gamma, beta});
}

TEST_CASE("batch_norm_relu_max_pool_train: max_pool2d(relu(batch_norm_train)) to the bit", "[layers][bn]") {
    const auto check = [](Variable x, uint64_t seed) {
        const int64_t C = x.shape()[-1];
        Variable gamma = random_leaf({C}, seed + 1, 0.5f, 1.5f);
        Variable beta = random_leaf({C}, seed + 2);
        Rng rng(seed + 3);
        const Shape pooled{x.shape()[0], x.shape()[1] / 2, x.shape()[2] / 2, C};
        const Tensor dy = Tensor::uniform(pooled, -1, 1, rng);
        BatchStatistics fused_stats, stats;
        const auto fused = values_and_grads(
            [&] { return batch_norm_relu_max_pool_train(x, gamma, beta, 1e-3f, fused_stats); }, {x, gamma, beta}, dy);
        const auto unfused = values_and_grads(
            [&] { return max_pool2d(relu(batch_norm_train(x, gamma, beta, 1e-3f, stats))); }, {x, gamma, beta}, dy);
        for (size_t i = 0; i < fused.size(); ++i) {
            INFO("shape " << x.shape().str() << ", tensor " << i << " (0 = y, then dx, dgamma, dbeta)");
            CHECK(identical(fused[i], unfused[i]));
        }
        CHECK(identical(fused_stats.mean, stats.mean));
        CHECK(identical(fused_stats.variance, stats.variance));
    };
    check(random_leaf({2, 6, 6, 3}, 31), 60);
    check(random_leaf({3, 7, 5, 4}, 32), 70);  // odd sizes: the last row and column are in no window
    check(random_leaf({8, 30, 30, 8}, 33), 80);  // threaded passes
    // Ties: a channel whose every value is equal normalizes to 0 everywhere; the first of each
    // window takes the maximum (and, the ReLU being flat there, no gradient).
    Rng rng(34);
    Tensor flat = Tensor::uniform({2, 4, 4, 2}, -1, 1, rng);
    for (int64_t i = 0; i < flat.numel(); i += 2) flat.flat(i) = 0.25f;
    check(Variable(flat, true), 90);
    BatchStatistics stats;
    CHECK_THROWS_AS(batch_norm_relu_max_pool_train(random_leaf({2, 1, 4, 3}, 35), Variable(), Variable(), 1e-3f, stats),
                    ShapeError);
}
