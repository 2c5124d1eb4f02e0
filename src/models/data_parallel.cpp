#include "models/data_parallel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"

namespace minnow::detail {

void check_data_parallel(const DataParallel& strategy, int ranks, const std::string& who) {
    const auto& shares = strategy.shard_shares;
    if (shares.empty()) return;
    MINNOW_CHECK(static_cast<int>(shares.size()) == ranks, ValueError,
                 "{}: FitOptions::distributed has {} shard shares for a job of {} ranks; give one per rank", who,
                 shares.size(), ranks);
    for (double s : shares)
        MINNOW_CHECK(std::isfinite(s) && s >= 0.0, ValueError,
                     "{}: FitOptions::distributed shard share {} is not a finite number >= 0", who, s);
    MINNOW_CHECK(std::accumulate(shares.begin(), shares.end(), 0.0) > 0.0, ValueError,
                 "{}: FitOptions::distributed shard shares are all zero", who);
}

std::pair<int64_t, int64_t> shard_bounds(int64_t rows, const std::vector<double>& shares, int rank, int size) {
    if (shares.empty()) {
        const int64_t base = rows / size, extra = rows % size;
        const int64_t begin = rank * base + std::min<int64_t>(rank, extra);
        return {begin, begin + base + (rank < extra ? 1 : 0)};
    }
    // Largest remainder: floor each quota, then the rows left go to the largest fractions (ties to
    // the lower rank), so the shards add up to `rows` and follow the shares as closely as rows can.
    const double total = std::accumulate(shares.begin(), shares.end(), 0.0);
    std::vector<int64_t> count(shares.size());
    std::vector<std::pair<double, size_t>> remainder;
    int64_t assigned = 0;
    for (size_t r = 0; r < shares.size(); ++r) {
        const double quota = double(rows) * shares[r] / total;
        count[r] = static_cast<int64_t>(std::floor(quota));
        assigned += count[r];
        remainder.push_back({quota - std::floor(quota), r});
    }
    std::stable_sort(remainder.begin(), remainder.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; assigned < rows; ++i, ++assigned) ++count[remainder[i % remainder.size()].second];
    int64_t begin = 0;
    for (int r = 0; r < rank; ++r) begin += count[static_cast<size_t>(r)];
    return {begin, begin + count[static_cast<size_t>(rank)]};
}

namespace {

// Tensors' values in one contiguous buffer, broadcast once, copied back.
void broadcast_tensors(const std::vector<Tensor*>& tensors) {
    size_t total = 0;
    for (const Tensor* t : tensors) total += static_cast<size_t>(t->numel());
    std::vector<float> buffer(total);
    size_t at = 0;
    for (const Tensor* t : tensors) {
        std::copy_n(t->data(), t->numel(), buffer.data() + at);
        at += static_cast<size_t>(t->numel());
    }
    distributed::broadcast(buffer);
    at = 0;
    for (Tensor* t : tensors) {
        std::copy_n(buffer.data() + at, t->numel(), t->data());
        at += static_cast<size_t>(t->numel());
    }
}

void collect_batch_norms(Layer& layer, bool synchronized, std::vector<BatchNormalization*>& out) {
    if (auto* bn = dynamic_cast<BatchNormalization*>(&layer)) {
        if (bn->synchronized() == synchronized && bn->uses_batch_statistics(Mode::Train)) out.push_back(bn);
        return;
    }
    for (Layer* sub : layer.sublayers()) collect_batch_norms(*sub, synchronized, out);
}

}  // namespace

void broadcast_training_state(const Sequential& model, Optimizer* optimizer) {
    std::vector<Variable> weights = model.weights();
    std::vector<Tensor*> tensors;
    for (Variable& w : weights) tensors.push_back(&w.value());
    if (optimizer != nullptr) {
        for (const Variable& w : model.trainable_weights()) {
            for (Tensor& slot : optimizer->slots(w)) tensors.push_back(&slot);
            if (Tensor& acc = optimizer->accumulated(w); acc.defined()) tensors.push_back(&acc);
        }
        std::vector<double> scalars{double(optimizer->iterations()), double(optimizer->learning_rate())};
        const std::vector<double> extra = optimizer->scalar_state();
        scalars.insert(scalars.end(), extra.begin(), extra.end());
        distributed::broadcast(scalars);
        optimizer->set_iterations(static_cast<int64_t>(scalars[0]));
        if (!optimizer->learning_rate_setting().schedule()) optimizer->set_learning_rate(scalars[1]);
        if (!extra.empty()) optimizer->set_scalar_state({scalars.begin() + 2, scalars.end()});
    }
    broadcast_tensors(tensors);
}

std::vector<BatchNormalization*> synchronized_batch_norms(const Sequential& model) {
    std::vector<BatchNormalization*> out;
    for (const auto& layer : model.layers()) collect_batch_norms(*layer, true, out);
    return out;
}

std::vector<BatchNormalization*> per_shard_batch_norms(const Sequential& model) {
    std::vector<BatchNormalization*> out;
    for (const auto& layer : model.layers()) collect_batch_norms(*layer, false, out);
    return out;
}

void allreduce_gradients(const std::vector<Variable>& weights, std::vector<float>& extra) {
    size_t total = 0;
    for (const Variable& w : weights) total += static_cast<size_t>(w.value().numel());
    // Gradients, then one flag per weight (a rank holding its gradient), then the extras.
    std::vector<float> buffer(total + weights.size() + extra.size(), 0.0f);
    size_t at = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        const Variable& w = weights[i];
        const auto n = static_cast<size_t>(w.value().numel());
        if (w.has_grad()) {
            std::copy_n(w.grad().data(), n, buffer.data() + at);
            buffer[total + i] = 1.0f;
        }
        at += n;
    }
    std::copy(extra.begin(), extra.end(), buffer.begin() + static_cast<std::ptrdiff_t>(total + weights.size()));
    distributed::allreduce_sum(buffer);
    at = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
        Variable w = weights[i];
        const auto n = static_cast<size_t>(w.value().numel());
        if (buffer[total + i] > 0.0f) {
            if (!w.has_grad()) w.grad() = Tensor(w.shape());
            std::copy_n(buffer.data() + at, n, w.grad().data());
        }
        at += n;
    }
    std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(total + weights.size()), extra.size(), extra.begin());
}

}  // namespace minnow::detail
