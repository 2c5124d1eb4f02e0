#include "minnow/experiments/callbacks.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/metrics/metrics.hpp"
#include "minnow/models/batch_norm_statistics.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::experiments {

namespace {
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

RecalibratedValidation::RecalibratedValidation(std::shared_ptr<const Dataset> train,
                                               std::shared_ptr<const Dataset> validation, int64_t batch_size,
                                               uint64_t seed)
    : train_(std::move(train)), validation_(std::move(validation)), batch_size_(batch_size), seed_(seed) {
    MINNOW_CHECK(train_ && validation_, ValueError, "RecalibratedValidation: needs training and validation data");
}

void RecalibratedValidation::on_epoch_end(int epoch, const Logs& logs) {
    Sequential& model = this->model();
    const uint64_t seed = seed_ + static_cast<uint64_t>(epoch);
    const int64_t batch = std::max<int64_t>(batch_size_, 2);
    const std::vector<Tensor> saved = model.get_weights();
    const RecalibrateResult r = recalibrate_batch_norm(model, *train_, {.batch_size = batch, .seed = seed});
    if (r.layers == 0) {
        // Nothing uses batch statistics: all three are the plain validation's.
        const double accuracy = logs.count("val_accuracy") ? logs.at("val_accuracy") : 0.0;
        values_["val_accuracy_recalibrated"].push_back(accuracy);
        values_["val_loss_recalibrated"].push_back(logs.count("val_loss") ? logs.at("val_loss") : 0.0);
        values_["val_accuracy_batch_statistics"].push_back(accuracy);
        return;
    }
    // The epoch's logs are taken already, so evaluate's metric reset costs the epoch nothing.
    const Logs recalibrated = model.evaluate(*validation_, 256);
    model.set_weights(saved);
    values_["val_accuracy_recalibrated"].push_back(recalibrated.count("accuracy") ? recalibrated.at("accuracy") : 0.0);
    values_["val_loss_recalibrated"].push_back(recalibrated.at("loss"));
    values_["val_accuracy_batch_statistics"].push_back(batch_statistics_accuracy(model, *validation_, batch, seed));
}

void TrainingTime::on_batch_begin(int, const Logs&) { start_ = now_seconds(); }

void TrainingTime::on_batch_end(int, const Logs&) {
    if (!seconds_.empty()) seconds_.back() += now_seconds() - start_;
}

TimeToAccuracy::TimeToAccuracy(std::shared_ptr<const Dataset> validation, int64_t every, int64_t subset, uint64_t seed)
    : validation_(std::move(validation)), every_(every), subset_(subset), seed_(seed) {
    MINNOW_CHECK(validation_ != nullptr, ValueError, "TimeToAccuracy: needs validation data");
    MINNOW_CHECK(every_ >= 1, ValueError, "TimeToAccuracy: every must be >= 1 batch, got {}", every_);
    MINNOW_CHECK(subset_ >= 0, ValueError, "TimeToAccuracy: subset must be >= 0, got {}", subset_);
}

void TimeToAccuracy::on_train_begin(const Logs&) {
    const int64_t n = validation_->size();
    std::vector<int64_t> rows(static_cast<size_t>(n));
    std::iota(rows.begin(), rows.end(), 0);
    Rng rng(seed_);
    shuffle(rows, rng);
    if (subset_ > 0 && subset_ < n) rows.resize(static_cast<size_t>(subset_));
    x_ = validation_->gather_x(rows);
    y_ = validation_->gather_y(rows);
    step_ = 0;
    seconds_ = 0.0;
    points_.clear();
}

void TimeToAccuracy::on_batch_begin(int, const Logs&) { batch_start_ = now_seconds(); }

void TimeToAccuracy::on_batch_end(int, const Logs&) {
    seconds_ += now_seconds() - batch_start_;
    if (++step_ % every_ != 0) return;
    // predict leaves the model's metrics alone: fit is still accumulating the epoch's.
    metrics::SparseCategoricalAccuracy accuracy;
    accuracy.update(model().predict(x_, 1024), y_);
    points_.push_back({step_, seconds_, accuracy.result()});
}

}  // namespace minnow::experiments
