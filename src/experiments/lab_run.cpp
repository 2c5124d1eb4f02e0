// One lab run: build the spec's network, train it, measure what its claim needs.
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <numeric>

#include "experiments/lab_network.hpp"
#include "minnow/core/error.hpp"
#include "minnow/metrics/metrics.hpp"
#include "minnow/models/activation_statistics.hpp"
#include "minnow/models/batch_norm_statistics.hpp"
#include "minnow/optim/optimizer.hpp"

namespace minnow::experiments {

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A view of some rows of a dataset, in the given order.
class RowsDataset : public Dataset {
public:
    RowsDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> rows) : base_(std::move(base)), rows_(std::move(rows)) {}
    int64_t size() const override { return static_cast<int64_t>(rows_.size()); }
    Shape sample_shape() const override { return base_->sample_shape(); }
    Shape target_shape() const override { return base_->target_shape(); }
    Tensor gather_x(std::span<const int64_t> rows) const override { return base_->gather_x(map(rows)); }
    Tensor gather_y(std::span<const int64_t> rows) const override { return base_->gather_y(map(rows)); }
    void prefetch(std::span<const int64_t> rows) const override { base_->prefetch(map(rows)); }
    bool concurrent_gather() const override { return base_->concurrent_gather(); }

private:
    std::vector<int64_t> map(std::span<const int64_t> rows) const {
        std::vector<int64_t> out;
        for (int64_t r : rows) out.push_back(rows_[static_cast<size_t>(r)]);
        return out;
    }
    std::shared_ptr<const Dataset> base_;
    std::vector<int64_t> rows_;
};

// The rows of `data` whose label is below `split` (or at least it), at most `limit` (0: all).
std::shared_ptr<const Dataset> by_label(const std::shared_ptr<const Dataset>& data, int64_t split, bool below,
                                        int64_t limit) {
    std::vector<int64_t> all(static_cast<size_t>(data->size()));
    std::iota(all.begin(), all.end(), 0);
    const Tensor labels = data->gather_y(all);
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < labels.numel() && (limit == 0 || static_cast<int64_t>(rows.size()) < limit); ++i)
        if ((labels.flat(i) < float(split)) == below) rows.push_back(i);
    return std::make_shared<RowsDataset>(data, std::move(rows));
}

std::shared_ptr<const Dataset> first(const std::shared_ptr<const Dataset>& data, int64_t n) {
    if (n <= 0 || n >= data->size()) return data;
    return std::make_shared<SubsetDataset>(data, 0, n);
}

double accuracy_of(Sequential& model, const Dataset& data) {
    std::vector<int64_t> rows(static_cast<size_t>(data.size()));
    std::iota(rows.begin(), rows.end(), 0);
    metrics::SparseCategoricalAccuracy accuracy;
    accuracy.update(model.predict(data, 1024), data.gather_y(rows));
    return accuracy.result();
}

// Every `every` steps: validation accuracy with the moving statistics, with each batch's own
// statistics and after recalibration (the moving statistics are put back before the next step).
class StatisticsModes : public Callback {
public:
    StatisticsModes(std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> validation, int64_t every,
                    int64_t batch_size, uint64_t seed)
        : train_(std::move(train)), validation_(std::move(validation)), every_(every), batch_(batch_size), seed_(seed) {}
    void on_batch_end(int, const Logs&) override {
        if (++step_ % every_ != 0) return;
        Sequential& m = model();
        std::map<std::string, double> point{{"step", double(step_)}};
        point["moving"] = accuracy_of(m, *validation_);
        point["batch_statistics"] = batch_statistics_accuracy(m, *validation_, batch_, seed_);
        const std::vector<Tensor> saved = m.get_weights();
        recalibrate_batch_norm(m, *train_, {.batches = 32, .batch_size = batch_, .seed = seed_ + uint64_t(step_)});
        point["recalibrated"] = accuracy_of(m, *validation_);
        m.set_weights(saved);
        points.push_back(std::move(point));
    }
    std::vector<std::map<std::string, double>> points;

private:
    std::shared_ptr<const Dataset> train_, validation_;
    int64_t every_, batch_;
    uint64_t seed_;
    int64_t step_ = 0;
};

void compile(Sequential& model, const RunSpec& spec) {
    if (spec.optimizer == "sgd")
        model.compile(SGD(spec.learning_rate), "sparse_categorical_crossentropy", {"accuracy"});
    else
        model.compile(Adam(spec.learning_rate), "sparse_categorical_crossentropy", {"accuracy"});
}

// The mean saturated fraction of the hidden activations (sigmoid / tanh) at the last point.
double saturation(const ActivationStatistics& stats) {
    int64_t last = 0;
    for (const auto& r : stats.records()) last = std::max(last, r.step);
    double sum = 0;
    int count = 0;
    for (const auto& r : stats.records())
        if (r.step == last && r.statistic == "saturated_fraction" && r.class_name == "Activation") sum += r.value, ++count;
    return count > 0 ? sum / count : NAN;
}

}  // namespace

std::string RunSpec::id() const { return fmt::format("{}/{}/{}/{}", claim, point, arm, seed); }

