#include "minnow/models/batch_norm_statistics.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <typeinfo>
#include <vector>

#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/metrics/metrics.hpp"
#include "models/layer_walk.hpp"

namespace minnow {

namespace {

constexpr int64_t kDefaultSamples = 10000;

// The layers a walk normalizes with batch statistics (layer_walk.hpp).
const BatchNormalization* batch_statistics_layer(const Layer& layer) {
    if (typeid(layer) != typeid(BatchNormalization)) return nullptr;
    const auto& bn = static_cast<const BatchNormalization&>(layer);
    return bn.trainable() ? &bn : nullptr;
}

// The samples in the order fit's first epoch draws them with this seed.
std::vector<int64_t> shuffled(int64_t n, uint64_t seed) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(seed);
    shuffle(order, rng);
    return order;
}

}  // namespace

Tensor predict_with_batch_statistics(const Sequential& model, const Tensor& x, const BatchStatisticsObserver& observe) {
    if (!observe) return detail::walk_with_batch_statistics(model, x);
    return detail::walk_with_batch_statistics(
        model, x, [&](const Layer& layer, const Tensor&, const Tensor&, const BatchStatistics* batch) {
            if (batch != nullptr) observe(static_cast<const BatchNormalization&>(layer), *batch);
        });
}

RecalibrateResult recalibrate_batch_norm(Sequential& model, const Dataset& data, RecalibrateOptions options) {
    MINNOW_CHECK(options.batch_size >= 2, ValueError,
                 "recalibrate_batch_norm: batch_size must be >= 2 (a batch of one has no variance), got {}",
                 options.batch_size);
    MINNOW_CHECK(options.batches >= 0, ValueError, "recalibrate_batch_norm: batches must be >= 0, got {}",
                 options.batches);
    const int64_t n = data.size();
    MINNOW_CHECK(n >= 2, ValueError, "recalibrate_batch_norm: needs at least 2 samples, got {}", n);
    model.ensure_built(data.sample_shape().batched(n));
    const int64_t batch = std::min(options.batch_size, n);
    const int64_t available = n / batch;  // whole batches only: each batch weighs the same
    const int64_t wanted = options.batches > 0 ? options.batches : (kDefaultSamples + batch - 1) / batch;
    const int64_t batches = std::min(wanted, available);

    // Per layer, the sums of its per-batch means and variances, in double.
    struct Sums {
        std::vector<double> mean, variance;
    };
    std::map<const BatchNormalization*, Sums> sums;
    const BatchStatisticsObserver add = [&](const BatchNormalization& bn, const BatchStatistics& s) {
        Sums& total = sums[&bn];
        total.mean.resize(static_cast<size_t>(s.mean.numel()), 0.0);
        total.variance.resize(static_cast<size_t>(s.variance.numel()), 0.0);
        for (int64_t c = 0; c < s.mean.numel(); ++c) {
            total.mean[static_cast<size_t>(c)] += s.mean.flat(c);
            total.variance[static_cast<size_t>(c)] += s.variance.flat(c);
        }
    };
    const std::vector<int64_t> order = shuffled(n, options.seed);
    for (int64_t b = 0; b < batches; ++b) {
        const std::span<const int64_t> rows(order.data() + b * batch, static_cast<size_t>(batch));
        (void)predict_with_batch_statistics(model, data.gather_x(rows), add);
    }
    for (const auto& layer : detail::flat_layers(model.layers())) {
        const BatchNormalization* bn = batch_statistics_layer(*layer);
        if (bn == nullptr) continue;
        const Sums& total = sums.at(bn);
        Variable mean = bn->moving_mean(), variance = bn->moving_variance();
        for (int64_t c = 0; c < mean.value().numel(); ++c) {
            mean.value().flat(c) = static_cast<float>(total.mean[static_cast<size_t>(c)] / double(batches));
            variance.value().flat(c) = static_cast<float>(total.variance[static_cast<size_t>(c)] / double(batches));
        }
    }
    return {static_cast<int64_t>(sums.size()), batches, batches * batch};
}

double batch_statistics_accuracy(const Sequential& model, const Dataset& data, int64_t batch_size, uint64_t seed) {
    MINNOW_CHECK(batch_size >= 2, ValueError, "batch_statistics_accuracy: batch_size must be >= 2, got {}", batch_size);
    const int64_t n = data.size();
    MINNOW_CHECK(n >= 2, ValueError, "batch_statistics_accuracy: needs at least 2 samples, got {}", n);
    const std::vector<int64_t> order = shuffled(n, seed);
    metrics::SparseCategoricalAccuracy accuracy;
    for (int64_t begin = 0, end = 0; begin < n; begin = end) {
        end = std::min(n, begin + batch_size);
        if (n - end == 1) end = n;  // never leave a batch of one sample at the end
        const std::span<const int64_t> rows(order.data() + begin, static_cast<size_t>(end - begin));
        accuracy.update(predict_with_batch_statistics(model, data.gather_x(rows)), data.gather_y(rows));
    }
    return accuracy.result();
}

}  // namespace minnow
