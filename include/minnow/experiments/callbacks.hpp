#pragma once
/// Callbacks the experiments attach to each arm's fit: validation with recalibrated
/// BatchNormalization statistics, and accuracy against training time at a fine grain.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/models/callbacks.hpp"

namespace minnow::experiments {

/// At each epoch's end: the validation accuracy and loss after recalibrate_batch_norm() (over
/// about 10,000 training samples in batches of the training batch size), and the validation
/// accuracy with batch statistics (batch_statistics_accuracy). Training is not changed: the
/// moving statistics are put back exactly as they were before the next batch.
class RecalibratedValidation : public Callback {
public:
    /// Recalibrates on `train` and validates on `validation` in batches of `batch_size`; `seed`
    /// chooses the recalibration batches.
    RecalibratedValidation(std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> validation,
                           int64_t batch_size, uint64_t seed);
    void on_epoch_end(int epoch, const Logs& logs) override;

    /// Per epoch, under the keys "val_accuracy_recalibrated", "val_loss_recalibrated" and
    /// "val_accuracy_batch_statistics".
    const std::map<std::string, std::vector<double>>& values() const { return values_; }

private:
    std::shared_ptr<const Dataset> train_, validation_;
    int64_t batch_size_;
    uint64_t seed_;
    std::map<std::string, std::vector<double>> values_;
};

/// Seconds spent training in each epoch: each batch from its start to its end (gathering, the step
/// and the metrics), without validation or other callbacks' measurements.
class TrainingTime : public Callback {
public:
    void on_epoch_begin(int, const Logs&) override { seconds_.push_back(0.0); }
    void on_batch_begin(int, const Logs&) override;
    void on_batch_end(int, const Logs&) override;
    /// Per epoch.
    const std::vector<double>& seconds() const { return seconds_; }

private:
    std::vector<double> seconds_;
    double start_ = 0.0;
};

/// Accuracy against training: every `every` batches, the accuracy on a fixed validation subset
/// (its first `subset` samples in a seeded shuffle; all when subset is 0), with the batches
/// trained and the seconds spent training so far (each batch from its start to its end: gathering,
/// the step and the metrics; neither these checks nor epoch-end validation count).
class TimeToAccuracy : public Callback {
public:
    /// One measurement.
    struct Point {
        int64_t step = 0;        ///< batches trained before it
        double seconds = 0.0;    ///< seconds spent training before it
        double accuracy = 0.0;   ///< on the validation subset
    };
    /// Measures on `validation` every `every` batches (`subset` samples of it, shuffled by `seed`).
    TimeToAccuracy(std::shared_ptr<const Dataset> validation, int64_t every, int64_t subset = 2000, uint64_t seed = 0);
    void on_train_begin(const Logs&) override;
    void on_batch_begin(int batch, const Logs&) override;
    void on_batch_end(int batch, const Logs& logs) override;

    /// The measurements, in order (the first before any training).
    const std::vector<Point>& points() const { return points_; }
    /// The batches between measurements.
    int64_t every() const { return every_; }
    /// The validation samples the points are measured on.
    int64_t subset_size() const { return y_.defined() ? y_.numel() : 0; }

private:
    std::shared_ptr<const Dataset> validation_;
    int64_t every_, subset_;
    uint64_t seed_;
    Tensor x_, y_;
    int64_t step_ = 0;
    double seconds_ = 0.0, batch_start_ = 0.0;
    std::vector<Point> points_;
};

}  // namespace minnow::experiments