std::string RunSpec::canonical() const {
    return fmt::format(
        "claim={}\npoint={}\nx={}\narm={}\nseed={}\nmodel={}\nnorm={}\nwith_norm={}\nnorm_after_activation={}\n"
        "hidden_layers={}\nwidth={}\nactivation={}\ninit_stddev={}\ndropout={}\nmomentum={}\noptimizer={}\n"
        "learning_rate={}\nbatch_size={}\nepochs={}\ntrain_limit={}\nval_every={}\nmeasure_saturation={}\n"
        "measure_statistics_modes={}\ntransfer={}\nsplit={}\npretrain_epochs={}\nfinetune_samples={}\nfreeze_norm={}\n",
        claim, point, x, arm, seed, model_kind_name(model), norm_kind_name(norm), with_norm, norm_after_activation,
        hidden_layers, width, activation, init_stddev, dropout, momentum, optimizer, learning_rate, batch_size, epochs,
        train_limit, val_every, measure_saturation, measure_statistics_modes, transfer, split, pretrain_epochs,
        finetune_samples, freeze_norm);
}

RunResult run_one(const RunSpec& spec, const LabData& data) {
    const double start = now_seconds();
    RunResult result;
    result.spec = spec;
    std::shared_ptr<const Dataset> train = first(data.train, spec.train_limit), test = data.test;
    Sequential model = detail::lab_network(spec);

    if (spec.transfer) {
        // Pretrain on the classes below the split, then fine-tune on a few samples of the others,
        // the normalization layers frozen (inference mode, no updates) or not.
        Sequential& m = model;
        compile(m, spec);
        m.fit(by_label(data.train, spec.split, true, 0),
              {.epochs = spec.pretrain_epochs, .batch_size = spec.batch_size, .seed = spec.seed, .verbose = 0});
        result.metrics["pretrain_val_accuracy"] = accuracy_of(m, *by_label(data.test, spec.split, true, 0));
        if (spec.freeze_norm)
            for (const auto& layer : m.layers())
                if (layer->class_name() == "BatchNormalization") layer->set_trainable(false);
        compile(m, spec);  // a fresh optimizer for the new task
        train = by_label(data.train, spec.split, false, spec.finetune_samples);
        test = by_label(data.test, spec.split, false, 0);
    } else {
        compile(model, spec);
    }

    auto nan = std::make_shared<TerminateOnNaN>(false);
    std::vector<std::shared_ptr<Callback>> callbacks;
    callbacks.push_back(nan);
    std::shared_ptr<TimeToAccuracy> progress;
    if (spec.val_every > 0 && !spec.measure_statistics_modes) {
        progress = std::make_shared<TimeToAccuracy>(test, spec.val_every, 2000, spec.seed);
        callbacks.push_back(progress);
    }
    std::shared_ptr<StatisticsModes> modes;
    if (spec.measure_statistics_modes) {
        modes = std::make_shared<StatisticsModes>(train, first(test, 2000), spec.val_every, spec.batch_size, spec.seed);
        callbacks.push_back(modes);
    }
    std::shared_ptr<ActivationStatistics> stats;
    if (spec.measure_saturation) {
        stats = std::make_shared<ActivationStatistics>(train, ActivationStatisticsOptions{.seed = spec.seed});
        callbacks.push_back(stats);
    }
    result.history = model.fit(train, {.epochs = spec.epochs,
                                       .batch_size = spec.batch_size,
                                       .validation_data = ValidationData(test),
                                       .seed = spec.seed,
                                       .verbose = 0,
                                       .callbacks = callbacks});
    if (nan->diverged()) result.diverged = Divergence{nan->epoch(), nan->batch()};
    if (progress) result.progress = progress->points();
    if (modes) result.modes = modes->points;

    // The metrics the claims read. A diverged run keeps what it had before it diverged.
    auto& m = result.metrics;
    m["diverged"] = result.diverged ? 1.0 : 0.0;
    const std::vector<double>& val = result.history.history["val_accuracy"];
    const size_t good = result.diverged ? static_cast<size_t>(result.diverged->epoch) : val.size();
    double best = NAN;
    for (size_t e = 0; e < good && e < val.size(); ++e) best = std::isnan(best) ? val[e] : std::max(best, val[e]);
    m["best_val_accuracy"] = best;
    m["final_val_accuracy"] = good > 0 && good <= val.size() ? val[good - 1] : NAN;
    if (!result.diverged) {
        m["final_val_loss"] = result.history.history["val_loss"].back();
        m["train_accuracy"] = accuracy_of(model, *first(train, 10000));
        m["gap"] = m["train_accuracy"] - m["final_val_accuracy"];
    }
    if (stats) m["saturated_fraction"] = saturation(*stats);
    for (double milestone : {0.95, 0.97, 0.98}) {
        for (const auto& p : result.progress)
            if (p.accuracy >= milestone) {
                m[fmt::format("steps_to_{}", milestone)] = double(p.step);
                m[fmt::format("seconds_to_{}", milestone)] = p.seconds;
                break;
            }
    }
    result.seconds = now_seconds() - start;
    return result;
}

}  // namespace minnow::experiments
