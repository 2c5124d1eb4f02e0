#include "minnow/metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/tensor/sample_weight.hpp"

namespace minnow {

namespace {

int64_t row_argmax(const float* row, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (row[i] > row[best]) best = i;
    return best;
}

// Whether class `target` is among the k highest of `row`: fewer than k scores beat it.
bool in_top_k(const float* row, int64_t n, int64_t target, int k) {
    const float score = row[target];
    if (!std::isfinite(score)) return false;
    int64_t higher = 0;
    for (int64_t i = 0; i < n; ++i) higher += row[i] > score ? 1 : 0;
    return higher < k;
}

int64_t rows_of(const Tensor& t) { return t.rank() == 0 ? 1 : t.dim(0); }

void check_same_count(const std::string& who, const Tensor& y_pred, const Tensor& y_true) {
    MINNOW_CHECK(y_pred.numel() == y_true.numel(), ShapeError, "{}: predictions {} and targets {} differ", who,
                 y_pred.shape(), y_true.shape());
}

// The weighted sum over samples of each sample's mean of f(p, t) over its elements, and the sum
// of the weights.
template <class F>
std::pair<double, double> elementwise_mean(const Tensor& y_pred, const Tensor& y_true, const float* w, F f) {
    const int64_t N = rows_of(y_pred), per_sample = y_pred.numel() / std::max<int64_t>(N, 1);
    double total = 0.0, count = 0.0;
    for (int64_t n = 0; n < N; ++n) {
        double row = 0.0;
        for (int64_t i = n * per_sample; i < (n + 1) * per_sample; ++i) row += f(y_pred.data()[i], y_true.data()[i]);
        const double weight = w != nullptr ? double(w[n]) : 1.0;
        total += weight * row / double(per_sample);
        count += weight;
    }
    return {total, count};
}

}  // namespace

void Metric::update(const Tensor& y_pred, const Tensor& y_true, const Tensor& sample_weight) {
    MINNOW_CHECK(y_pred.defined() && y_true.defined(), ValueError, "{}: predictions and targets are needed", name());
    update_state(y_pred, y_true, check_sample_weight(name_.c_str(), sample_weight, rows_of(y_pred)));
}

void metrics::SparseCategoricalAccuracy::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    const int64_t N = rows_of(y_pred), C = y_pred.numel() / std::max<int64_t>(N, 1);
    MINNOW_CHECK(y_true.numel() == N, ShapeError, "{}: {} labels for {} predictions", name(), y_true.numel(), N);
    double correct = 0, count = 0;
    for (int64_t n = 0; n < N; ++n) {
        const bool hit = static_cast<float>(row_argmax(y_pred.data() + n * C, C)) == y_true.data()[n];
        correct += hit ? weight(w, n) : 0.0;
        count += weight(w, n);
    }
    add(correct, count);
}

void metrics::CategoricalAccuracy::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    MINNOW_CHECK(y_pred.shape() == y_true.shape(), ShapeError, "{}: predictions {} and targets {} differ", name(),
                 y_pred.shape(), y_true.shape());
    const int64_t N = rows_of(y_pred), C = y_pred.numel() / std::max<int64_t>(N, 1);
    double correct = 0, count = 0;
    for (int64_t n = 0; n < N; ++n) {
        const bool hit = row_argmax(y_pred.data() + n * C, C) == row_argmax(y_true.data() + n * C, C);
        correct += hit ? weight(w, n) : 0.0;
        count += weight(w, n);
    }
    add(correct, count);
}

void metrics::BinaryAccuracy::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    check_same_count(name(), y_pred, y_true);
    // Keras averages per sample over the last axis, then over samples: with equal-sized rows
    // that is the mean over all elements, counted here per sample so batches weigh by size.
    const auto [total, count] = elementwise_mean(
        y_pred, y_true, w, [t = threshold_](float p, float y) { return float(p > t) == y ? 1.0 : 0.0; });
    add(total, count);
}

metrics::TopKCategoricalAccuracy::TopKCategoricalAccuracy(int k, std::string name) : Metric(std::move(name)), k_(k) {
    MINNOW_CHECK(k >= 1, ValueError, "{}: k must be >= 1, got {}", this->name(), k);
}

void metrics::TopKCategoricalAccuracy::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    MINNOW_CHECK(y_pred.shape() == y_true.shape(), ShapeError, "{}: predictions {} and targets {} differ", name(),
                 y_pred.shape(), y_true.shape());
    const int64_t N = rows_of(y_pred), C = y_pred.numel() / std::max<int64_t>(N, 1);
    double hits = 0, count = 0;
    for (int64_t n = 0; n < N; ++n) {
        const int64_t target = row_argmax(y_true.data() + n * C, C);
        hits += in_top_k(y_pred.data() + n * C, C, target, k_) ? weight(w, n) : 0.0;
        count += weight(w, n);
    }
    add(hits, count);
}

metrics::SparseTopKCategoricalAccuracy::SparseTopKCategoricalAccuracy(int k, std::string name)
    : Metric(std::move(name)), k_(k) {
    MINNOW_CHECK(k >= 1, ValueError, "{}: k must be >= 1, got {}", this->name(), k);
}

