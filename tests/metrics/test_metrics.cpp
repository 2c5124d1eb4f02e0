#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/metrics/confusion_matrix.hpp"
#include "minnow/metrics/metrics.hpp"

using namespace minnow;
using namespace minnow::metrics;

namespace {
Tensor t(Shape shape, std::vector<float> values) { return Tensor::from_data(std::move(shape), values); }
}  // namespace

TEST_CASE("sparse categorical accuracy: argmax against integer labels, first maximum on ties", "[metrics]") {
    SparseCategoricalAccuracy m("accuracy");
    // Rows' argmax: 1, 0 (tie between 0 and 2: the first), 2.
    m.update(t({3, 3}, {0.1f, 0.7f, 0.2f, 0.4f, 0.2f, 0.4f, 0.0f, 0.1f, 0.9f}), t({3}, {1, 2, 2}));
    CHECK(m.result() == Approx(2.0 / 3.0));
    // A second batch weighs by its size: 1 of 1 right makes 3 of 4.
    m.update(t({1, 3}, {0, 0, 1}), t({1}, {2}));
    CHECK(m.result() == Approx(0.75));
    CHECK(m.name() == "accuracy");
    m.reset();
    CHECK(m.result() == 0.0);
    CHECK_THROWS_AS(m.update(t({2, 3}, {0, 0, 1, 0, 1, 0}), t({3}, {0, 1, 2})), ShapeError);
}

TEST_CASE("categorical, binary accuracy and mean absolute error on known values", "[metrics]") {
    CategoricalAccuracy cat;
    cat.update(t({2, 2}, {0.2f, 0.8f, 0.6f, 0.4f}), t({2, 2}, {0, 1, 0, 1}));
    CHECK(cat.result() == Approx(0.5));

    // Keras: mean over each sample's elements, then over samples. Row 1: 2 of 2; row 2: 1 of 2.
    BinaryAccuracy bin;
    bin.update(t({2, 2}, {0.9f, 0.1f, 0.7f, 0.2f}), t({2, 2}, {1, 0, 0, 0}));
    CHECK(bin.result() == Approx(0.75));
    BinaryAccuracy strict("binary_accuracy", 0.8f);
    strict.update(t({2, 1}, {0.79f, 0.81f}), t({2, 1}, {1, 1}));
    CHECK(strict.result() == Approx(0.5));

    MeanAbsoluteError mae;
    mae.update(t({2, 2}, {1, 2, 3, 4}), t({2, 2}, {1.5f, 2, 1, 4}));
    CHECK(mae.result() == Approx((0.5 + 0 + 2 + 0) / 4.0));
}

TEST_CASE("make_metric picks Keras' accuracy variant from the loss or the shapes", "[metrics]") {
    CHECK(dynamic_cast<SparseCategoricalAccuracy*>(
              make_metric("accuracy", "sparse_categorical_crossentropy", Shape{10}, Shape{}).get()) != nullptr);
    CHECK(dynamic_cast<CategoricalAccuracy*>(make_metric("acc", "categorical_crossentropy", Shape{10}, Shape{10}).get()) !=
          nullptr);
    CHECK(dynamic_cast<BinaryAccuracy*>(make_metric("accuracy", "mse", Shape{1}, Shape{1}).get()) != nullptr);
    CHECK(dynamic_cast<SparseCategoricalAccuracy*>(make_metric("accuracy", "mse", Shape{4}, Shape{}).get()) != nullptr);
    CHECK(make_metric("mae", "mse", Shape{1}, Shape{1})->name() == "mae");
    CHECK_THROWS_WITH(make_metric("auc", "mse", Shape{1}, Shape{1}), Catch::Contains("unknown metric 'auc'"));
}

TEST_CASE("confusion matrix: counts by true and predicted class", "[metrics]") {
    // Predictions 0, 1, 1, 2, 0 (argmax); labels 0, 1, 2, 2, 1.
    const Tensor scores = t({5, 3}, {0.9f, 0.1f, 0, 0.2f, 0.7f, 0.1f, 0.3f, 0.6f, 0.1f, 0, 0, 1, 0.5f, 0.4f, 0.1f});
    const ConfusionMatrix m(scores, t({5}, {0, 1, 2, 2, 1}));
    CHECK(m.classes() == 3);
    CHECK(m.count(0, 0) == 1);
    CHECK(m.count(1, 1) == 1);
    CHECK(m.count(1, 0) == 1);
    CHECK(m.count(2, 1) == 1);
    CHECK(m.count(2, 2) == 1);
    CHECK(m.count(0, 1) == 0);
    CHECK(m.accuracy() == Approx(0.6));
    CHECK(m.str() == "          0     1     2\n    0     1     0     0\n    1     1     1     0\n    2     0     1     1\n");
    CHECK_THROWS_WITH(ConfusionMatrix(scores, t({5}, {0, 1, 3, 2, 1})), Catch::Contains("label 3 (sample 2)"));
    CHECK_THROWS_AS(ConfusionMatrix(scores, t({4}, {0, 1, 2, 2})), ShapeError);
}

