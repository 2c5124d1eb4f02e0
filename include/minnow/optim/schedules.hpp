#pragma once
/// Learning-rate schedules with Keras 3's names, arguments and formulas, evaluated on the
/// optimizer's step counter (iterations before the update: 0 for the first batch).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "minnow/core/config.hpp"

namespace minnow {

/// The learning rate as a function of the step. Subclass it for a schedule of your own.
class LearningRateSchedule {
public:
    virtual ~LearningRateSchedule() = default;
    /// The learning rate at optimizer step `step` (0-based).
    virtual double operator()(int64_t step) const = 0;
    /// Keras' class name ("ExponentialDecay").
    virtual std::string class_name() const = 0;
    /// The arguments that rebuild the schedule.
    virtual Config get_config() const = 0;
};

/// initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase the exponent is
/// floored.
class ExponentialDecay : public LearningRateSchedule {
public:
    /// Keras' arguments; decay_steps > 0.
    ExponentialDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate, bool staircase = false);
    double operator()(int64_t step) const override;
    std::string class_name() const override { return "ExponentialDecay"; }
    Config get_config() const override;

private:
    double initial_, rate_;
    int64_t steps_;
    bool staircase_;
};

/// values[0] while step <= boundaries[0], values[i] while boundaries[i-1] < step <=
/// boundaries[i], values.back() after the last boundary (one more value than boundaries).
class PiecewiseConstantDecay : public LearningRateSchedule {
public:
    /// `values` has one more element than `boundaries`, which increase.
    PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values);
    double operator()(int64_t step) const override;
    std::string class_name() const override { return "PiecewiseConstantDecay"; }
    Config get_config() const override;

private:
    std::vector<int64_t> boundaries_;
    std::vector<double> values_;
};

/// Keras 3's cosine decay with optional linear warmup: with warmup_target, the rate rises
/// linearly from initial_learning_rate to warmup_target over warmup_steps, then decays from
/// warmup_target; without, it decays from initial_learning_rate. The decay over decay_steps:
/// lr * ((1 - alpha) * 0.5 * (1 + cos(pi * t / decay_steps)) + alpha), t capped at decay_steps.
class CosineDecay : public LearningRateSchedule {
public:
    /// Keras 3's arguments; decay_steps > 0.
    CosineDecay(double initial_learning_rate, int64_t decay_steps, double alpha = 0.0,
                std::optional<double> warmup_target = std::nullopt, int64_t warmup_steps = 0);
    double operator()(int64_t step) const override;
    std::string class_name() const override { return "CosineDecay"; }
    Config get_config() const override;

private:
    double initial_;
    int64_t decay_steps_;
    double alpha_;
    std::optional<double> warmup_target_;
    int64_t warmup_steps_;
};

/// initial_learning_rate / (1 + decay_rate * step / decay_steps); with staircase the ratio is
/// floored.
class InverseTimeDecay : public LearningRateSchedule {
public:
    /// Keras' arguments; decay_steps > 0.
    InverseTimeDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate, bool staircase = false);
    double operator()(int64_t step) const override;
    std::string class_name() const override { return "InverseTimeDecay"; }
    Config get_config() const override;

private:
    double initial_, rate_;
    int64_t steps_;
    bool staircase_;
};

/// An optimizer's learning_rate argument: a number, or a schedule (any LearningRateSchedule).
class LearningRate {
public:
    /// A constant rate: `Adam(1e-3)`.
    LearningRate(double value) : value_(value) {}  // NOLINT(google-explicit-constructor): Adam(1e-3)
    /// Any schedule, by value: `Adam(ExponentialDecay(1e-3, 1000, 0.9))`.
    template <class S>
        requires std::derived_from<S, LearningRateSchedule>
    LearningRate(S schedule) : schedule_(std::make_shared<S>(std::move(schedule))) {}  // NOLINT
    /// A schedule shared with the caller.
    LearningRate(std::shared_ptr<const LearningRateSchedule> schedule);              // NOLINT

    /// The rate at optimizer step `step`.
    double at(int64_t step) const { return schedule_ ? (*schedule_)(step) : value_; }
    /// The schedule, or null for a constant rate.
    const std::shared_ptr<const LearningRateSchedule>& schedule() const { return schedule_; }

private:
    double value_ = 0.0;
    std::shared_ptr<const LearningRateSchedule> schedule_;
};

/// A schedule from {"class_name": ..., "config": ...} as Keras serializes one.
std::shared_ptr<LearningRateSchedule> schedule_from_config(const Config& serialized);

}  // namespace minnow
