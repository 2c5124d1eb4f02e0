// Sequential's compile, fit, evaluate, predict, train_on_batch and test_on_batch.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

#include "core/float_mode.hpp"
#include "minnow/autograd/graph.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/models/memory_estimate.hpp"
#include "minnow/models/sequential.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/losses.hpp"
#include "minnow/tensor/sample_weight.hpp"
#include "models/data_parallel.hpp"
#include "models/inference_rows.hpp"
#include "models/plan.hpp"
#include "models/sample_weights.hpp"

namespace minnow {

namespace {

// Inference works on chunks of samples, whatever batch the caller asked for: each sample's output
// is independent of the others in inference mode, so only speed and memory depend on the chunk.
// A chunk's widest activation is kept near this size, so it stays in the caches from one layer to
// the next (measured: W2 at 48 images a chunk runs 19.5k samples/s, at 128 16.4k) while an MLP
// still gets large GEMMs (W1 at 1000 rows a chunk: 630k samples/s, at 128 520k).
constexpr int64_t kInferenceChunkBytes = 4 << 20;
constexpr int64_t kMinInferenceChunk = 16;
constexpr int64_t kMaxInferenceChunk = 1024;

// Floats per sample in the widest of the model's input and layer outputs.
int64_t widest_activation(const Sequential& model) {
    int64_t widest = model.input_shape().with_batch(1).numel();
    for (const auto& layer : model.layers()) widest = std::max(widest, layer->output_shape().with_batch(1).numel());
    return widest;
}

int64_t inference_chunk(const Sequential& model, int64_t batch_size) {
    const int64_t by_size = kInferenceChunkBytes / (widest_activation(model) * int64_t(sizeof(float)));
    return std::min(batch_size, std::clamp(by_size, kMinInferenceChunk, kMaxInferenceChunk));
}

// Batch b of an epoch's sample order.
std::span<const int64_t> batch_rows(const std::vector<int64_t>& order, int64_t b, int64_t batch_size) {
    const auto begin = static_cast<size_t>(b * batch_size);
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    return {order.data() + begin, end - begin};
}

int64_t batch_count(int64_t samples, int64_t batch_size) { return (samples + batch_size - 1) / batch_size; }

bool contains_trainable_batch_norm(const Layer& layer) {
    if (dynamic_cast<const BatchNormalization*>(&layer) != nullptr) return layer.trainable();
    for (const Layer* sub : layer.sublayers())
        if (contains_trainable_batch_norm(*sub)) return true;
    return false;
}

}  // namespace

void Sequential::compile(OptimizerArg optimizer, LossArg loss, std::vector<std::string> metrics,
                         std::vector<std::string> weighted_metrics) {
    optimizer_ = optimizer.get();
    loss_ = loss.get();
    metrics_.clear();
    for (const std::string& m : metrics) {
        (void)make_metric(m, loss_->name(), Shape{1}, Shape{});  // validates the name now
        metrics_.push_back({m, false, nullptr});
    }
    for (const std::string& m : weighted_metrics) {
        (void)make_metric(m, loss_->name(), Shape{1}, Shape{});
        metrics_.push_back({m, true, nullptr});
    }
}

void Sequential::require_compiled(const char* what) const {
    MINNOW_CHECK(optimizer_ != nullptr, StateError, "{}: {} before compile(); call compile(optimizer, loss, metrics) first",
                 describe(), what);
}

Optimizer& Sequential::optimizer() const {
    require_compiled("optimizer()");
    return *optimizer_;
}

const Loss& Sequential::loss() const {
    require_compiled("loss()");
    return *loss_;
}

void Sequential::reset_metrics() {
    for (auto& slot : metrics_)
        if (slot.metric) slot.metric->reset();
}

void Sequential::update_metrics(const Tensor& y_pred, const Tensor& y_true, const Tensor& sample_weight) {
    for (auto& slot : metrics_) {
        if (!slot.metric)  // made on first use, when the output and target shapes are known
            slot.metric = make_metric(slot.name, loss_->name(), y_pred.shape().sample(), y_true.shape().sample());
        slot.metric->update(y_pred, y_true, slot.weighted ? sample_weight : Tensor());
    }
}

Logs Sequential::collect_logs(double loss, const std::string& prefix) const {
    Logs logs{{prefix + "loss", loss}};
    for (const auto& slot : metrics_) {
        if (!slot.metric) continue;
        const bool also_unweighted = std::any_of(metrics_.begin(), metrics_.end(), [&](const MetricSlot& other) {
            return !other.weighted && other.metric && other.metric->name() == slot.metric->name();
        });
        const std::string name = slot.weighted && also_unweighted ? "weighted_" + slot.metric->name() : slot.metric->name();
        logs[prefix + name] = slot.metric->result();
    }
    return logs;
}

Sequential::StepResult Sequential::compute_gradients(Tensor x, const Tensor& y, const Tensor& sample_weight,
                                                     float loss_scale) {
    ensure_built(x.shape());
    // Moved, not copied: a copy of W1's 32 x 784 batch was 2.4% of a 2-thread W1-BN epoch's samples.
    Variable input(std::move(x));
    const detail::Plan& plan = training_plan();
    Variable loss;
    Tensor y_pred;
    if (loss_->fuses_with(plan.final_activation)) {
        // softmax / sigmoid and the cross-entropy as one op on the logits: stable, and one pass.
        Variable logits = plan.run(input, Mode::Train, true);
        loss = loss_->from_logits(logits, y, sample_weight);
        NoGradGuard no_grad;
        y_pred = activation(logits, plan.final_activation).value();
    } else {
        Variable out = plan.run(input, Mode::Train);
        loss = (*loss_)(out, y, sample_weight);
        y_pred = out.value();
    }
    const double value = loss.value().item();
    if (loss_scale == 1.0f)
        loss.backward();
    else
        (loss * loss_scale).backward();
    return {value, std::move(y_pred)};
}

Sequential::StepResult Sequential::train_step(Tensor x, const Tensor& y, const Tensor& sample_weight,
                                              const std::function<void(const std::vector<Variable>&)>& before_update) {
    StepResult r = compute_gradients(std::move(x), y, sample_weight, 1.0f);
    const std::vector<Variable> weights = trainable_weights();
    if (before_update) before_update(weights);
    optimizer_->apply(weights);
    return r;
}

Sequential::StepResult Sequential::test_step(const detail::Plan& plan, const Dataset& data,
                                             std::span<const int64_t> rows, const Tensor& y,
                                             const Tensor& sample_weight) {
    NoGradGuard no_grad;
    if (loss_->fuses_with(plan.final_activation)) {
        const Variable logits(detail::run_rows(plan, data, rows, true));
        const double value = loss_->from_logits(logits, y, sample_weight).value().item();
        return {value, activation(logits, plan.final_activation).value()};
    }
    const Variable out(detail::run_rows(plan, data, rows));
    return {(*loss_)(out, y, sample_weight).value().item(), out.value()};
}

void Sequential::check_targets(const Dataset& data) const {
    MINNOW_CHECK(data.has_targets(), ValueError, "{}: training needs targets (y)", describe());
    if (loss_->name() != "sparse_categorical_crossentropy") return;
    // Check every label once, up front, rather than failing in the middle of an epoch.
    const int64_t classes = output_shape()[-1];
    constexpr int64_t kChunk = 4096;
    std::vector<int64_t> rows;
    for (int64_t begin = 0; begin < data.size(); begin += kChunk) {
        rows.resize(static_cast<size_t>(std::min(kChunk, data.size() - begin)));
        std::iota(rows.begin(), rows.end(), begin);
        const Tensor labels = data.gather_y(rows);
        for (int64_t i = 0; i < labels.numel(); ++i) {
            const float label = labels.data()[i];
            MINNOW_CHECK(label >= 0 && label < float(classes) && std::floor(label) == label, ValueError,
                         "{}: label {} (sample {}) is outside [0, {}): the output layer '{}' has {} units", describe(),
                         label, begin + i, classes, layers_.back()->name(), classes);
        }
    }
}

History Sequential::fit(const Tensor& x, const Tensor& y, FitOptions options) {
    MINNOW_CHECK(x.defined() && y.defined() && x.rank() >= 1 && y.rank() >= 1, ValueError,
                 "{}: fit needs x and y with a sample axis", describe());
    MINNOW_CHECK(x.dim(0) == y.dim(0), ValueError,
                 "{}: x and y have different numbers of samples: x {} has {}, y {} has {}", describe(), x.shape(),
                 x.dim(0), y.shape(), y.dim(0));
    return fit(TensorDataset::view(x, y), std::move(options));
}

History Sequential::fit(std::shared_ptr<const Dataset> train, FitOptions options) {
    require_compiled("fit()");
    const detail::FlushDenormals flush;
    MINNOW_CHECK(options.epochs >= 0 && options.initial_epoch >= 0, ValueError,
                 "{}: epochs ({}) and initial_epoch ({}) must be >= 0", describe(), options.epochs,
                 options.initial_epoch);
    MINNOW_CHECK(options.batch_size >= 1, ValueError, "{}: batch_size must be >= 1, got {}", describe(),
                 options.batch_size);
    MINNOW_CHECK(options.validation_split >= 0.0 && options.validation_split < 1.0, ValueError,
                 "{}: validation_split must be in [0, 1), got {}", describe(), options.validation_split);

    MINNOW_CHECK(!(options.sample_weight.defined() && !options.class_weight.empty()), ValueError,
                 "{}: fit was given both sample_weight and class_weight; give one (multiply them yourself to combine)",
                 describe());
    Tensor weights = options.sample_weight;
    if (weights.defined()) (void)check_sample_weight("fit: sample_weight", weights, train->size());
    if (!options.class_weight.empty()) weights = detail::class_weights_for(*train, options.class_weight, describe());

    std::shared_ptr<const Dataset> validation = options.validation_data.data;
    Tensor validation_weights = options.validation_data.sample_weight;
    if (options.validation_split > 0.0 && !validation) {
        // Keras holds out the last fraction of the samples (and of their weights), before any shuffling.
        const int64_t n = train->size();
        const auto held = static_cast<int64_t>(std::floor(double(n) * options.validation_split));
        MINNOW_CHECK(held > 0 && held < n, ValueError, "{}: validation_split={} of {} samples leaves an empty split",
                     describe(), options.validation_split, n);
        validation = std::make_shared<SubsetDataset>(train, n - held, n);
        train = std::make_shared<SubsetDataset>(train, 0, n - held);
        if (weights.defined()) {
            // Sample weights follow their samples; class weights apply to training only.
            if (options.sample_weight.defined()) validation_weights = detail::rows_between(weights, n - held, n);
            weights = detail::rows_between(weights, 0, n - held);
        }
    }
    if (validation_weights.defined())
        (void)check_sample_weight("fit: validation sample_weight", validation_weights, validation->size());
    const int64_t n = train->size();
    MINNOW_CHECK(n > 0, ValueError, "{}: no training samples", describe());
    ensure_built(train->sample_shape().batched(n));
    check_targets(*train);
    if (validation) {
        ensure_built(validation->sample_shape().batched(validation->size()));
        check_targets(*validation);
    }
    MINNOW_CHECK(!(n % options.batch_size == 1 && n > 1 && contains_trainable_batch_norm(*this)), ValueError,
                 "{}: {} samples in batches of {} leave a last batch of one sample, which BatchNormalization cannot "
                 "train on; choose another batch_size or drop a sample",
                 describe(), n, options.batch_size);

    check_memory(std::min(options.batch_size, n), options.memory_limit);

    const bool parallel = options.distributed.enabled && distributed::size() > 1;
    std::optional<distributed::DataParallelScope> parallel_scope;
    if (parallel) {
        detail::check_data_parallel(options.distributed, distributed::size(), describe());
        check_shards(n, options.batch_size, options.distributed);
        ensure_metrics(*train);
        parallel_scope.emplace();
    }
    const int64_t steps = batch_count(n, options.batch_size);
    const int last_epoch = options.epochs;
    auto history = std::make_shared<History>();
    std::vector<std::shared_ptr<Callback>> callbacks{history};
    if (options.verbose > 0 && (!parallel || distributed::is_writer()))
        callbacks.push_back(std::make_shared<ProgressBar>(options.verbose, steps, last_epoch));
    for (auto& c : options.callbacks) callbacks.push_back(c);
    for (auto& c : callbacks) c->set_model(this);

    // Every rank draws the same shuffles: rank 0's seed.
    std::vector<uint64_t> seed{options.seed ? *options.seed : global_rng().next_u64()};
    if (parallel) distributed::broadcast(seed);
    Rng shuffler(seed[0]);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);

