#include "minnow/losses/losses.hpp"

#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/ops/losses.hpp"

namespace minnow {

Variable Loss::from_logits(const Variable&, const Tensor&) const {
    throw StateError(fmt::format("loss '{}' cannot be computed from logits", name()));
}

Variable SparseCategoricalCrossentropy::operator()(const Variable& y_pred, const Tensor& y_true) const {
    if (from_logits_) return sparse_softmax_cross_entropy(y_pred, y_true);
    return sparse_categorical_crossentropy(y_pred, y_true);
}

Variable SparseCategoricalCrossentropy::from_logits(const Variable& logits, const Tensor& y_true) const {
    return sparse_softmax_cross_entropy(logits, y_true);
}

Variable CategoricalCrossentropy::operator()(const Variable& y_pred, const Tensor& y_true) const {
    if (from_logits_) return softmax_cross_entropy(y_pred, y_true);
    return categorical_crossentropy(y_pred, y_true);
}

Variable CategoricalCrossentropy::from_logits(const Variable& logits, const Tensor& y_true) const {
    return softmax_cross_entropy(logits, y_true);
}

Variable BinaryCrossentropy::operator()(const Variable& y_pred, const Tensor& y_true) const {
    if (from_logits_) return binary_crossentropy_from_logits(y_pred, y_true);
    return binary_crossentropy(y_pred, y_true);
}

Variable BinaryCrossentropy::from_logits(const Variable& logits, const Tensor& y_true) const {
    return binary_crossentropy_from_logits(logits, y_true);
}

Variable MeanSquaredError::operator()(const Variable& y_pred, const Tensor& y_true) const {
    return mean_squared_error(y_pred, y_true);
}

std::shared_ptr<Loss> loss_from_name(const std::string& name) {
    if (name == "sparse_categorical_crossentropy") return std::make_shared<SparseCategoricalCrossentropy>();
    if (name == "categorical_crossentropy") return std::make_shared<CategoricalCrossentropy>();
    if (name == "binary_crossentropy") return std::make_shared<BinaryCrossentropy>();
    if (name == "mse" || name == "mean_squared_error") return std::make_shared<MeanSquaredError>();
    throw ValueError(fmt::format("unknown loss '{}'; known losses: sparse_categorical_crossentropy, "
                                 "categorical_crossentropy, binary_crossentropy, mean_squared_error (mse)",
                                 name));
}

LossArg::LossArg(const char* name) : loss_(loss_from_name(name)) {}
LossArg::LossArg(const std::string& name) : loss_(loss_from_name(name)) {}
LossArg::LossArg(std::shared_ptr<Loss> loss) : loss_(std::move(loss)) {
    MINNOW_CHECK(loss_ != nullptr, ValueError, "compile: the loss is null");
}

}  // namespace minnow
