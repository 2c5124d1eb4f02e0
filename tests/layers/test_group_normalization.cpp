#include <catch2/catch.hpp>

#include <cmath>

#include "minnow/core/error.hpp"
#include "minnow/layers/group_normalization.hpp"
#include "minnow/layers/layers.hpp"
#include "support/gradcheck.hpp"
#include "support/layer_checks.hpp"

using namespace minnow;

TEST_CASE("LayerNormalization: hand-computed rows", "[layers][norm]") {
    LayerNormalization ln;
    // Row (1, 2, 3): mean 2, biased variance 2/3; row (3, 6, 9): mean 6, variance 6.
    const Tensor y = ln(Variable(Tensor::from_data({2, 3}, {1, 2, 3, 3, 6, 9}))).value();
    const double s0 = std::sqrt(2.0 / 3.0 + 1e-3), s1 = std::sqrt(6.0 + 1e-3);
    const std::vector<double> expected{-1 / s0, 0, 1 / s0, -3 / s1, 0, 3 / s1};
    for (size_t i = 0; i < expected.size(); ++i) CHECK(y.flat(int64_t(i)) == Approx(expected[i]).margin(1e-6));
    // Per position on images: each pixel's channels normalized alone.
    LayerNormalization image_ln;
    Rng rng(1);
    const Tensor img = Tensor::normal({2, 3, 3, 4}, 2, 3, rng);
    const Tensor out = image_ln(Variable(img)).value();
    for (int64_t p = 0; p < 18; ++p) {
        double m = 0, v = 0;
        for (int64_t c = 0; c < 4; ++c) m += out.flat(p * 4 + c) / 4.0;
        for (int64_t c = 0; c < 4; ++c) v += (out.flat(p * 4 + c) - m) * (out.flat(p * 4 + c) - m) / 4.0;
        CHECK(m == Approx(0).margin(1e-5));
        CHECK(v == Approx(1).epsilon(0.01));
    }
}

TEST_CASE("GroupNormalization: Keras' formula by hand, groups over channels and space", "[layers][norm]") {
    GroupNormalization gn(2);
    Rng rng(2);
    const Tensor x = Tensor::normal({2, 2, 2, 4}, 1, 2, rng);
    gn.ensure_built(x.shape());
    gn.set_weights({Tensor::from_data({4}, {1, 2, 3, 4}), Tensor::from_data({4}, {0, 1, 0, -1})});
    const Tensor y = gn(Variable(x)).value();
    for (int64_t n = 0; n < 2; ++n)
        for (int64_t g = 0; g < 2; ++g) {
            double m = 0, v = 0;
            for (int64_t s = 0; s < 4; ++s)
                for (int64_t j = 0; j < 2; ++j) m += x.flat((n * 4 + s) * 4 + g * 2 + j) / 8.0;
            for (int64_t s = 0; s < 4; ++s)
                for (int64_t j = 0; j < 2; ++j) {
                    const double d = x.flat((n * 4 + s) * 4 + g * 2 + j) - m;
                    v += d * d / 8.0;
                }
            for (int64_t s = 0; s < 4; ++s)
                for (int64_t j = 0; j < 2; ++j) {
                    const int64_t c = g * 2 + j, i = (n * 4 + s) * 4 + c;
                    const double gamma = double(c + 1), beta = c == 1 ? 1 : (c == 3 ? -1 : 0);
                    CHECK(y.flat(i) == Approx(gamma * (x.flat(i) - m) / std::sqrt(v + 1e-3) + beta).margin(1e-5));
                }
        }
}

TEST_CASE("LayerNormalization and GroupNormalization: layer checks and gradients", "[layers][norm]") {
    LayerNormalization ln;
    test::check_layer(ln, {3, 5}, {.trainable_weights = 2});
    LayerNormalization ln_image;
    test::check_layer(ln_image, {2, 2, 3, 4}, {.trainable_weights = 2});
    GroupNormalization gn(2);
    test::check_layer(gn, {2, 3, 2, 4}, {.trainable_weights = 2});
    GroupNormalization gn_dense(3, -1, 1e-3, false, true);
    test::check_layer(gn_dense, {4, 6}, {.trainable_weights = 1});
    GroupNormalization instance(4, -1, 1e-3, true, false);
    test::check_layer(instance, {2, 3, 3, 4}, {.trainable_weights = 1});
    CHECK(gn.weight_names() == std::vector<std::string>{"gamma", "beta"});
    CHECK(ln.count_params() == 10);
}

TEST_CASE("GroupNormalization: bad configurations are refused with a clear message", "[layers][norm]") {
    GroupNormalization three(3);
    CHECK_THROWS_WITH(three(Variable(Tensor::zeros({2, 10}))),
                      "GroupNormalization 'group_normalization': groups=3 does not divide the 10 channels of input "
                      "(None, 10); choose a divisor of 10");
    GroupNormalization many(32);
    CHECK_THROWS_WITH(many(Variable(Tensor::zeros({2, 8}))), Catch::Contains("groups=32 is more than the 8 channels"));
    CHECK_THROWS_AS(GroupNormalization(0), ValueError);
    LayerNormalization axis0(0);
    CHECK_THROWS_AS(axis0(Variable(Tensor::zeros({2, 3}))), ValueError);
}

TEST_CASE("normalization per sample works with a batch of one", "[layers][norm]") {
    LayerNormalization ln;
    GroupNormalization gn(2);
    const Variable one(Tensor::from_data({1, 4}, {1, 2, 3, 5}));
    CHECK_NOTHROW(ln(one, Mode::Train));
    CHECK_NOTHROW(gn(one, Mode::Train));
}
