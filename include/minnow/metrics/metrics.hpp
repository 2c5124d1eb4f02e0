#pragma once
/// Metrics accumulated over an epoch (Keras' stateful metrics).

#include <memory>
#include <string>
#include <vector>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// A metric accumulated over every sample seen since reset(). Most are a mean of a per-sample
/// value (weighted by the samples' weights when given, as Keras' MeanMetricWrapper); ratios such
/// as precision override result().
class Metric {
public:
    virtual ~Metric() = default;
    /// The name shown in logs ("accuracy" when the user asked for "accuracy").
    const std::string& name() const { return name_; }
    /// Forgets every batch seen.
    virtual void reset() {
        total_ = 0.0;
        count_ = 0.0;
    }
    /// Adds a batch: predictions (probabilities) and targets, and optionally one weight per sample
    /// ((N,) or (N, 1)).
    void update(const Tensor& y_pred, const Tensor& y_true, const Tensor& sample_weight = {});
    /// The value over the samples seen (0 before any).
    virtual double result() const { return count_ > 0 ? total_ / count_ : 0.0; }
    /// What the metric has accumulated, as sums that add across disjoint parts of the data: the
    /// states of every rank of a data-parallel run, added up and set_state(), give the metric of
    /// the whole data.
    virtual std::vector<double> state() const { return {total_, count_}; }
    /// Replaces the accumulated state by one state() returned (ValueError for the wrong length).
    virtual void set_state(const std::vector<double>& state);

protected:
    /// A metric shown in logs under `name`.
    explicit Metric(std::string name) : name_(std::move(name)) {}
    /// Adds a batch; `w` holds one weight per sample, or is null for all ones.
    virtual void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) = 0;
    /// Adds `value` (a sum over samples) to the total and `count` (their number or weight) to the count.
    void add(double value, double count) {
        total_ += value;
        count_ += count;
    }
    /// Sample n's weight.
    static double weight(const float* w, int64_t n) { return w != nullptr ? double(w[n]) : 1.0; }

private:
    std::string name_;
    double total_ = 0.0;
    double count_ = 0.0;
};

/// The built-in metrics, named as keras.metrics.
namespace metrics {

/// argmax(y_pred) == label, labels (N,) or (N, 1).
class SparseCategoricalAccuracy : public Metric {
public:
    /// The metric under `name` in logs.
    explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy") : Metric(std::move(name)) {}

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;
};

/// argmax(y_pred) == argmax(y_true).
class CategoricalAccuracy : public Metric {
public:
    /// The metric under `name` in logs.
    explicit CategoricalAccuracy(std::string name = "categorical_accuracy") : Metric(std::move(name)) {}

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;
};

/// (y_pred > threshold) == y_true, elementwise.
class BinaryAccuracy : public Metric {
public:
    /// Predictions above `threshold` count as 1.
    explicit BinaryAccuracy(std::string name = "binary_accuracy", float threshold = 0.5f)
        : Metric(std::move(name)), threshold_(threshold) {}

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;

private:
    float threshold_;
};

/// The target class (argmax of a one-hot row) among the k highest scores; a tie at the k-th
/// score counts as in, as TensorFlow's in_top_k.
class TopKCategoricalAccuracy : public Metric {
public:
    /// Hits among the `k` highest scores, under `name` in logs.
    explicit TopKCategoricalAccuracy(int k = 5, std::string name = "top_k_categorical_accuracy");

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;

private:
    int k_;
};

/// The label (N,) or (N, 1) among the k highest scores.
class SparseTopKCategoricalAccuracy : public Metric {
public:
    /// Hits among the `k` highest scores, under `name` in logs.
    explicit SparseTopKCategoricalAccuracy(int k = 5, std::string name = "sparse_top_k_categorical_accuracy");

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;

private:
    int k_;
};

/// mean absolute error.
class MeanAbsoluteError : public Metric {
public:
    /// The metric under `name` in logs.
    explicit MeanAbsoluteError(std::string name = "mean_absolute_error") : Metric(std::move(name)) {}

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;
};

/// mean squared error.
class MeanSquaredError : public Metric {
public:
    /// The metric under `name` in logs.
    explicit MeanSquaredError(std::string name = "mean_squared_error") : Metric(std::move(name)) {}

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;
};

/// Precision or recall of predictions thresholded at `threshold` against targets != 0, over every
/// element: true positives / (true positives + false positives), or / (true positives + false
/// negatives); 0 while the denominator is 0, as Keras.
class PrecisionRecall : public Metric {
public:
    /// Which ratio the metric computes.
    enum class Kind { Precision, Recall };
    /// Precision or recall under `name`; predictions above `threshold` count as positive.
    PrecisionRecall(Kind kind, std::string name, float threshold = 0.5f);
    /// Forgets the counts.
    void reset() override;
    double result() const override;
    std::vector<double> state() const override;
    void set_state(const std::vector<double>& state) override;

protected:
    void update_state(const Tensor& y_pred, const Tensor& y_true, const float* w) override;

private:
    Kind kind_;
    float threshold_;
    double true_positives_ = 0.0, false_positives_ = 0.0, false_negatives_ = 0.0;
};

/// Keras' Precision(thresholds=0.5).
inline PrecisionRecall Precision(std::string name = "precision", float threshold = 0.5f) {
    return {PrecisionRecall::Kind::Precision, std::move(name), threshold};
}
/// Keras' Recall(thresholds=0.5).
inline PrecisionRecall Recall(std::string name = "recall", float threshold = 0.5f) {
    return {PrecisionRecall::Kind::Recall, std::move(name), threshold};
}

}  // namespace metrics

/// The metric called `name` for a model trained with `loss_name`. "accuracy" (or "acc") picks
/// the variant as Keras does: sparse for sparse_categorical_crossentropy, categorical for
/// categorical_crossentropy, binary for binary_crossentropy; otherwise from the shapes of one
/// output sample and one target sample (no batch axis). The metric is named as asked ("mse"
/// logs as "mse"), as Keras 3.
std::unique_ptr<Metric> make_metric(const std::string& name, const std::string& loss_name, const Shape& output_shape,
                                    const Shape& target_shape);

}  // namespace minnow
