// Sample weights in the losses, and the losses added for Keras' first hour (mae, huber). Expected
// values are the examples in Keras' documentation (keras.losses.*), sample_weight ones included.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/losses/losses.hpp"
#include "minnow/ops/losses.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using minnow::test::random_leaf;

namespace {
Tensor t(Shape shape, std::vector<float> values) { return Tensor::from_data(std::move(shape), values); }
float value(const Variable& v) { return v.value().item(); }
}  // namespace

TEST_CASE("weighted losses: Keras' documented values", "[ops][losses]") {
    const Tensor probs = t({2, 3}, {0.05f, 0.95f, 0.0f, 0.1f, 0.8f, 0.1f});
    const Tensor w = t({2}, {0.3f, 0.7f});
    CHECK(value(categorical_crossentropy(Variable(probs), t({2, 3}, {0, 1, 0, 0, 0, 1}), w)) == Approx(0.8135988));
    CHECK(value(sparse_categorical_crossentropy(Variable(probs), t({2}, {1, 2}), w)) == Approx(0.8135988));

    const Tensor y_true = t({2, 2}, {0, 1, 0, 0});
    const Tensor y_prob = t({2, 2}, {0.6f, 0.4f, 0.4f, 0.6f});
    CHECK(value(binary_crossentropy(Variable(y_prob), y_true, t({2}, {1, 0}))) == Approx(0.4581453));

    const Tensor p = t({2, 2}, {1, 1, 1, 0});
    CHECK(value(mean_squared_error(Variable(p), y_true, t({2}, {0.7f, 0.3f}))) == Approx(0.25));
    CHECK(value(mean_absolute_error(Variable(p), y_true)) == Approx(0.5));
    CHECK(value(mean_absolute_error(Variable(p), y_true, t({2}, {0.7f, 0.3f}))) == Approx(0.25));

    CHECK(value(huber(Variable(y_prob), y_true)) == Approx(0.155));
    CHECK(value(huber(Variable(y_prob), y_true, 1.0f, t({2}, {1, 0}))) == Approx(0.09));
}

TEST_CASE("weighted losses: sum(w * loss) / N, not a weighted mean; (N, 1) weights as (N,)", "[ops][losses]") {
    const Tensor z = t({2, 3}, {1, 2, 3, 1, 1, 1});
    const Tensor labels = t({2}, {2, 0});
    const float row0 = 0.40760596f, row1 = 1.09861229f;  // -log softmax by hand
    CHECK(value(sparse_softmax_cross_entropy(Variable(z), labels, t({2}, {2, 0}))) == Approx(2 * row0 / 2));
    CHECK(value(sparse_softmax_cross_entropy(Variable(z), labels, t({2, 1}, {1, 3}))) == Approx((row0 + 3 * row1) / 2));
    CHECK(value(softmax_cross_entropy(Variable(z), t({2, 3}, {0, 0, 1, 1, 0, 0}), t({2}, {0.5f, 0.5f}))) ==
          Approx((row0 + row1) / 4));
    // Elementwise losses on (N, H, W) outputs: each sample's mean over its elements, weighted.
    const Tensor a = t({2, 2, 2}, {1, 1, 1, 1, 0, 0, 0, 0});
    CHECK(value(mean_squared_error(Variable(a), Tensor::zeros({2, 2, 2}), t({2}, {3, 100}))) == Approx(3.0 / 2));
}

TEST_CASE("weighted losses: gradients match finite differences", "[ops][losses]") {
    Variable z = random_leaf({4, 3}, 11, -2.0f, 2.0f);
    Variable p = random_leaf({4, 3}, 12, 0.1f, 0.9f);
    const Tensor w = t({4}, {0.5f, 2.0f, 0.0f, 1.5f});
    const Tensor labels = t({4}, {0, 2, 1, 2});
    const Tensor targets = t({4, 3}, {0.2f, 0.3f, 0.5f, 1, 0, 0, 0, 1, 0, 0.1f, 0.1f, 0.8f});
    const Tensor bin = t({4, 3}, {0, 1, 1, 0, 0, 1, 1, 1, 0, 0.5f, 0, 1});
    REQUIRE_GRADCHECK([&] { return sparse_softmax_cross_entropy(z, labels, w); }, {z});
    REQUIRE_GRADCHECK([&] { return softmax_cross_entropy(z, targets, w); }, {z});
    REQUIRE_GRADCHECK([&] { return categorical_crossentropy(p, targets, w); }, {p});
    REQUIRE_GRADCHECK([&] { return binary_crossentropy_from_logits(z, bin, w); }, {z});
    REQUIRE_GRADCHECK([&] { return binary_crossentropy(p, bin, w); }, {p});
    REQUIRE_GRADCHECK([&] { return mean_squared_error(z, targets, w); }, {z});
    // Away from the kinks (|d| = 0 for mae, |d| = delta for huber), where the derivative exists.
    const Tensor far = t({4, 3}, {5, -5, 5, -5, 5, -5, 5, -5, 5, -5, 5, -5});
    REQUIRE_GRADCHECK([&] { return mean_absolute_error(z, far, w); }, {z});
    REQUIRE_GRADCHECK([&] { return huber(z, targets, 5.0f, w); }, {z});  // all quadratic
    REQUIRE_GRADCHECK([&] { return huber(z, far, 1.0f, w); }, {z});      // all linear
}

TEST_CASE("weighted losses: bad weights are refused with the expected and actual shape", "[ops][losses]") {
    Variable z(Tensor::zeros({3, 4}));
    const Tensor labels = t({3}, {0, 1, 2});
    CHECK_THROWS_WITH(sparse_softmax_cross_entropy(z, labels, Tensor::ones({2})),
                      Catch::Contains("expected sample_weight of shape (3,) or (3, 1), got (2,)"));
    CHECK_THROWS_WITH(mean_squared_error(z, Tensor::zeros({3, 4}), t({3}, {1, NAN, 1})),
                      Catch::Contains("sample_weight nan at index 1 is not finite"));
    CHECK_THROWS_WITH(huber(z, Tensor::zeros({3, 4}), 0.0f), Catch::Contains("delta must be positive"));
}

TEST_CASE("loss objects: Keras names, configs that rebuild them", "[ops][losses]") {
    CHECK(loss_from_name("mae")->name() == "mean_absolute_error");
    CHECK(loss_from_name("huber")->name() == "huber");
    const auto huber_loss = loss_from_config(loss_config(losses::Huber(2.5f)));
    REQUIRE(dynamic_cast<losses::Huber*>(huber_loss.get()) != nullptr);
    CHECK(dynamic_cast<losses::Huber*>(huber_loss.get())->delta() == 2.5f);
    const auto logits = loss_from_config(loss_config(losses::SparseCategoricalCrossentropy(true)));
    CHECK_FALSE(logits->fuses_with(ActivationKind::Softmax));  // from_logits survived the round trip
    CHECK(loss_from_config(loss_config(losses::SparseCategoricalCrossentropy()))->fuses_with(ActivationKind::Softmax));
    CHECK_THROWS_WITH(loss_from_name("hinge"), Catch::Contains("unknown loss 'hinge'"));
}
