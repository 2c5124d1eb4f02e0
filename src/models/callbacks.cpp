#include "minnow/models/callbacks.hpp"

#include <chrono>
#include <cmath>
#include <fmt/args.h>
#include <fmt/format.h>
#include <iostream>

#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow {

namespace {
double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Sequential& Callback::model() const {
    MINNOW_CHECK(model_ != nullptr, StateError, "callback: no model yet (fit() sets it before on_train_begin)");
    return *model_;
}

bool monitor_maximizes(const std::string& monitor, const std::string& mode) {
    if (mode == "max") return true;
    if (mode == "min") return false;
    MINNOW_CHECK(mode == "auto", ValueError, "callback: mode must be 'auto', 'min' or 'max', got '{}'", mode);
    return monitor.find("acc") != std::string::npos;
}

const std::vector<double>& History::at(const std::string& key) const {
    auto it = history.find(key);
    if (it == history.end()) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : history) keys.push_back(k);
        throw ValueError(fmt::format("History: no '{}' recorded; recorded: {}", key, fmt::join(keys, ", ")));
    }
    return it->second;
}

void History::on_train_begin(const Logs&) {}

void History::on_epoch_begin(int, const Logs&) { epoch_start_ = now_seconds(); }

void History::on_epoch_end(int e, const Logs& logs) {
    epoch.push_back(e);
    seconds.push_back(now_seconds() - epoch_start_);
    for (const auto& [key, value] : logs) history[key].push_back(value);
}

EarlyStopping::EarlyStopping(std::string monitor, double min_delta, int patience, std::string mode,
                             bool restore_best_weights)
    : monitor_(std::move(monitor)),
      min_delta_(std::fabs(min_delta)),
      patience_(patience),
      maximize_(monitor_maximizes(monitor_, mode)),
      restore_best_weights_(restore_best_weights) {
    MINNOW_CHECK(patience >= 0, ValueError, "EarlyStopping: patience must be >= 0, got {}", patience);
}

void EarlyStopping::on_train_begin(const Logs&) {
    wait_ = 0;
    stopped_epoch_ = -1;
    best_epoch_ = -1;
    best_.reset();
    best_weights_.clear();
}

bool EarlyStopping::improved(double current) const {
    if (!best_) return true;
    return maximize_ ? current - min_delta_ > *best_ : current + min_delta_ < *best_;
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
    auto it = logs.find(monitor_);
    if (it == logs.end()) {
        fmt::print(stderr, "EarlyStopping: '{}' is not in the logs; it cannot stop training\n", monitor_);
        return;
    }
    const double current = it->second;
    if (restore_best_weights_ && best_weights_.empty()) best_weights_ = model().get_weights();
    ++wait_;
    if (improved(current)) {
        best_ = current;
        best_epoch_ = epoch;
        if (restore_best_weights_) best_weights_ = model().get_weights();
        wait_ = 0;
        return;
    }
    if (wait_ >= patience_ && epoch > 0) {
        stopped_epoch_ = epoch;
        model().stop_training = true;
        if (restore_best_weights_ && !best_weights_.empty()) model().set_weights(best_weights_);
    }
}

ModelCheckpoint::ModelCheckpoint(std::string filepath, std::string monitor, bool save_best_only,
                                 bool save_weights_only, std::string mode)
    : filepath_(std::move(filepath)),
      monitor_(std::move(monitor)),
      save_best_only_(save_best_only),
      save_weights_only_(save_weights_only),
      maximize_(monitor_maximizes(monitor_, mode)) {}

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
    if (distributed::leaves_outputs_to_rank_0()) return;
    fmt::dynamic_format_arg_store<fmt::format_context> args;
    args.push_back(fmt::arg("epoch", epoch + 1));
    for (const auto& [key, value] : logs) args.push_back(fmt::arg(key.c_str(), value));
    std::string path;
    try {
        path = fmt::vformat(filepath_, args);
    } catch (const fmt::format_error& e) {
        throw ValueError(fmt::format("ModelCheckpoint: cannot format path '{}': {}", filepath_, e.what()));
    }
    if (save_best_only_) {
        auto it = logs.find(monitor_);
        if (it == logs.end()) {
            fmt::print(stderr, "ModelCheckpoint: '{}' is not in the logs; nothing saved\n", monitor_);
            return;
        }
        const double current = it->second;
        const bool better = !best_ || (maximize_ ? current > *best_ : current < *best_);
        if (!better) return;
        best_ = current;
    }
    if (save_weights_only_)
        model().save_weights(path);
    else
        model().save(path);
}

CSVLogger::CSVLogger(std::string filename, char separator, bool append)
    : filename_(std::move(filename)), separator_(separator), append_(append) {}

