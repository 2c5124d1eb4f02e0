#include "minnow/models/callbacks.hpp"

#include <chrono>
#include <cmath>
#include <fmt/args.h>
#include <fmt/format.h>
#include <iostream>

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
    const bool had_content = append_ && std::ifstream(filename_).peek() != std::ifstream::traits_type::eof();
    file_.open(filename_, append_ ? std::ios::app : std::ios::trunc);
    MINNOW_CHECK(file_.good(), IoError, "CSVLogger: cannot open '{}' for writing", filename_);
    keys_.clear();
    if (had_content) keys_.push_back("");  // the header is already there
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
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

}  // namespace minnow
