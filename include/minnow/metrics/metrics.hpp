#pragma once
/// Metrics accumulated over an epoch (Keras' stateful metrics).

#include <memory>
#include <string>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// A metric averaged over every sample seen since reset().
class Metric {
public:
    virtual ~Metric() = default;
    /// The name shown in logs ("accuracy" when the user asked for "accuracy").
    const std::string& name() const { return name_; }
    void reset() {
        total_ = 0.0;
        count_ = 0.0;
    }
    /// Adds a batch: predictions (probabilities) and targets.
    virtual void update(const Tensor& y_pred, const Tensor& y_true) = 0;
    /// The mean over the samples seen (0 before any).
    double result() const { return count_ > 0 ? total_ / count_ : 0.0; }

protected:
    explicit Metric(std::string name) : name_(std::move(name)) {}
    void add(double value, double count) {
        total_ += value;
        count_ += count;
    }

private:
    std::string name_;
    double total_ = 0.0;
    double count_ = 0.0;
};

/// argmax(y_pred) == label, labels (N,) or (N, 1).
class SparseCategoricalAccuracy : public Metric {
public:
    explicit SparseCategoricalAccuracy(std::string name = "sparse_categorical_accuracy") : Metric(std::move(name)) {}
    void update(const Tensor& y_pred, const Tensor& y_true) override;
};

/// argmax(y_pred) == argmax(y_true).
class CategoricalAccuracy : public Metric {
public:
    explicit CategoricalAccuracy(std::string name = "categorical_accuracy") : Metric(std::move(name)) {}
    void update(const Tensor& y_pred, const Tensor& y_true) override;
};

/// (y_pred > threshold) == y_true, elementwise.
class BinaryAccuracy : public Metric {
public:
    explicit BinaryAccuracy(std::string name = "binary_accuracy", float threshold = 0.5f)
        : Metric(std::move(name)), threshold_(threshold) {}
    void update(const Tensor& y_pred, const Tensor& y_true) override;

private:
    float threshold_;
};

/// mean absolute error.
class MeanAbsoluteError : public Metric {
public:
    explicit MeanAbsoluteError(std::string name = "mean_absolute_error") : Metric(std::move(name)) {}
    void update(const Tensor& y_pred, const Tensor& y_true) override;
};

/// The metric called `name` for a model trained with `loss_name`. "accuracy" (or "acc") picks
/// the variant as Keras does: sparse for sparse_categorical_crossentropy, categorical for
/// categorical_crossentropy, binary for binary_crossentropy; otherwise from the shapes of one
/// output sample and one target sample (no batch axis).
std::unique_ptr<Metric> make_metric(const std::string& name, const std::string& loss_name, const Shape& output_shape,
                                    const Shape& target_shape);

}  // namespace minnow