    stop_training = false;
    for (auto& c : callbacks) c->on_train_begin({});
    int first_epoch = options.initial_epoch;
    for (auto& c : callbacks)
        if (const auto restored = c->restored_epoch()) first_epoch = std::max(first_epoch, *restored);
    if (parallel) {
        // Rank 0's state, restored from a backup or not, is every rank's.
        std::vector<uint64_t> first{static_cast<uint64_t>(first_epoch)};
        distributed::broadcast(first);
        first_epoch = static_cast<int>(first[0]);
        detail::broadcast_training_state(*this, optimizer_.get());
    }
    Logs epoch_logs;
    // The epochs before the first drew their shuffles; draw them again so a resumed run goes on
    // with the order the uninterrupted one would have.
    if (options.shuffle)
        for (int epoch = 0; epoch < first_epoch; ++epoch) shuffle(order, shuffler);
    // This rank's part of a global batch under data parallelism.
    const auto my_shard = [&](std::span<const int64_t> batch) {
        const auto [lo, hi] = detail::shard_bounds(static_cast<int64_t>(batch.size()), options.distributed.shard_shares,
                                                   distributed::rank(), distributed::size());
        return batch.subspan(static_cast<size_t>(lo), static_cast<size_t>(hi - lo));
    };
    for (int epoch = first_epoch; epoch < last_epoch && !stop_training; ++epoch) {
        for (auto& c : callbacks) c->on_epoch_begin(epoch, {});
        if (options.shuffle) shuffle(order, shuffler);
        reset_metrics();
        double loss_sum = 0.0;
        int64_t seen = 0;
        for (int64_t b = 0; b < steps && !stop_training; ++b) {
            for (auto& c : callbacks) c->on_batch_begin(static_cast<int>(b), {});
            const auto rows = batch_rows(order, b, options.batch_size);
            const auto on_gradients = [&](const std::vector<Variable>& trainable) {
                for (auto& c : callbacks) c->on_gradients(static_cast<int>(b), trainable);
            };
            if (parallel) {
                const auto shard = my_shard(rows);
                if (b + 1 < steps) train->prefetch(my_shard(batch_rows(order, b + 1, options.batch_size)));
                const StepResult r = data_parallel_step(*train, shard, static_cast<int64_t>(rows.size()), weights,
                                                        on_gradients);
                loss_sum += r.loss * double(rows.size());
            } else {
                Tensor xb = train->gather_x(rows);
                const Tensor yb = train->gather_y(rows);
                const Tensor wb = weights.defined() ? gather_rows(weights, rows) : Tensor();
                // The next batch's images come in from memory while this step computes.
                if (b + 1 < steps) train->prefetch(batch_rows(order, b + 1, options.batch_size));
                const StepResult r = train_step(std::move(xb), yb, wb, on_gradients);
                // Keras' running loss: the mean of batch losses weighted by batch size.
                loss_sum += r.loss * double(rows.size());
                update_metrics(r.y_pred, yb, wb);
            }
            seen += static_cast<int64_t>(rows.size());
            const Logs batch_logs = collect_logs(loss_sum / double(seen));
            for (auto& c : callbacks) c->on_batch_end(static_cast<int>(b), batch_logs);
        }
        epoch_logs = collect_logs(loss_sum / double(std::max<int64_t>(seen, 1)));
        if (validation) {
            const Logs val = run_evaluation(*validation, options.batch_size, validation_weights, parallel);
            for (const auto& [key, value] : val) epoch_logs["val_" + key] = value;
        }
        // A schedule's rate is part of the record, as the learning-rate callbacks' is.
        if (optimizer_->learning_rate_setting().schedule()) epoch_logs["learning_rate"] = optimizer_->learning_rate();
        for (auto& c : callbacks) c->add_to_logs(epoch, epoch_logs);
        for (auto& c : callbacks) c->on_epoch_end(epoch, epoch_logs);
    }
    for (auto& c : callbacks) c->on_train_end(epoch_logs);
    return *history;
}

