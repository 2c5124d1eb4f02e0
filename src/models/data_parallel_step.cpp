// Sequential's data-parallel training step and the metric states it reduces.
#include <algorithm>
#include <fmt/format.h>

#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/models/sequential.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "models/data_parallel.hpp"

namespace minnow {

void Sequential::check_shards(int64_t samples, int64_t batch_size, const DataParallel& strategy) const {
    if (detail::per_shard_batch_norms(*this).empty()) return;
    const int ranks = distributed::size();
    const int64_t full = std::min(batch_size, samples), last = samples % batch_size;
    for (const int64_t rows : {full, last}) {
        if (rows == 0) continue;
        for (int r = 0; r < ranks; ++r) {
            const auto [lo, hi] = detail::shard_bounds(rows, strategy.shard_shares, r, ranks);
            MINNOW_CHECK(hi - lo != 1, ValueError,
                         "{}: a batch of {} samples split over {} ranks gives rank {} a shard of one sample, which a "
                         "BatchNormalization normalizing per shard cannot train on; choose another batch_size, or "
                         "BatchNormalization({{.synchronized = true}}) for the global batch's statistics",
                         describe(), rows, ranks, r);
        }
    }
}

void Sequential::ensure_metrics(const Dataset& data) {
    for (auto& slot : metrics_)
        if (!slot.metric) slot.metric = make_metric(slot.name, loss_->name(), output_shape().sample(), data.target_shape());
}

std::vector<double> Sequential::metric_states() const {
    std::vector<double> states;
    for (const auto& slot : metrics_) {
        MINNOW_CHECK(slot.metric != nullptr, StateError, "{}: metric '{}' has no state yet", describe(), slot.name);
        const std::vector<double> s = slot.metric->state();
        states.insert(states.end(), s.begin(), s.end());
    }
    return states;
}

void Sequential::set_metric_states(const std::vector<double>& states) {
    size_t at = 0;
    for (auto& slot : metrics_) {
        const size_t n = slot.metric->state().size();
        MINNOW_CHECK(at + n <= states.size(), ValueError, "{}: {} metric state values for more metrics", describe(),
                     states.size());
        slot.metric->set_state({states.begin() + static_cast<std::ptrdiff_t>(at),
                                states.begin() + static_cast<std::ptrdiff_t>(at + n)});
        at += n;
    }
}

Sequential::StepResult Sequential::data_parallel_step(
    const Dataset& train, std::span<const int64_t> rows, int64_t batch_rows, const Tensor& weights,
    const std::function<void(const std::vector<Variable>&)>& before_update) {
    const std::vector<double> before = metric_states();
    StepResult r;
    if (!rows.empty()) {
        Tensor xb = train.gather_x(rows);
        const Tensor yb = train.gather_y(rows);
        const Tensor wb = weights.defined() ? gather_rows(weights, rows) : Tensor();
        // The shard's mean loss times its share of the batch: the ranks' gradients then add up to
        // the gradient of the whole batch's mean loss.
        const double share = double(rows.size()) / double(batch_rows);
        r = compute_gradients(std::move(xb), yb, wb, static_cast<float>(share));
        r.loss *= share;
        update_metrics(r.y_pred, yb, wb);
    } else {
        // Nothing to compute, but the synchronized layers' collectives, in the order the forwards
        // and then the backwards run on the ranks that have samples.
        const std::vector<BatchNormalization*> synced = detail::synchronized_batch_norms(*this);
        for (BatchNormalization* bn : synced) bn->forward_without_samples();
        for (auto it = synced.rbegin(); it != synced.rend(); ++it) (*it)->backward_without_samples();
    }
    // The loss and what the metrics gained travel with the gradients: one allreduce a step. So do
    // the moving statistics of layers that normalize per shard, averaged weighted by the shards'
    // sizes (as Keras averages them across replicas), so that every rank keeps the same model.
    const std::vector<double> after = metric_states();
    std::vector<float> extra{static_cast<float>(r.loss)};
    for (size_t i = 0; i < after.size(); ++i) extra.push_back(static_cast<float>(after[i] - before[i]));
    const std::vector<BatchNormalization*> per_shard = detail::per_shard_batch_norms(*this);
    const size_t moving_at = extra.size();
    const float weight = float(rows.size()) / float(batch_rows);
    for (BatchNormalization* bn : per_shard)
        for (const Variable* v : {&bn->moving_mean(), &bn->moving_variance()})
            for (int64_t c = 0; c < v->value().numel(); ++c) extra.push_back(weight * v->value().data()[c]);
    const std::vector<Variable> trainable = trainable_weights();
    detail::allreduce_gradients(trainable, extra);
    std::vector<double> global = before;
    for (size_t i = 0; i < global.size(); ++i) global[i] += double(extra[i + 1]);
    set_metric_states(global);
    size_t at = moving_at;
    for (BatchNormalization* bn : per_shard)
        for (Variable v : {bn->moving_mean(), bn->moving_variance()}) {  // a handle: writes reach the layer's
            float* values = v.value().data();
            for (int64_t c = 0; c < v.value().numel(); ++c) values[c] = extra[at++];
        }
    r.loss = double(extra[0]);
    if (before_update) before_update(trainable);
    optimizer_->apply(trainable);
    return r;
}

}  // namespace minnow
