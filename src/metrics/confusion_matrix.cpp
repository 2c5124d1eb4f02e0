#include "minnow/metrics/confusion_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "minnow/core/error.hpp"

namespace minnow {

ConfusionMatrix::ConfusionMatrix(const Tensor& y_pred, const Tensor& labels) {
    MINNOW_CHECK(y_pred.rank() == 2, ShapeError, "confusion matrix: expected predictions (samples, classes), got {}",
                 y_pred.shape());
    const int64_t n = y_pred.dim(0);
    classes_ = y_pred.dim(1);
    MINNOW_CHECK(labels.numel() == n, ShapeError, "confusion matrix: {} labels for {} predictions", labels.numel(), n);
    counts_.assign(static_cast<size_t>(classes_ * classes_), 0);
    for (int64_t i = 0; i < n; ++i) {
        const float label = labels.flat(i);
        MINNOW_CHECK(label >= 0 && label < float(classes_) && std::floor(label) == label, ValueError,
                     "confusion matrix: label {} (sample {}) is not a class in [0, {})", label, i, classes_);
        const float* p = y_pred.data() + i * classes_;
        const auto predicted = std::max_element(p, p + classes_) - p;
        ++counts_[static_cast<size_t>(static_cast<int64_t>(label) * classes_ + predicted)];
    }
}

int64_t ConfusionMatrix::count(int64_t truth, int64_t predicted) const {
    MINNOW_CHECK(truth >= 0 && truth < classes_ && predicted >= 0 && predicted < classes_, ValueError,
                 "confusion matrix: class ({}, {}) outside [0, {})", truth, predicted, classes_);
    return counts_[static_cast<size_t>(truth * classes_ + predicted)];
}

double ConfusionMatrix::accuracy() const {
    int64_t correct = 0, total = 0;
    for (int64_t t = 0; t < classes_; ++t)
        for (int64_t p = 0; p < classes_; ++p) {
            total += count(t, p);
            if (t == p) correct += count(t, p);
        }
    return total > 0 ? double(correct) / double(total) : 0.0;
}

std::string ConfusionMatrix::str() const {
    std::string out = "     ";
    for (int64_t c = 0; c < classes_; ++c) out += fmt::format("{:>6}", c);
    out += "\n";
    for (int64_t t = 0; t < classes_; ++t) {
        out += fmt::format("{:>5}", t);
        for (int64_t c = 0; c < classes_; ++c) out += fmt::format("{:>6}", count(t, c));
        out += "\n";
    }
    return out;
}

}  // namespace minnow