void Sequential::check_memory(int64_t batch_size, int64_t limit) const {
    if (limit < 0) return;
    const int64_t bytes = limit > 0 ? limit : available_memory();
    if (bytes <= 0) return;  // nothing known to check against
    const MemoryEstimate e = estimate_training_memory(*this, batch_size);
    MINNOW_CHECK(e.total() <= bytes, ValueError,
                 "{}: a training step at batch_size {} needs about {}, more than the {:.0f} MB {}; the largest batch size "
                 "that fits is {} (FitOptions::memory_limit = -1 skips this check)",
                 describe(), batch_size, e.str(), double(bytes) / 1e6, limit > 0 ? "allowed" : "available",
                 largest_batch_that_fits(*this, bytes));
}

Logs Sequential::run_evaluation(const Dataset& data, int64_t batch_size, const Tensor& sample_weight,
                                bool distributed) {
    MINNOW_CHECK(batch_size >= 1, ValueError, "{}: batch_size must be >= 1, got {}", describe(), batch_size);
    const int64_t n = data.size();
    MINNOW_CHECK(n > 0, ValueError, "{}: nothing to evaluate (0 samples)", describe());
    ensure_built(data.sample_shape().batched(n));
    const bool split = distributed && distributed::size() > 1;
    if (split) ensure_metrics(data);
    reset_metrics();
    // Split: this rank's contiguous part of the samples; the sums are reduced at the end.
    const auto [first, last] = split ? detail::shard_bounds(n, {}, distributed::rank(), distributed::size())
                                     : std::pair<int64_t, int64_t>{0, n};
    std::vector<int64_t> order(static_cast<size_t>(last - first));
    std::iota(order.begin(), order.end(), first);
    double loss_sum = 0.0;
    const int64_t chunk = inference_chunk(*this, batch_size);
    const detail::Plan plan = detail::inference_plan(layers_);
    for (int64_t b = 0; b < batch_count(last - first, chunk); ++b) {
        const auto rows = batch_rows(order, b, chunk);
        const Tensor yb = data.gather_y(rows);
        const Tensor wb = sample_weight.defined() ? gather_rows(sample_weight, rows) : Tensor();
        const StepResult r = test_step(plan, data, rows, yb, wb);
        loss_sum += r.loss * double(rows.size());
        update_metrics(r.y_pred, yb, wb);
    }
    if (split) {
        std::vector<double> sums = metric_states();
        sums.push_back(loss_sum);
        distributed::allreduce_sum(sums);
        loss_sum = sums.back();
        sums.pop_back();
        set_metric_states(sums);
    }
    return collect_logs(loss_sum / double(n));
}

