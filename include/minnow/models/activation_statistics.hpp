#pragma once
/// ActivationStatistics: a callback that makes internal covariate shift visible. At chosen points
/// of training it runs a fixed probe batch through the model and records the distribution of
/// every layer's output, BatchNormalization's lag, and each weight's gradient norm.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/models/callbacks.hpp"

namespace minnow {

/// ActivationStatistics' options.
struct ActivationStatisticsOptions {
    /// Samples in the probe batch: the same ones at every point.
    int64_t probe_size = 256;
    /// Chooses the probe's samples (the first probe_size of fit's shuffle with this seed).
    uint64_t seed = 0;
    /// Also a point every this many batches (0: only before training and at every epoch's end).
    int64_t every_batches = 0;
};

/// One recorded value: at a point of training, of one layer (or weight), one statistic.
struct ActivationRecord {
    int epoch = 0;          ///< 0-based epoch the point falls in; -1 before training
    int64_t step = 0;       ///< batches trained before the point (0 before training)
    std::string layer;      ///< the layer's name; for gradient norms the weight's ("dense/kernel")
    std::string class_name; ///< the layer's class; "weight" for gradient norms
    std::string statistic;  ///< see ActivationStatistics
    double value = 0.0;     ///< the statistic's value
};

/// Records, before training, every `every_batches` batches and at each epoch's end, for the
/// output of every layer (nested Sequentials opened up) on the probe batch:
///   mean, std, min, max, p1, p50, p99 (over all of the output's values; percentiles by the
///   nearest rank), zero_fraction (values exactly 0: dead units after a ReLU);
///   saturated_fraction for layers that end in sigmoid or tanh (Dense, Conv2D or Activation):
///   outputs within 0.05 of an asymptote (sigmoid below 0.05 or above 0.95, |x| > 2.94 before it;
///   tanh beyond +-0.95, |x| > 1.83), where the gradient has all but vanished;
///   for each BatchNormalization, its input's batch statistics against its moving statistics:
///   batch_mean and moving_mean (averaged over channels), mean_lag (the mean over channels of
///   |batch mean - moving mean| / batch std) and variance_ratio (the mean over channels of
///   (moving variance + eps) / (batch variance + eps); 1 when the moving statistics have caught up).
/// The probe runs as in training, unfused and with no graph: every BatchNormalization normalizes
/// with the probe's own statistics and updates nothing, every other layer runs in inference mode
/// (Dropout off). So the activations between fused layers are seen too, and training is unchanged.
/// At each epoch's end it also records gradient_norm for every trainable weight: the L2 norm of
/// its gradient, averaged over the epoch's batches.
class ActivationStatistics : public Callback {
public:
    /// Probes with the first batch of `probe_data` (its first options.probe_samples samples).
    explicit ActivationStatistics(std::shared_ptr<const Dataset> probe_data, ActivationStatisticsOptions options = {});

    void on_train_begin(const Logs&) override;
    void on_epoch_begin(int epoch, const Logs&) override;
    void on_batch_end(int batch, const Logs&) override;
    void on_gradients(int batch, const std::vector<Variable>& trainable_weights) override;
    void on_epoch_end(int epoch, const Logs&) override;

    /// Everything recorded so far, in order.
    const std::vector<ActivationRecord>& records() const { return records_; }
    /// The records as CSV: epoch,step,layer,class,statistic,value (one row each, epoch from 0, -1
    /// before training).
    std::string csv() const;
    /// The options and the records as JSON: {"options": ..., "records": [{...}, ...]}.
    std::string json() const;

    /// The statistics of `values` (mean, std, min, max, p1, p50, p99, zero_fraction), by name, in that order.
    static std::vector<std::pair<std::string, double>> summarize(const Tensor& values);

private:
    void record_point(int epoch);

    std::shared_ptr<const Dataset> data_;
    ActivationStatisticsOptions options_;
    Tensor probe_;
    int64_t step_ = 0;
    int epoch_ = -1;
    std::vector<std::string> weight_names_;  // trainable weights, in trainable_weights() order
    std::vector<double> norm_sums_;
    int64_t norm_batches_ = 0;
    std::vector<ActivationRecord> records_;
};

}  // namespace minnow
