#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/losses.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using minnow::test::random_leaf;

// Expected values are the examples in Keras' loss documentation (keras.losses.*), which use the
// default reduction (mean over the batch).
TEST_CASE("losses: Keras' documented values", "[ops][losses]") {
    const Tensor probs = Tensor::from_data({2, 3}, {0.05f, 0.95f, 0.0f, 0.1f, 0.8f, 0.1f});
    const Tensor onehot = Tensor::from_data({2, 3}, {0, 1, 0, 0, 0, 1});
    const Tensor labels = Tensor::from_data({2}, {1, 2});
    CHECK(categorical_crossentropy(Variable(probs), onehot).value().item() == Approx(1.1769392));
    CHECK(sparse_categorical_crossentropy(Variable(probs), labels).value().item() == Approx(1.1769392));

    const Tensor y_true = Tensor::from_data({2, 2}, {0, 1, 0, 0});
    const Tensor y_prob = Tensor::from_data({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f});
    CHECK(binary_crossentropy(Variable(y_prob), y_true).value().item() == Approx(0.8149245));
    const Tensor logits = Tensor::from_data({4}, {-18.6f, 0.51f, 2.94f, -12.8f});
    CHECK(binary_crossentropy_from_logits(Variable(logits), Tensor::from_data({4}, {0, 1, 0, 0})).value().item() ==
          Approx(0.865458).epsilon(1e-4));

    const Tensor p = Tensor::from_data({2, 2}, {1, 1, 1, 0});
    CHECK(mean_squared_error(Variable(p), y_true).value().item() == Approx(0.5));
}

TEST_CASE("losses: softmax cross-entropy from logits by hand", "[ops][losses]") {
    const Tensor z = Tensor::from_data({2, 3}, {1, 2, 3, 1, 1, 1});
    // row 0: logsumexp = 3.40760596, minus z[2] = 3 -> 0.40760596; row 1: log 3.
    const float expected = (0.40760596f + 1.09861229f) / 2.0f;
    CHECK(sparse_softmax_cross_entropy(Variable(z), Tensor::from_data({2}, {2, 0})).value().item() ==
          Approx(expected));
    CHECK(softmax_cross_entropy(Variable(z), Tensor::from_data({2, 3}, {0, 0, 1, 1, 0, 0})).value().item() ==
          Approx(expected));
    // Fused from logits equals the composition on probabilities.
    CHECK(sparse_categorical_crossentropy(softmax(Variable(z)), Tensor::from_data({2}, {2, 0})).value().item() ==
          Approx(expected));
}

TEST_CASE("gradcheck: every loss", "[ops][losses]") {
    Variable z = random_leaf({4, 3}, 1, -2.0f, 2.0f);
    const Tensor labels = Tensor::from_data({4}, {0, 2, 1, 2});
    const Tensor targets = Tensor::from_data({4, 3}, {0.2f, 0.3f, 0.5f, 1, 0, 0, 0, 1, 0, 0.1f, 0.1f, 0.8f});
    REQUIRE_GRADCHECK([&] { return sparse_softmax_cross_entropy(z, labels); }, {z});
    REQUIRE_GRADCHECK([&] { return softmax_cross_entropy(z, targets); }, {z});
    Variable p = random_leaf({4, 3}, 2, 0.1f, 0.9f);
    REQUIRE_GRADCHECK([&] { return categorical_crossentropy(p, targets); }, {p});
    REQUIRE_GRADCHECK([&] { return sparse_categorical_crossentropy(p, labels); }, {p});
    const Tensor bin = Tensor::from_data({4, 3}, {0, 1, 1, 0, 0, 1, 1, 1, 0, 0.5f, 0, 1});
    REQUIRE_GRADCHECK([&] { return binary_crossentropy_from_logits(z, bin); }, {z});
    REQUIRE_GRADCHECK([&] { return binary_crossentropy(p, bin); }, {p});
    REQUIRE_GRADCHECK([&] { return mean_squared_error(z, targets); }, {z});
}

TEST_CASE("losses: labels outside [0, classes) are refused", "[ops][losses]") {
    Variable z(Tensor::zeros({3, 10}));
    CHECK_THROWS_WITH(sparse_softmax_cross_entropy(z, Tensor::from_data({3}, {1, 10, 2})),
                      "sparse_categorical_crossentropy: label 10 at index 1 is outside [0, 10) (the output layer has 10 "
                      "classes)");
    CHECK_THROWS_AS(sparse_softmax_cross_entropy(z, Tensor::from_data({3}, {1, -1, 2})), ValueError);
    CHECK_THROWS_AS(sparse_softmax_cross_entropy(z, Tensor::from_data({3}, {1, 0.5f, 2})), ValueError);
    CHECK_THROWS_AS(sparse_softmax_cross_entropy(z, Tensor::from_data({2}, {1, 2})), ShapeError);
    CHECK_THROWS_AS(mean_squared_error(z, Tensor::zeros({3, 9})), ShapeError);
}