Logs Sequential::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size, int verbose,
                          const Tensor& sample_weight) {
    MINNOW_CHECK(x.defined() && y.defined() && x.rank() >= 1 && y.rank() >= 1 && x.dim(0) == y.dim(0), ValueError,
                 "{}: evaluate needs x and y with the same number of samples, got x {} and y {}", describe(),
                 x.defined() ? x.shape().str() : "nothing", y.defined() ? y.shape().str() : "nothing");
    return evaluate(*TensorDataset::view(x, y), batch_size, verbose, sample_weight);
}

Logs Sequential::evaluate(const Dataset& data, int64_t batch_size, int verbose, const Tensor& sample_weight) {
    return evaluate(data, batch_size, verbose, sample_weight, false);
}

Logs Sequential::evaluate(const Dataset& data, int64_t batch_size, int verbose, const Tensor& sample_weight,
                          bool distributed) {
    require_compiled("evaluate()");
    const detail::FlushDenormals flush;
    check_targets(data);
    if (sample_weight.defined()) (void)check_sample_weight("evaluate: sample_weight", sample_weight, data.size());
    const Logs logs = run_evaluation(data, batch_size, sample_weight, distributed);
    if (verbose > 0 && distributed::is_writer()) {
        std::string line;
        for (const auto& [key, value] : logs) line += fmt::format(" - {}: {:.4f}", key, value);
        fmt::print("evaluate:{}\n", line);
    }
    return logs;
}

