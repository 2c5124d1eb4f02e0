#include <catch2/catch.hpp>

#include <cmath>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/ops/activations.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using minnow::test::random_leaf;
using minnow::test::random_leaf_away_from_zero;

TEST_CASE("gradcheck: every activation", "[ops][activations]") {
    Variable x = random_leaf_away_from_zero({4, 5}, 1);
    Variable wide = random_leaf({3, 4}, 2, -3.0f, 3.0f);
    REQUIRE_GRADCHECK([&] { return relu(x); }, {x});
    REQUIRE_GRADCHECK([&] { return leaky_relu(x); }, {x});
    REQUIRE_GRADCHECK([&] { return elu(x, 0.7f); }, {x});
    REQUIRE_GRADCHECK([&] { return sigmoid(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return tanh(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return gelu(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return swish(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return softmax(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return softmax(wide, 0); }, {wide});
    REQUIRE_GRADCHECK([&] { return log_softmax(wide); }, {wide});
    REQUIRE_GRADCHECK([&] { return log_softmax(wide, 0); }, {wide});
}

TEST_CASE("activations: known values", "[ops][activations]") {
    Variable x(Tensor::from_data({4}, {-2.0f, -0.5f, 0.0f, 1.5f}));
    CHECK(relu(x).value().to_vector() == std::vector<float>{0, 0, 0, 1.5f});
    CHECK(leaky_relu(x).value().to_vector() == std::vector<float>{-0.4f, -0.1f, 0, 1.5f});
    const auto s = sigmoid(x).value();
    CHECK(s.flat(0) == Approx(0.11920292));
    CHECK(s.flat(2) == 0.5f);
    const auto e = elu(x).value();
    CHECK(e.flat(0) == Approx(std::expm1(-2.0)));
    const auto g = gelu(x).value();
    CHECK(g.flat(3) == Approx(1.5 * 0.5 * (1 + std::erf(1.5 / std::sqrt(2.0)))));
    CHECK(g.flat(0) == Approx(-0.04550026));
    const auto w = swish(x).value();
    CHECK(w.flat(3) == Approx(1.5 / (1 + std::exp(-1.5))));
    const auto sm = softmax(Variable(Tensor::from_data({1, 3}, {1, 2, 3}))).value();
    CHECK(sm.flat(0) == Approx(0.09003057));
    CHECK(sm.flat(1) == Approx(0.24472847));
    CHECK(sm.flat(2) == Approx(0.66524096));
    // Large logits stay finite.
    const auto big = softmax(Variable(Tensor::from_data({1, 2}, {1000, 1000}))).value();
    CHECK(big.flat(0) == 0.5f);
}

TEST_CASE("softmax: rows split across threads each sum to one, as on one thread", "[ops][activations]") {
    // 2000 rows of 10 is enough for two threads; each row is computed whole by one of them.
    Rng rng(3);
    const Variable x(Tensor::uniform({2000, 10}, -5, 5, rng));
    const int threads = num_threads();
    set_num_threads(1);
    const Tensor one = softmax(x).value();
    set_num_threads(2);
    const Tensor two = softmax(x).value();
    set_num_threads(threads);
    CHECK(one.to_vector() == two.to_vector());
    int64_t off = 0;
    for (int64_t r = 0; r < 2000; ++r) {
        double total = 0;
        for (int64_t k = 0; k < 10; ++k) total += two.at({r, k});
        off += std::abs(total - 1.0) > 1e-5;
    }
    CHECK(off == 0);
}

TEST_CASE("activations by name and enum", "[ops][activations]") {
    CHECK(activation_from_name("relu") == ActivationKind::Relu);
    CHECK(activation_from_name("silu") == ActivationKind::Swish);
    CHECK(activation_from_name("linear") == ActivationKind::Linear);
    CHECK(activation_name(ActivationKind::LeakyRelu) == "leaky_relu");
    try {
        activation_from_name("rleu");
        FAIL("expected ValueError");
    } catch (const ValueError& e) {
        CHECK_THAT(e.what(), Catch::Contains("rleu") && Catch::Contains("relu") && Catch::Contains("softmax"));
    }
}
