#pragma once
/// BatchNormalization's statistics seen from outside training: recomputing the moving statistics
/// from the data ("precise BN", recalibration), and a model's accuracy when every
/// BatchNormalization normalizes with its batch's own statistics, as in training.

#include <cstdint>
#include <functional>

#include "minnow/data/dataset.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow {

/// recalibrate_batch_norm()'s options.
struct RecalibrateOptions {
    /// How many batches' statistics are averaged. 0: enough for about 10,000 samples
    /// (ceil(10000 / batch_size)), never more than the data holds.
    int64_t batches = 0;
    /// Samples per batch: the training batch size, so the average estimates what the moving
    /// averages estimate (Keras' fit default, 32).
    int64_t batch_size = 32;
    /// Seeds the draw of the batches: the first ones of the order fit() shuffles the samples into
    /// with FitOptions::seed = seed.
    uint64_t seed = 0;
};

/// What recalibrate_batch_norm() did.
struct RecalibrateResult {
    int64_t layers = 0;   ///< BatchNormalization layers recalibrated
    int64_t batches = 0;  ///< batches averaged
    int64_t samples = 0;  ///< samples seen
};

/// Recomputes every BatchNormalization's moving mean and variance as the plain average of
/// per-batch statistics (each batch weighs the same; Keras' biased variance) over
/// `options.batches` batches of `data`, as fvcore's update_bn_stats and PyTorch's
/// swa_utils.update_bn do. Nothing else changes: no weight is updated and no moving average is
/// moved along the way.
///
/// One pass suffices: the batches run through the model as in inference, except that each
/// BatchNormalization normalizes with its batch's own statistics, so no layer's output depends on
/// any moving statistics and the order in which they are replaced does not matter. Every other
/// layer runs in inference mode (Dropout off), so the statistics are those the layer meets at
/// inference. Frozen layers (trainable = false) run in inference mode and are left alone;
/// only the exact class BatchNormalization is recalibrated (a subclass runs its own forward).
RecalibrateResult recalibrate_batch_norm(Sequential& model, const Dataset& data, RecalibrateOptions options = {});

/// Observes one BatchNormalization's statistics of one batch.
using BatchStatisticsObserver = std::function<void(const BatchNormalization& layer, const BatchStatistics& batch)>;

/// The model's output for x (no graph recorded) when every trainable BatchNormalization
/// normalizes with x's own statistics and the other layers run in inference mode; nothing is
/// updated. `observe`, when given, sees each such layer's batch statistics in order.
Tensor predict_with_batch_statistics(const Sequential& model, const Tensor& x,
                                     const BatchStatisticsObserver& observe = {});

/// Sparse-categorical accuracy (argmax against integer labels) of predict_with_batch_statistics
/// over `data` in batches of `batch_size` drawn from a shuffle seeded by `seed` (the last batch
/// may be smaller, but not of one sample): the accuracy the network has as it is normalized in
/// training, whatever its moving statistics say.
double batch_statistics_accuracy(const Sequential& model, const Dataset& data, int64_t batch_size = 32,
                                 uint64_t seed = 0);

}  // namespace minnow