Tensor Sequential::predict(const Tensor& x, int64_t batch_size) {
    MINNOW_CHECK(x.defined() && x.rank() >= 1, ValueError, "{}: predict needs x with a sample axis", describe());
    return predict(*TensorDataset::view(x, Tensor()), batch_size);
}

Tensor Sequential::predict(const Dataset& data, int64_t batch_size) { return predict(data, batch_size, false); }

Tensor Sequential::predict(const Dataset& data, int64_t batch_size, bool distributed) {
    MINNOW_CHECK(batch_size >= 1, ValueError, "{}: batch_size must be >= 1, got {}", describe(), batch_size);
    const int64_t n = data.size();
    ensure_built(data.sample_shape().batched(n));
    NoGradGuard no_grad;
    const detail::FlushDenormals flush;
    const bool split = distributed && distributed::size() > 1;
    // Split: each rank fills its part of a zeroed output; a sum across ranks assembles it exactly.
    Tensor out = split ? Tensor::zeros(output_shape().with_batch(n)) : Tensor(output_shape().with_batch(n));
    const int64_t row_size = n == 0 ? 0 : out.numel() / n;
    const auto [first, last] = split ? detail::shard_bounds(n, {}, distributed::rank(), distributed::size())
                                     : std::pair<int64_t, int64_t>{0, n};
    std::vector<int64_t> order(static_cast<size_t>(last - first));
    std::iota(order.begin(), order.end(), first);
    const int64_t chunk = inference_chunk(*this, batch_size);
    const detail::Plan plan = detail::inference_plan(layers_);
    detail::run_chunks(plan, data, order, chunk, row_size, out.data() + first * row_size);
    if (split) distributed::allreduce_sum(std::span<float>(out.data(), static_cast<size_t>(out.numel())));
    return out;
}

