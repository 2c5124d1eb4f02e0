// Keras' progress bar: "1875/1875 [==============================] - 2s 1ms/step - loss: 0.2134 ...".
#include <chrono>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

#include "minnow/models/callbacks.hpp"

namespace minnow {

namespace {

constexpr int kBarWidth = 30;

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format_logs(const Logs& logs) {
    // Keras' order: loss first, then the metrics, then the validation values.
    std::string out;
    auto append = [&](const std::string& key, double value) { out += fmt::format(" - {}: {:.4f}", key, value); };
    if (auto it = logs.find("loss"); it != logs.end()) append("loss", it->second);
    for (const auto& [key, value] : logs)
        if (key != "loss" && key.rfind("val_", 0) != 0) append(key, value);
    if (auto it = logs.find("val_loss"); it != logs.end()) append("val_loss", it->second);
    for (const auto& [key, value] : logs)
        if (key != "val_loss" && key.rfind("val_", 0) == 0) append(key, value);
    return out;
}

std::string format_step_time(double seconds_per_step) {
    if (seconds_per_step >= 1.0) return fmt::format("{:.0f}s/step", seconds_per_step);
    if (seconds_per_step >= 1e-3) return fmt::format("{:.0f}ms/step", seconds_per_step * 1e3);
    return fmt::format("{:.0f}us/step", seconds_per_step * 1e6);
}

}  // namespace

ProgressBar::ProgressBar(int verbose, int64_t steps, int epochs, std::ostream* out)
    : verbose_(verbose), steps_(steps), epochs_(epochs), out_(out),
      interactive_(out == nullptr && isatty(fileno(stdout)) != 0) {}

std::ostream& ProgressBar::out() const { return out_ != nullptr ? *out_ : std::cout; }

std::string ProgressBar::bar(int64_t done) const {
    const int64_t filled = steps_ > 0 ? done * kBarWidth / steps_ : kBarWidth;
    std::string b(static_cast<size_t>(kBarWidth), '.');
    for (int64_t i = 0; i < filled; ++i) b[static_cast<size_t>(i)] = '=';
    if (done < steps_ && filled < kBarWidth) b[static_cast<size_t>(filled)] = '>';
    const int digits = static_cast<int>(std::to_string(steps_).size());
    return fmt::format("{:>{}}/{} [{}]", done, digits, steps_, b);
}

void ProgressBar::on_epoch_begin(int epoch, const Logs&) {
    epoch_start_ = now_seconds();
    last_draw_ = 0.0;
    if (verbose_ >= 1) out() << fmt::format("Epoch {}/{}\n", epoch + 1, epochs_) << std::flush;
}

void ProgressBar::on_batch_end(int batch, const Logs& logs) {
    if (verbose_ != 1 || !interactive_) return;
    const double now = now_seconds();
    const int64_t done = batch + 1;
    if (done < steps_ && now - last_draw_ < 0.05) return;  // redraw at most 20 times a second
    last_draw_ = now;
    const double elapsed = now - epoch_start_;
    const double eta = done > 0 ? elapsed / double(done) * double(steps_ - done) : 0.0;
    out() << "\r" << bar(done) << fmt::format(" - ETA: {:.0f}s", eta) << format_logs(logs) << "\033[K" << std::flush;
}

void ProgressBar::on_epoch_end(int, const Logs& logs) {
    if (verbose_ < 1) return;
    const double elapsed = now_seconds() - epoch_start_;
    const std::string step_time = format_step_time(steps_ > 0 ? elapsed / double(steps_) : 0.0);
    // verbose 2 is Keras' one line an epoch: the step count, no bar.
    const std::string line =
        verbose_ == 1 ? fmt::format("{} - {:.0f}s {}{}", bar(steps_), elapsed, step_time, format_logs(logs))
                      : fmt::format("{}/{} - {:.0f}s - {}{}", steps_, steps_, elapsed, step_time, format_logs(logs));
    out() << (interactive_ && verbose_ == 1 ? "\r" : "") << line << (interactive_ ? "\033[K" : "") << "\n"
          << std::flush;
}

}  // namespace minnow
