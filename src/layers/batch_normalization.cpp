#include "init/initializer_json.hpp"
#include "minnow/layers/batch_normalization.hpp"

#include <cmath>
#include <vector>
#include <nlohmann/json.hpp>

#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/normalization.hpp"
#include "core/config_json.hpp"

namespace minnow {

BatchNormalization::BatchNormalization(int64_t axis, double momentum, double epsilon, bool center, bool scale,
                                       Initializer beta_initializer, Initializer gamma_initializer,
                                       Initializer moving_mean_initializer, Initializer moving_variance_initializer,
                                       bool synchronized)
    : axis_(axis),
      momentum_(static_cast<float>(momentum)),
      epsilon_(static_cast<float>(epsilon)),
      center_(center),
      scale_(scale),
      beta_initializer_(std::move(beta_initializer)),
      gamma_initializer_(std::move(gamma_initializer)),
      moving_mean_initializer_(std::move(moving_mean_initializer)),
      moving_variance_initializer_(std::move(moving_variance_initializer)),
      synchronized_(synchronized) {
    MINNOW_CHECK(momentum >= 0.0 && momentum <= 1.0, ValueError,
                 "BatchNormalization: invalid momentum={}, expected 0 <= momentum <= 1", momentum);
    MINNOW_CHECK(epsilon > 0.0, ValueError, "BatchNormalization: invalid epsilon={}, expected > 0", epsilon);
}

BatchNormalization::BatchNormalization(BatchNormalizationOptions o)
    : BatchNormalization(o.axis, o.momentum, o.epsilon, o.center, o.scale, std::move(o.beta_initializer),
                         std::move(o.gamma_initializer), std::move(o.moving_mean_initializer),
                         std::move(o.moving_variance_initializer), o.synchronized) {}

Shape BatchNormalization::build(const Shape& input_shape) {
    const int64_t rank = input_shape.rank();
    MINNOW_CHECK(rank >= 2, ShapeError, "{}: expected input with a feature axis, got {}", describe(),
                 input_shape.batch_str());
    MINNOW_CHECK(axis_ == -1 || axis_ == rank - 1, ValueError,
                 "{}: axis={} is not supported for input {}; minnow is channels-last, use axis=-1", describe(), axis_,
                 input_shape.batch_str());
    const int64_t C = input_shape[-1];
    if (scale_) gamma_ = add_weight("gamma", {C}, gamma_initializer_);
    if (center_) beta_ = add_weight("beta", {C}, beta_initializer_);
    moving_mean_ = add_weight("moving_mean", {C}, moving_mean_initializer_, false);
    moving_variance_ = add_weight("moving_variance", {C}, moving_variance_initializer_, false);
    return input_shape;
}

Variable BatchNormalization::forward(const Variable& x, Mode mode) {
    // A frozen layer keeps its statistics: it runs in inference mode even when training.
    if (!uses_batch_statistics(mode))
        return batch_norm_infer(x, gamma_, beta_, moving_mean_.value(), moving_variance_.value(), epsilon_);
    return normalize_with_batch_statistics(x, batch_norm_train);
}

Variable BatchNormalization::normalize_with_batch_statistics(const Variable& x, TrainOp op) {
    const bool across_ranks = synchronized_ && distributed::data_parallel_active();
    const int64_t per_feature = x.value().numel() / x.value().dim(-1);
    // Across ranks the count is known after the merge; every rank sees the same and fails alike.
    MINNOW_CHECK(across_ranks || per_feature > 1, ValueError,
                 "{}: a training batch of one sample has zero variance, got input {}; use a batch size of at least 2",
                 describe(), x.shape());
    BatchStatistics stats;
    stats.across_ranks = across_ranks;
    Variable y = op(x, gamma_, beta_, epsilon_, stats);
    check_global_count(stats.count);
    update_moving_statistics(stats.mean.data(), stats.variance.data());
    return y;
}

void BatchNormalization::check_global_count(double count) const {
    MINNOW_CHECK(count > 1, ValueError,
                 "{}: the global training batch has {} value(s) per channel across {} ranks; a variance needs at "
                 "least 2",
                 describe(), count, distributed::size());
}

void BatchNormalization::update_moving_statistics(const float* mean, const float* variance) {
    float* mm = moving_mean_.value().data();
    float* mv = moving_variance_.value().data();
    for (int64_t c = 0; c < moving_mean_.value().numel(); ++c) {
        mm[c] = mm[c] * momentum_ + mean[c] * (1.0f - momentum_);
        mv[c] = mv[c] * momentum_ + variance[c] * (1.0f - momentum_);
    }
}

void BatchNormalization::forward_without_samples() {
    MINNOW_CHECK(synchronized_, StateError, "{}: only a synchronized layer takes part in a step without samples",
                 describe());
    const auto C = static_cast<size_t>(moving_mean_.value().numel());
    std::vector<double> mean(C, 0.0), m2(C, 0.0);
    const double count = distributed::merge_moments(0.0, mean, m2);
    check_global_count(count);
    // The same float values the ranks with samples compute from the merged moments.
    std::vector<float> mean_f(C), var_f(C);
    for (size_t c = 0; c < C; ++c) {
        mean_f[c] = static_cast<float>(mean[c]);
        var_f[c] = static_cast<float>(m2[c] / count);
    }
    update_moving_statistics(mean_f.data(), var_f.data());
}

void BatchNormalization::backward_without_samples() {
    std::vector<double> sums(2 * static_cast<size_t>(moving_mean_.value().numel()), 0.0);
    distributed::allreduce_sum(sums);
}

std::pair<Tensor, Tensor> BatchNormalization::inference_affine() const {
    const int64_t C = moving_mean_.value().numel();
    Tensor scale({C}), shift({C});
    for (int64_t c = 0; c < C; ++c) {
        // The same float arithmetic as batch_norm_infer.
        const float s = (gamma_.defined() ? gamma_.value().data()[c] : 1.0f) /
                        std::sqrt(moving_variance_.value().data()[c] + epsilon_);
        scale.data()[c] = s;
        shift.data()[c] = (beta_.defined() ? beta_.value().data()[c] : 0.0f) - moving_mean_.value().data()[c] * s;
    }
    return {std::move(scale), std::move(shift)};
}

Config BatchNormalization::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config["axis"] = axis_;
    config["momentum"] = momentum_;
    config["epsilon"] = epsilon_;
    config["center"] = center_;
    config["scale"] = scale_;
    config["synchronized"] = synchronized_;
    config["beta_initializer"] = json_of(beta_initializer_.serialize());
    config["gamma_initializer"] = json_of(gamma_initializer_.serialize());
    config["moving_mean_initializer"] = json_of(moving_mean_initializer_.serialize());
    config["moving_variance_initializer"] = json_of(moving_variance_initializer_.serialize());
    return config_from_json(std::move(config));
}

std::shared_ptr<BatchNormalization> BatchNormalization::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<BatchNormalization>(
        c.value("axis", int64_t{-1}), c.value("momentum", 0.99), c.value("epsilon", 1e-3), c.value("center", true),
        c.value("scale", true), initializer_from_json(c.value("beta_initializer", nlohmann::json("zeros"))),
        initializer_from_json(c.value("gamma_initializer", nlohmann::json("ones"))), initializer_from_json(c.value("moving_mean_initializer", nlohmann::json("zeros"))),
        initializer_from_json(c.value("moving_variance_initializer", nlohmann::json("ones"))),
        c.value("synchronized", false));
}

MINNOW_REGISTER_LAYER(BatchNormalization);

}  // namespace minnow