Tensor Sequential::predict_on_batch(const Tensor& x) {
    MINNOW_CHECK(x.defined() && x.rank() >= 1 && x.dim(0) >= 1, ValueError,
                 "{}: predict_on_batch needs x with a sample axis and at least one sample", describe());
    ensure_built(x.shape());
    NoGradGuard no_grad;
    const detail::FlushDenormals flush;
    return detail::inference_plan(layers_).run(Variable(x), Mode::Infer).value();
}

Logs Sequential::train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
                                const std::map<int64_t, double>& class_weight) {
    require_compiled("train_on_batch()");
    const detail::FlushDenormals flush;
    const auto data = TensorDataset::view(x, y);
    ensure_built(x.shape());
    check_targets(*data);
    MINNOW_CHECK(!(sample_weight.defined() && !class_weight.empty()), ValueError,
                 "{}: train_on_batch was given both sample_weight and class_weight; give one", describe());
    const Tensor weights =
        class_weight.empty() ? sample_weight : detail::class_weights_for(*data, class_weight, describe());
    if (weights.defined()) (void)check_sample_weight("train_on_batch: sample_weight", weights, data->size());
    reset_metrics();
    const StepResult r = train_step(x, y, weights);
    update_metrics(r.y_pred, y, weights);
    return collect_logs(r.loss);
}

Logs Sequential::test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
    require_compiled("test_on_batch()");
    const detail::FlushDenormals flush;
    const auto data = TensorDataset::view(x, y);
    ensure_built(x.shape());
    check_targets(*data);
    if (sample_weight.defined()) (void)check_sample_weight("test_on_batch: sample_weight", sample_weight, data->size());
    reset_metrics();
    std::vector<int64_t> rows(static_cast<size_t>(data->size()));
    std::iota(rows.begin(), rows.end(), 0);
    const StepResult r = test_step(detail::inference_plan(layers_), *data, rows, y, sample_weight);
    update_metrics(r.y_pred, y, sample_weight);
    return collect_logs(r.loss);
}

}  // namespace minnow