void CSVLogger::on_train_begin(const Logs&) {
    if (distributed::leaves_outputs_to_rank_0()) return;
    const bool had_content = append_ && std::ifstream(filename_).peek() != std::ifstream::traits_type::eof();
    file_.open(filename_, append_ ? std::ios::app : std::ios::trunc);
    MINNOW_CHECK(file_.good(), IoError, "CSVLogger: cannot open '{}' for writing", filename_);
    keys_.clear();
    if (had_content) keys_.push_back("");  // the header is already there
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
    if (!file_.is_open()) return;  // another rank writes the file
    const bool write_header = keys_.empty();
    if (keys_.empty() || keys_.front().empty()) {
        keys_.clear();
        for (const auto& [key, value] : logs) keys_.push_back(key);  // std::map: alphabetical
    }
    if (write_header) {
        file_ << "epoch";
        for (const auto& key : keys_) file_ << separator_ << key;
        file_ << "\n";
    }
    file_ << epoch;
    for (const auto& key : keys_) {
        auto it = logs.find(key);
        file_ << separator_ << (it == logs.end() ? std::string() : fmt::format("{}", it->second));
    }
    file_ << "\n";
    file_.flush();
}

void CSVLogger::on_train_end(const Logs&) { file_.close(); }

void TerminateOnNaN::on_train_begin(const Logs&) {
    diverged_ = false;
    epoch_ = 0;
    batch_ = -1;
}

void TerminateOnNaN::on_batch_end(int batch, const Logs& logs) {
    auto it = logs.find("loss");
    if (it != logs.end() && !std::isfinite(it->second)) {
        if (verbose_) fmt::print("Batch {}: Invalid loss, terminating training\n", batch);
        diverged_ = true;
        batch_ = batch;
        model().stop_training = true;
    }
}

LearningRateScheduler::LearningRateScheduler(std::function<double(int, double)> schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
    MINNOW_CHECK(schedule_ != nullptr, ValueError, "LearningRateScheduler: the schedule function is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch, const Logs&) {
    Optimizer& optimizer = model().optimizer();
    const double lr = schedule_(epoch, optimizer.learning_rate());
    MINNOW_CHECK(std::isfinite(lr) && lr >= 0.0, ValueError,
                 "LearningRateScheduler: the schedule returned learning rate {} for epoch {}; expected a finite value >= 0",
                 lr, epoch);
    optimizer.set_learning_rate(lr);
    if (verbose_ > 0) fmt::print("\nEpoch {}: LearningRateScheduler setting learning rate to {}.\n", epoch + 1, lr);
}

void LearningRateScheduler::add_to_logs(int, Logs& logs) { logs["learning_rate"] = model().optimizer().learning_rate(); }

ReduceLROnPlateau::ReduceLROnPlateau(std::string monitor, double factor, int patience, int verbose, std::string mode,
                                     double min_delta, int cooldown, double min_lr)
    : monitor_(std::move(monitor)),
      factor_(factor),
      patience_(patience),
      verbose_(verbose),
      maximize_(monitor_maximizes(monitor_, mode)),
      min_delta_(std::fabs(min_delta)),
      cooldown_(cooldown),
      min_lr_(min_lr) {
    MINNOW_CHECK(factor < 1.0 && factor >= 0.0, ValueError,
                 "ReduceLROnPlateau: factor must be in [0, 1): it multiplies the learning rate, got {}", factor);
    MINNOW_CHECK(patience >= 0 && cooldown >= 0, ValueError,
                 "ReduceLROnPlateau: patience ({}) and cooldown ({}) must be >= 0", patience, cooldown);
}

void ReduceLROnPlateau::on_train_begin(const Logs&) {
    wait_ = 0;
    cooldown_counter_ = 0;
    best_.reset();
}

bool ReduceLROnPlateau::improved(double current) const {
    if (!best_) return true;
    return maximize_ ? current > *best_ + min_delta_ : current < *best_ - min_delta_;
}

void ReduceLROnPlateau::add_to_logs(int, Logs& logs) { logs["learning_rate"] = model().optimizer().learning_rate(); }

void ReduceLROnPlateau::on_epoch_end(int epoch, const Logs& logs) {
    auto it = logs.find(monitor_);
    if (it == logs.end()) {
        fmt::print(stderr, "ReduceLROnPlateau: '{}' is not in the logs; it cannot reduce the learning rate\n", monitor_);
        return;
    }
    const double current = it->second;
    if (cooldown_counter_ > 0) {
        --cooldown_counter_;
        wait_ = 0;
    }
    if (improved(current)) {
        best_ = current;
        wait_ = 0;
        return;
    }
    if (cooldown_counter_ > 0 || ++wait_ < patience_) return;
    Optimizer& optimizer = model().optimizer();
    const double old_lr = optimizer.learning_rate();
    if (old_lr > min_lr_) {
        const double new_lr = std::max(old_lr * factor_, min_lr_);
        optimizer.set_learning_rate(new_lr);
        if (verbose_ > 0) fmt::print("\nEpoch {}: ReduceLROnPlateau reducing learning rate to {}.\n", epoch + 1, new_lr);
        cooldown_counter_ = cooldown_;
        wait_ = 0;
    }
}

}  // namespace minnow
