#include "minnow/metrics/metrics.hpp"

#include <cmath>
#include <fmt/format.h>

#include "minnow/core/error.hpp"

namespace minnow {

namespace {
int64_t row_argmax(const float* row, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
        if (row[i] > row[best]) best = i;
    return best;
}
}  // namespace

void SparseCategoricalAccuracy::update(const Tensor& y_pred, const Tensor& y_true) {
    const int64_t N = y_pred.dim(0), C = y_pred.numel() / std::max<int64_t>(N, 1);
    MINNOW_CHECK(y_true.numel() == N, ShapeError, "{}: {} labels for {} predictions", name(), y_true.numel(), N);
    double correct = 0;
    for (int64_t n = 0; n < N; ++n)
        correct += static_cast<float>(row_argmax(y_pred.data() + n * C, C)) == y_true.data()[n] ? 1.0 : 0.0;
    add(correct, double(N));
}

void CategoricalAccuracy::update(const Tensor& y_pred, const Tensor& y_true) {
    MINNOW_CHECK(y_pred.shape() == y_true.shape(), ShapeError, "{}: predictions {} and targets {} differ", name(),
                 y_pred.shape(), y_true.shape());
    const int64_t N = y_pred.dim(0), C = y_pred.numel() / std::max<int64_t>(N, 1);
    double correct = 0;
    for (int64_t n = 0; n < N; ++n)
        correct += row_argmax(y_pred.data() + n * C, C) == row_argmax(y_true.data() + n * C, C) ? 1.0 : 0.0;
    add(correct, double(N));
}

void BinaryAccuracy::update(const Tensor& y_pred, const Tensor& y_true) {
    MINNOW_CHECK(y_pred.numel() == y_true.numel(), ShapeError, "{}: predictions {} and targets {} differ", name(),
                 y_pred.shape(), y_true.shape());
    // Keras averages per sample over the last axis, then over samples: with equal-sized rows
    // that is the mean over all elements, counted here per sample so batches weigh by size.
    const int64_t N = y_pred.dim(0), per_sample = y_pred.numel() / std::max<int64_t>(N, 1);
    double correct = 0;
    for (int64_t i = 0; i < y_pred.numel(); ++i)
        correct += float(y_pred.data()[i] > threshold_) == y_true.data()[i] ? 1.0 : 0.0;
    add(correct / double(per_sample), double(N));
}

void MeanAbsoluteError::update(const Tensor& y_pred, const Tensor& y_true) {
    MINNOW_CHECK(y_pred.numel() == y_true.numel(), ShapeError, "{}: predictions {} and targets {} differ", name(),
                 y_pred.shape(), y_true.shape());
    const int64_t N = y_pred.dim(0), per_sample = y_pred.numel() / std::max<int64_t>(N, 1);
    double total = 0;
    for (int64_t i = 0; i < y_pred.numel(); ++i) total += std::fabs(double(y_pred.data()[i]) - y_true.data()[i]);
    add(total / double(per_sample), double(N));
}

std::unique_ptr<Metric> make_metric(const std::string& name, const std::string& loss_name, const Shape& output_shape,
                                    const Shape& target_shape) {
    if (name == "accuracy" || name == "acc") {
        if (loss_name == "sparse_categorical_crossentropy") return std::make_unique<SparseCategoricalAccuracy>(name);
        if (loss_name == "categorical_crossentropy") return std::make_unique<CategoricalAccuracy>(name);
        if (loss_name == "binary_crossentropy") return std::make_unique<BinaryAccuracy>(name);
        // As Keras: one output unit means binary; targets with fewer axes (or a single column
        // against several outputs) mean sparse labels; otherwise categorical.
        if (output_shape.rank() > 0 && output_shape[-1] == 1) return std::make_unique<BinaryAccuracy>(name);
        if (target_shape.rank() < output_shape.rank() || (target_shape.rank() > 0 && target_shape[-1] == 1))
            return std::make_unique<SparseCategoricalAccuracy>(name);
        return std::make_unique<CategoricalAccuracy>(name);
    }
    if (name == "sparse_categorical_accuracy") return std::make_unique<SparseCategoricalAccuracy>();
    if (name == "categorical_accuracy") return std::make_unique<CategoricalAccuracy>();
    if (name == "binary_accuracy") return std::make_unique<BinaryAccuracy>();
    if (name == "mae" || name == "mean_absolute_error") return std::make_unique<MeanAbsoluteError>(name);
    throw ValueError(fmt::format("unknown metric '{}'; known metrics: accuracy, sparse_categorical_accuracy, "
                                 "categorical_accuracy, binary_accuracy, mae",
                                 name));
}

}  // namespace minnow
