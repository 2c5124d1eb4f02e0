#include "minnow/losses/losses.hpp"

#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/losses.hpp"
#include "core/config_json.hpp"

namespace minnow {

Variable Loss::compute_from_logits(const Variable&, const Tensor&, const Tensor&) const {
    throw StateError(fmt::format("loss '{}' cannot be computed from logits", name()));
}

Config Loss::get_config() const { return Config(); }

Variable losses::SparseCategoricalCrossentropy::compute(const Variable& y_pred, const Tensor& y_true,
                                                const Tensor& sample_weight) const {
    if (from_logits_) return sparse_softmax_cross_entropy(y_pred, y_true, sample_weight);
    return sparse_categorical_crossentropy(y_pred, y_true, sample_weight);
}

Variable losses::SparseCategoricalCrossentropy::compute_from_logits(const Variable& logits, const Tensor& y_true,
                                                            const Tensor& sample_weight) const {
    return sparse_softmax_cross_entropy(logits, y_true, sample_weight);
}

Config losses::SparseCategoricalCrossentropy::get_config() const { return config_from_json({{"from_logits", from_logits_}}); }

Variable losses::CategoricalCrossentropy::compute(const Variable& y_pred, const Tensor& y_true,
                                          const Tensor& sample_weight) const {
    if (from_logits_) return softmax_cross_entropy(y_pred, y_true, sample_weight);
    return categorical_crossentropy(y_pred, y_true, sample_weight);
}

Variable losses::CategoricalCrossentropy::compute_from_logits(const Variable& logits, const Tensor& y_true,
                                                      const Tensor& sample_weight) const {
    return softmax_cross_entropy(logits, y_true, sample_weight);
}

Config losses::CategoricalCrossentropy::get_config() const { return config_from_json({{"from_logits", from_logits_}}); }

Variable losses::BinaryCrossentropy::compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const {
    if (from_logits_) return binary_crossentropy_from_logits(y_pred, y_true, sample_weight);
    return binary_crossentropy(y_pred, y_true, sample_weight);
}

Variable losses::BinaryCrossentropy::compute_from_logits(const Variable& logits, const Tensor& y_true,
                                                 const Tensor& sample_weight) const {
    return binary_crossentropy_from_logits(logits, y_true, sample_weight);
}

Config losses::BinaryCrossentropy::get_config() const { return config_from_json({{"from_logits", from_logits_}}); }

Variable losses::MeanSquaredError::compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const {
    return mean_squared_error(y_pred, y_true, sample_weight);
}

Variable losses::MeanAbsoluteError::compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const {
    return mean_absolute_error(y_pred, y_true, sample_weight);
}

losses::Huber::Huber(float delta) : delta_(delta) {
    MINNOW_CHECK(delta > 0.0f && std::isfinite(delta), ValueError, "Huber: delta must be positive, got {}", delta);
}

Variable losses::Huber::compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const {
    return huber(y_pred, y_true, delta_, sample_weight);
}

Config losses::Huber::get_config() const { return config_from_json({{"delta", delta_}}); }

std::shared_ptr<Loss> loss_from_name(const std::string& name) {
    if (name == "sparse_categorical_crossentropy") return std::make_shared<losses::SparseCategoricalCrossentropy>();
    if (name == "categorical_crossentropy") return std::make_shared<losses::CategoricalCrossentropy>();
    if (name == "binary_crossentropy") return std::make_shared<losses::BinaryCrossentropy>();
    if (name == "mse" || name == "mean_squared_error") return std::make_shared<losses::MeanSquaredError>();
    if (name == "mae" || name == "mean_absolute_error") return std::make_shared<losses::MeanAbsoluteError>();
    if (name == "huber" || name == "huber_loss") return std::make_shared<losses::Huber>();
    throw ValueError(fmt::format("unknown loss '{}'; known losses: sparse_categorical_crossentropy, "
                                 "categorical_crossentropy, binary_crossentropy, mean_squared_error (mse), "
                                 "mean_absolute_error (mae), huber",
                                 name));
}

std::shared_ptr<Loss> loss_from_config(const Config& given) {
    const nlohmann::json& config = json_of(given);
    MINNOW_CHECK(config.is_object() && config.contains("name") && config["name"].is_string(), ValueError,
                 "loss config: expected {{\"name\": ...}}, got {}", config.dump());
    const std::string name = config["name"].get<std::string>();
    const bool from_logits = config.value("from_logits", false);
    if (name == "sparse_categorical_crossentropy") return std::make_shared<losses::SparseCategoricalCrossentropy>(from_logits);
    if (name == "categorical_crossentropy") return std::make_shared<losses::CategoricalCrossentropy>(from_logits);
    if (name == "binary_crossentropy") return std::make_shared<losses::BinaryCrossentropy>(from_logits);
    if (name == "huber") return std::make_shared<losses::Huber>(config.value("delta", 1.0f));
    return loss_from_name(name);
}

Config loss_config(const Loss& loss) {
    Config config = loss.get_config();
    config.set("name", loss.name());
    return config;
}

LossArg::LossArg(const char* name) : loss_(loss_from_name(name)) {}
LossArg::LossArg(const std::string& name) : loss_(loss_from_name(name)) {}
LossArg::LossArg(std::shared_ptr<Loss> loss) : loss_(std::move(loss)) {
    MINNOW_CHECK(loss_ != nullptr, ValueError, "compile: the loss is null");
}

}  // namespace minnow
