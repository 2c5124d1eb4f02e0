#pragma once
/// The confusion matrix of a classifier's predictions.

#include <cstdint>
#include <string>
#include <vector>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// Counts of (true class, predicted class) pairs, the prediction being each row's argmax (the
/// first on ties, as accuracy takes it).
class ConfusionMatrix {
public:
    /// y_pred (N, classes) scores or probabilities, labels (N,) integer class indices in
    /// [0, classes); ShapeError or ValueError naming the sample otherwise.
    ConfusionMatrix(const Tensor& y_pred, const Tensor& labels);

    /// The number of classes (the predictions' second dimension).
    int64_t classes() const { return classes_; }
    /// Samples of class `truth` predicted as `predicted`.
    int64_t count(int64_t truth, int64_t predicted) const;
    /// Correct predictions over all samples (0 with no samples).
    double accuracy() const;
    /// The table as text: a header of predicted classes, one row per true class.
    std::string str() const;

private:
    int64_t classes_;
    std::vector<int64_t> counts_;
};

}  // namespace minnow
