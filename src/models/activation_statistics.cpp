#include "minnow/models/activation_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numeric>
#include <typeinfo>

#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/layers/conv2d.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/layers/dense.hpp"
#include "minnow/models/sequential.hpp"
#include "models/layer_walk.hpp"

namespace minnow {

namespace {

// Outputs within this distance of an asymptote count as saturated.
constexpr double kSaturationMargin = 0.05;

// The activation an exact built-in layer ends in (Linear for any other layer).
ActivationKind final_activation(const Layer& layer) {
    if (typeid(layer) == typeid(Dense)) return static_cast<const Dense&>(layer).activation();
    if (typeid(layer) == typeid(Conv2D)) return static_cast<const Conv2D&>(layer).activation();
    if (typeid(layer) == typeid(Activation)) return static_cast<const Activation&>(layer).activation();
    return ActivationKind::Linear;
}

double saturated_fraction(const Tensor& y, ActivationKind kind) {
    int64_t saturated = 0;
    for (float v : y.span()) {
        const bool s = kind == ActivationKind::Sigmoid ? (v < kSaturationMargin || v > 1.0 - kSaturationMargin)
                                                       : std::fabs(v) > 1.0 - kSaturationMargin;
        saturated += s ? 1 : 0;
    }
    return y.numel() > 0 ? double(saturated) / double(y.numel()) : 0.0;
}

// Per channel (the last axis) of `values`, its mean and biased variance over every other axis.
std::pair<std::vector<double>, std::vector<double>> channel_moments(const Tensor& values) {
    const int64_t C = values.dim(-1), rows = values.numel() / std::max<int64_t>(C, 1);
    std::vector<double> mean(static_cast<size_t>(C), 0.0), var(static_cast<size_t>(C), 0.0);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < C; ++c) mean[static_cast<size_t>(c)] += values.data()[r * C + c];
    for (double& m : mean) m /= double(rows);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < C; ++c) {
            const double d = values.data()[r * C + c] - mean[static_cast<size_t>(c)];
            var[static_cast<size_t>(c)] += d * d;
        }
    for (double& v : var) v /= double(rows);
    return {mean, var};
}

std::vector<std::pair<std::string, double>> batch_norm_lag(const BatchNormalization& bn, const Tensor& input) {
    const auto [mean, var] = channel_moments(input);
    const Tensor& mm = bn.moving_mean().value();
    const Tensor& mv = bn.moving_variance().value();
    const double eps = bn.epsilon();
    double batch_mean = 0, moving_mean = 0, lag = 0, ratio = 0;
    const auto C = static_cast<int64_t>(mean.size());
    for (int64_t c = 0; c < C; ++c) {
        const auto i = static_cast<size_t>(c);
        batch_mean += mean[i];
        moving_mean += mm.flat(c);
        lag += std::fabs(mean[i] - mm.flat(c)) / std::sqrt(var[i] + eps);
        ratio += (mv.flat(c) + eps) / (var[i] + eps);
    }
    const auto n = double(C);
    return {{"batch_mean", batch_mean / n}, {"moving_mean", moving_mean / n}, {"mean_lag", lag / n},
            {"variance_ratio", ratio / n}};
}

}  // namespace

ActivationStatistics::ActivationStatistics(std::shared_ptr<const Dataset> probe_data, ActivationStatisticsOptions options)
    : data_(std::move(probe_data)), options_(options) {
    MINNOW_CHECK(data_ != nullptr, ValueError, "ActivationStatistics: needs a dataset to draw the probe batch from");
    MINNOW_CHECK(options_.probe_size >= 2, ValueError,
                 "ActivationStatistics: probe_size must be >= 2 (BatchNormalization needs a batch), got {}",
                 options_.probe_size);
    MINNOW_CHECK(options_.every_batches >= 0, ValueError, "ActivationStatistics: every_batches must be >= 0, got {}",
                 options_.every_batches);
}

std::vector<std::pair<std::string, double>> ActivationStatistics::summarize(const Tensor& values) {
    const int64_t n = values.numel();
    MINNOW_CHECK(n > 0, ValueError, "ActivationStatistics: no values to summarize");
    std::vector<float> sorted(values.span().begin(), values.span().end());
    double sum = 0, zeros = 0;
    for (float v : sorted) {
        sum += v;
        zeros += v == 0.0f ? 1 : 0;
    }
    const double mean = sum / double(n);
    double sq = 0;
    for (float v : sorted) sq += (v - mean) * (v - mean);
    // Nearest rank: the value at rank ceil(q * n), counted from 1.
    auto percentile = [&](double q) {
        const auto rank = static_cast<int64_t>(std::ceil(q * double(n)));
        const auto k = static_cast<size_t>(std::clamp<int64_t>(rank, 1, n) - 1);
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
        return double(sorted[k]);
    };
    const double p1 = percentile(0.01), p50 = percentile(0.50), p99 = percentile(0.99);
    const auto [lo, hi] = std::minmax_element(values.span().begin(), values.span().end());
    return {{"mean", mean},          {"std", std::sqrt(sq / double(n))}, {"min", *lo}, {"max", *hi},
            {"p1", p1},              {"p50", p50},                      {"p99", p99}, {"zero_fraction", zeros / double(n)}};
}