// Keras' documented examples (keras.metrics.*); note Keras writes update_state(y_true, y_pred).
TEST_CASE("metrics added for the first hour: Keras' documented values, weights included", "[metrics]") {
    TopKCategoricalAccuracy top1(1);
    const Tensor scores = t({2, 3}, {0.1f, 0.9f, 0.8f, 0.05f, 0.95f, 0});
    top1.update(scores, t({2, 3}, {0, 0, 1, 0, 1, 0}));
    CHECK(top1.result() == Approx(0.5));
    top1.reset();
    top1.update(scores, t({2, 3}, {0, 0, 1, 0, 1, 0}), t({2}, {0.7f, 0.3f}));
    CHECK(top1.result() == Approx(0.3));

    SparseTopKCategoricalAccuracy sparse1(1);
    sparse1.update(scores, t({2}, {2, 1}));
    CHECK(sparse1.result() == Approx(0.5));
    sparse1.reset();
    sparse1.update(scores, t({2}, {2, 1}), t({2}, {0.7f, 0.3f}));
    CHECK(sparse1.result() == Approx(0.3));
    SparseTopKCategoricalAccuracy top2(2);  // class 2 (0.8) is the second highest of row 0
    top2.update(scores, t({2}, {2, 1}));
    CHECK(top2.result() == Approx(1.0));

    auto precision = Precision();
    precision.update(t({4}, {1, 0, 1, 1}), t({4}, {0, 1, 1, 1}));
    CHECK(precision.result() == Approx(2.0 / 3.0));
    precision.reset();
    precision.update(t({4}, {1, 0, 1, 1}), t({4}, {0, 1, 1, 1}), t({4}, {0, 0, 1, 0}));
    CHECK(precision.result() == Approx(1.0));
    auto recall = Recall();
    recall.update(t({4}, {1, 0, 1, 1}), t({4}, {0, 1, 1, 1}));
    CHECK(recall.result() == Approx(2.0 / 3.0));
    recall.reset();
    recall.update(t({4}, {1, 0, 1, 1}), t({4}, {0, 1, 1, 1}), t({4}, {0, 0, 1, 0}));
    CHECK(recall.result() == Approx(1.0));
    CHECK(Recall().result() == 0.0);  // nothing seen: 0, not NaN

    MeanSquaredError mse;
    mse.update(t({2, 2}, {1, 1, 0, 0}), t({2, 2}, {0, 1, 0, 0}));
    CHECK(mse.result() == Approx(0.25));
    mse.reset();
    mse.update(t({2, 2}, {1, 1, 0, 0}), t({2, 2}, {0, 1, 0, 0}), t({2}, {1, 0}));
    CHECK(mse.result() == Approx(0.5));

    // Weighted accuracy is sum(w * correct) / sum(w).
    SparseCategoricalAccuracy acc;
    acc.update(t({2, 2}, {0.9f, 0.1f, 0.8f, 0.2f}), t({2}, {0, 1}), t({2}, {3, 1}));
    CHECK(acc.result() == Approx(0.75));
    CHECK_THROWS_WITH(acc.update(t({2, 2}, {1, 0, 1, 0}), t({2}, {0, 1}), t({3}, {1, 1, 1})),
                      Catch::Contains("expected sample_weight of shape (2,) or (2, 1)"));
}

TEST_CASE("make_metric: the new metrics by Keras name, named as asked", "[metrics]") {
    CHECK(make_metric("mse", "mse", Shape{1}, Shape{1})->name() == "mse");
    CHECK(make_metric("top_k_categorical_accuracy", "categorical_crossentropy", Shape{10}, Shape{10})->name() ==
          "top_k_categorical_accuracy");
    CHECK(make_metric("sparse_top_k_categorical_accuracy", "", Shape{10}, Shape{})->name() ==
          "sparse_top_k_categorical_accuracy");
    CHECK(make_metric("precision", "binary_crossentropy", Shape{1}, Shape{1})->name() == "precision");
    CHECK(make_metric("recall", "binary_crossentropy", Shape{1}, Shape{1})->name() == "recall");
}
