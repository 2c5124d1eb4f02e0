#include "minnow/optim/schedules.hpp"

#include <cmath>
#include <fmt/format.h>
#include <numbers>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "core/config_json.hpp"

namespace minnow {

namespace {
void check_steps(const char* who, int64_t steps) {
    MINNOW_CHECK(steps > 0, ValueError, "{}: decay_steps must be > 0, got {}", who, steps);
}
}  // namespace

ExponentialDecay::ExponentialDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate, bool staircase)
    : initial_(initial_learning_rate), rate_(decay_rate), steps_(decay_steps), staircase_(staircase) {
    check_steps("ExponentialDecay", decay_steps);
}

double ExponentialDecay::operator()(int64_t step) const {
    double p = double(step) / double(steps_);
    if (staircase_) p = std::floor(p);
    return initial_ * std::pow(rate_, p);
}

Config ExponentialDecay::get_config() const {
    return config_from_json({{"initial_learning_rate", initial_}, {"decay_steps", steps_}, {"decay_rate", rate_}, {"staircase", staircase_}});
}

PiecewiseConstantDecay::PiecewiseConstantDecay(std::vector<int64_t> boundaries, std::vector<double> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
    MINNOW_CHECK(values_.size() == boundaries_.size() + 1, ValueError,
                 "PiecewiseConstantDecay: {} values for {} boundaries; give one value more than boundaries",
                 values_.size(), boundaries_.size());
    for (size_t i = 1; i < boundaries_.size(); ++i)
        MINNOW_CHECK(boundaries_[i] > boundaries_[i - 1], ValueError,
                     "PiecewiseConstantDecay: boundaries must increase, got {} after {}", boundaries_[i],
                     boundaries_[i - 1]);
}

double PiecewiseConstantDecay::operator()(int64_t step) const {
    for (size_t i = 0; i < boundaries_.size(); ++i)
        if (step <= boundaries_[i]) return values_[i];
    return values_.back();
}

Config PiecewiseConstantDecay::get_config() const { return config_from_json({{"boundaries", boundaries_}, {"values", values_}}); }

CosineDecay::CosineDecay(double initial_learning_rate, int64_t decay_steps, double alpha,
                         std::optional<double> warmup_target, int64_t warmup_steps)
    : initial_(initial_learning_rate),
      decay_steps_(decay_steps),
      alpha_(alpha),
      warmup_target_(warmup_target),
      warmup_steps_(warmup_steps) {
    check_steps("CosineDecay", decay_steps);
    MINNOW_CHECK(warmup_steps >= 0, ValueError, "CosineDecay: warmup_steps must be >= 0, got {}", warmup_steps);
}

double CosineDecay::operator()(int64_t step) const {
    auto decay = [&](double t, double from) {
        const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t / double(decay_steps_)));
        return from * ((1.0 - alpha_) * cosine + alpha_);
    };
    if (!warmup_target_) return decay(std::min(double(step), double(decay_steps_)), initial_);
    const double t = std::min(double(step), double(decay_steps_ + warmup_steps_));
    if (t < double(warmup_steps_))
        return (*warmup_target_ - initial_) * (t / double(warmup_steps_)) + initial_;
    return decay(t - double(warmup_steps_), *warmup_target_);
}

Config CosineDecay::get_config() const {
    return config_from_json({{"initial_learning_rate", initial_},
            {"decay_steps", decay_steps_},
            {"alpha", alpha_},
            {"warmup_target", warmup_target_ ? nlohmann::json(*warmup_target_) : nlohmann::json(nullptr)},
            {"warmup_steps", warmup_steps_}});
}

InverseTimeDecay::InverseTimeDecay(double initial_learning_rate, int64_t decay_steps, double decay_rate, bool staircase)
    : initial_(initial_learning_rate), rate_(decay_rate), steps_(decay_steps), staircase_(staircase) {
    check_steps("InverseTimeDecay", decay_steps);
}

double InverseTimeDecay::operator()(int64_t step) const {
    double p = double(step) / double(steps_);
    if (staircase_) p = std::floor(p);
    return initial_ / (1.0 + rate_ * p);
}

Config InverseTimeDecay::get_config() const {
    return config_from_json({{"initial_learning_rate", initial_}, {"decay_steps", steps_}, {"decay_rate", rate_}, {"staircase", staircase_}});
}

LearningRate::LearningRate(std::shared_ptr<const LearningRateSchedule> schedule) : schedule_(std::move(schedule)) {
    MINNOW_CHECK(schedule_ != nullptr, ValueError, "learning_rate: the schedule is null");
}

std::shared_ptr<LearningRateSchedule> schedule_from_config(const Config& config) {
    const nlohmann::json& s = json_of(config);
    try {
        const std::string name = s.at("class_name").get<std::string>();
        const nlohmann::json& c = s.at("config");
        if (name == "ExponentialDecay")
            return std::make_shared<ExponentialDecay>(c.at("initial_learning_rate").get<double>(),
                                                      c.at("decay_steps").get<int64_t>(), c.at("decay_rate").get<double>(),
                                                      c.value("staircase", false));
        if (name == "PiecewiseConstantDecay")
            return std::make_shared<PiecewiseConstantDecay>(c.at("boundaries").get<std::vector<int64_t>>(),
                                                            c.at("values").get<std::vector<double>>());
        if (name == "CosineDecay") {
            const nlohmann::json target = c.value("warmup_target", nlohmann::json(nullptr));
            return std::make_shared<CosineDecay>(c.at("initial_learning_rate").get<double>(),
                                                 c.at("decay_steps").get<int64_t>(), c.value("alpha", 0.0),
                                                 target.is_null() ? std::nullopt : std::optional<double>(target.get<double>()),
                                                 c.value("warmup_steps", int64_t{0}));
        }
        if (name == "InverseTimeDecay")
            return std::make_shared<InverseTimeDecay>(c.at("initial_learning_rate").get<double>(),
                                                      c.at("decay_steps").get<int64_t>(), c.at("decay_rate").get<double>(),
                                                      c.value("staircase", false));
        throw ValueError(fmt::format("unknown learning-rate schedule '{}'; known: ExponentialDecay, "
                                     "PiecewiseConstantDecay, CosineDecay, InverseTimeDecay",
                                     name));
    } catch (const nlohmann::json::exception& e) {
        throw ValueError(fmt::format("learning-rate schedule: invalid config: {}", e.what()));
    }
}

}  // namespace minnow