void metrics::SparseTopKCategoricalAccuracy::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    const int64_t N = rows_of(y_pred), C = y_pred.numel() / std::max<int64_t>(N, 1);
    MINNOW_CHECK(y_true.numel() == N, ShapeError, "{}: {} labels for {} predictions", name(), y_true.numel(), N);
    double hits = 0, count = 0;
    for (int64_t n = 0; n < N; ++n) {
        const float label = y_true.data()[n];
        const bool valid = label >= 0 && label < float(C) && std::floor(label) == label;
        hits += valid && in_top_k(y_pred.data() + n * C, C, int64_t(label), k_) ? weight(w, n) : 0.0;
        count += weight(w, n);
    }
    add(hits, count);
}

void metrics::MeanAbsoluteError::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    check_same_count(name(), y_pred, y_true);
    const auto [total, count] = elementwise_mean(
        y_pred, y_true, w, [](float p, float y) { return std::fabs(double(p) - y); });
    add(total, count);
}

void metrics::MeanSquaredError::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    check_same_count(name(), y_pred, y_true);
    const auto [total, count] = elementwise_mean(
        y_pred, y_true, w, [](float p, float y) { return (double(p) - y) * (double(p) - y); });
    add(total, count);
}

void Metric::set_state(const std::vector<double>& state) {
    MINNOW_CHECK(state.size() == 2, ValueError, "{}: set_state expects 2 values, got {}", name(), state.size());
    total_ = state[0], count_ = state[1];
}

metrics::PrecisionRecall::PrecisionRecall(Kind kind, std::string name, float threshold)
    : Metric(std::move(name)), kind_(kind), threshold_(threshold) {}

void metrics::PrecisionRecall::reset() {
    Metric::reset();
    true_positives_ = false_positives_ = false_negatives_ = 0.0;
}

void metrics::PrecisionRecall::update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) {
    check_same_count(name(), y_pred, y_true);
    const int64_t N = rows_of(y_pred), per_sample = y_pred.numel() / std::max<int64_t>(N, 1);
    for (int64_t i = 0; i < y_pred.numel(); ++i) {
        const double weight_i = weight(w, i / per_sample);
        const bool predicted = y_pred.data()[i] > threshold_, actual = y_true.data()[i] != 0.0f;
        if (predicted && actual) true_positives_ += weight_i;
        if (predicted && !actual) false_positives_ += weight_i;
        if (!predicted && actual) false_negatives_ += weight_i;
    }
}

double metrics::PrecisionRecall::result() const {
    const double denominator =
        true_positives_ + (kind_ == Kind::Precision ? false_positives_ : false_negatives_);
    return denominator > 0.0 ? true_positives_ / denominator : 0.0;
}

std::vector<double> metrics::PrecisionRecall::state() const {
    return {true_positives_, false_positives_, false_negatives_};
}

void metrics::PrecisionRecall::set_state(const std::vector<double>& state) {
    MINNOW_CHECK(state.size() == 3, ValueError, "{}: set_state expects 3 values, got {}", name(), state.size());
    true_positives_ = state[0], false_positives_ = state[1], false_negatives_ = state[2];
}

std::unique_ptr<Metric> make_metric(const std::string& name, const std::string& loss_name, const Shape& output_shape,
                                    const Shape& target_shape) {
    if (name == "accuracy" || name == "acc") {
        if (loss_name == "sparse_categorical_crossentropy") return std::make_unique<metrics::SparseCategoricalAccuracy>(name);
        if (loss_name == "categorical_crossentropy") return std::make_unique<metrics::CategoricalAccuracy>(name);
        if (loss_name == "binary_crossentropy") return std::make_unique<metrics::BinaryAccuracy>(name);
        // As Keras: one output unit means binary; targets with fewer axes (or a single column
        // against several outputs) mean sparse labels; otherwise categorical.
        if (output_shape.rank() > 0 && output_shape[-1] == 1) return std::make_unique<metrics::BinaryAccuracy>(name);
        if (target_shape.rank() < output_shape.rank() || (target_shape.rank() > 0 && target_shape[-1] == 1))
            return std::make_unique<metrics::SparseCategoricalAccuracy>(name);
        return std::make_unique<metrics::CategoricalAccuracy>(name);
    }
    if (name == "sparse_categorical_accuracy") return std::make_unique<metrics::SparseCategoricalAccuracy>();
    if (name == "categorical_accuracy") return std::make_unique<metrics::CategoricalAccuracy>();
    if (name == "binary_accuracy") return std::make_unique<metrics::BinaryAccuracy>();
    if (name == "top_k_categorical_accuracy") return std::make_unique<metrics::TopKCategoricalAccuracy>();
    if (name == "sparse_top_k_categorical_accuracy") return std::make_unique<metrics::SparseTopKCategoricalAccuracy>();
    if (name == "mae" || name == "mean_absolute_error") return std::make_unique<metrics::MeanAbsoluteError>(name);
    if (name == "mse" || name == "mean_squared_error") return std::make_unique<metrics::MeanSquaredError>(name);
    if (name == "precision") return std::make_unique<metrics::PrecisionRecall>(metrics::Precision());
    if (name == "recall") return std::make_unique<metrics::PrecisionRecall>(metrics::Recall());
    throw ValueError(fmt::format("unknown metric '{}'; known metrics: accuracy, sparse_categorical_accuracy, "
                                 "categorical_accuracy, binary_accuracy, top_k_categorical_accuracy, "
                                 "sparse_top_k_categorical_accuracy, mae, mse, precision, recall",
                                 name));
}

}  // namespace minnow