void ActivationStatistics::on_train_begin(const Logs&) {
    const int64_t n = data_->size();
    MINNOW_CHECK(n >= 2, ValueError, "ActivationStatistics: the probe data holds {} samples, needs at least 2", n);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    Rng rng(options_.seed);
    shuffle(order, rng);
    order.resize(static_cast<size_t>(std::min(options_.probe_size, n)));
    probe_ = data_->gather_x(order);

    // Names of the trainable weights, matched to weights() by identity.
    const Sequential& model = this->model();
    const std::vector<Variable> all = model.weights();
    const std::vector<std::string> names = model.weight_names();
    weight_names_.clear();
    for (const Variable& w : model.trainable_weights())
        for (size_t i = 0; i < all.size(); ++i)
            if (&all[i].value() == &w.value()) weight_names_.push_back(names[i]);
    norm_sums_.assign(weight_names_.size(), 0.0);
    norm_batches_ = 0;
    step_ = 0;
    records_.clear();
    record_point(-1);
}

void ActivationStatistics::on_epoch_begin(int epoch, const Logs&) {
    epoch_ = epoch;
    std::fill(norm_sums_.begin(), norm_sums_.end(), 0.0);
    norm_batches_ = 0;
}

void ActivationStatistics::on_gradients(int, const std::vector<Variable>& weights) {
    if (weights.size() != norm_sums_.size()) return;  // the model changed under us: names no longer match
    for (size_t i = 0; i < weights.size(); ++i) {
        if (!weights[i].has_grad()) continue;
        double sq = 0;
        for (float g : weights[i].grad().span()) sq += double(g) * g;
        norm_sums_[i] += std::sqrt(sq);
    }
    ++norm_batches_;
}

void ActivationStatistics::on_batch_end(int, const Logs&) {
    ++step_;
    if (options_.every_batches > 0 && step_ % options_.every_batches == 0) record_point(epoch_);
}

void ActivationStatistics::on_epoch_end(int epoch, const Logs&) {
    // The last batch's point, when every_batches lands on it, is this one.
    if (!(options_.every_batches > 0 && step_ % options_.every_batches == 0)) record_point(epoch);
    for (size_t i = 0; i < weight_names_.size() && norm_batches_ > 0; ++i) {
        records_.push_back(
            {epoch, step_, weight_names_[i], "weight", "gradient_norm", norm_sums_[i] / double(norm_batches_)});
    }
}

void ActivationStatistics::record_point(int epoch) {
    detail::walk_with_batch_statistics(
        model(), probe_, [&](const Layer& layer, const Tensor& input, const Tensor& output, const BatchStatistics*) {
            auto add = [&](const std::string& statistic, double value) {
                records_.push_back({epoch, step_, layer.name(), layer.class_name(), statistic, value});
            };
            for (const auto& [statistic, value] : summarize(output)) add(statistic, value);
            const ActivationKind kind = final_activation(layer);
            if (kind == ActivationKind::Sigmoid || kind == ActivationKind::Tanh)
                add("saturated_fraction", saturated_fraction(output, kind));
            if (typeid(layer) == typeid(BatchNormalization))
                for (const auto& [statistic, value] : batch_norm_lag(static_cast<const BatchNormalization&>(layer), input))
                    add(statistic, value);
        });
}

std::string ActivationStatistics::csv() const {
    std::string out = "epoch,step,layer,class,statistic,value\n";
    for (const ActivationRecord& r : records_)
        out += fmt::format("{},{},{},{},{},{}\n", r.epoch, r.step, r.layer, r.class_name, r.statistic, r.value);
    return out;
}

std::string ActivationStatistics::json() const {
    nlohmann::ordered_json j;
    j["options"] = {{"probe_size", options_.probe_size}, {"seed", options_.seed}, {"every_batches", options_.every_batches}};
    j["records"] = nlohmann::json::array();
    for (const ActivationRecord& r : records_)
        j["records"].push_back({{"epoch", r.epoch},
                                {"step", r.step},
                                {"layer", r.layer},
                                {"class", r.class_name},
                                {"statistic", r.statistic},
                                {"value", r.value}});
    return j.dump(1) + "\n";
}

}  // namespace minnow
