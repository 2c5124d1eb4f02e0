#pragma once
/// Loss objects for compile(), by Keras name or by class.

#include <memory>
#include <string>

#include "minnow/core/config.hpp"

#include "minnow/autograd/variable.hpp"
#include "minnow/ops/activations.hpp"

namespace minnow {

/// A loss: mean over the batch of a per-sample loss of predictions against targets, each sample's
/// loss multiplied by its weight when sample weights are given (Keras' "sum_over_batch_size":
/// sum(w_i * loss_i) / N). A custom loss overrides compute() (and may ignore the weights only if
/// it never meets any).
class Loss {
public:
    virtual ~Loss() = default;
    /// Keras' name, used in logs and saved configs.
    virtual std::string name() const = 0;
    /// The loss of the model's outputs `y_pred` against `y_true`, weighted by `sample_weight`
    /// (one weight per sample, or undefined for all ones).
    Variable operator()(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight = {}) const {
        return compute(y_pred, y_true, sample_weight);
    }
    /// True when, for a model whose last activation is `act`, the loss can be computed from the
    /// logits instead (softmax or sigmoid folded into the cross-entropy: stable and cheaper).
    virtual bool fuses_with(ActivationKind) const { return false; }
    /// The loss from the logits of a model whose last activation is the fused one.
    Variable from_logits(const Variable& logits, const Tensor& y_true, const Tensor& sample_weight = {}) const {
        return compute_from_logits(logits, y_true, sample_weight);
    }
    /// The arguments beyond the name, as Keras' get_config() (e.g. huber's delta).
    virtual Config get_config() const;

protected:
    /// The batch loss: the mean over samples of each sample's loss, weighted by `sample_weight` (one per
    /// sample, or undefined for all ones) as Keras: sum(w * loss) / N.
    virtual Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const = 0;
    /// The same from the logits of the fused activation (see fuses_with); by default an error.
    virtual Variable compute_from_logits(const Variable& logits, const Tensor& y_true,
                                         const Tensor& sample_weight) const;
};

/// The built-in losses, named as keras.losses.
namespace losses {

/// Integer labels (N,) against class probabilities (N, C) (or logits with from_logits).
class SparseCategoricalCrossentropy : public Loss {
public:
    /// `from_logits`: y_pred holds logits rather than probabilities.
    explicit SparseCategoricalCrossentropy(bool from_logits = false) : from_logits_(from_logits) {}
    std::string name() const override { return "sparse_categorical_crossentropy"; }
    bool fuses_with(ActivationKind act) const override { return act == ActivationKind::Softmax && !from_logits_; }
    Config get_config() const override;

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;
    Variable compute_from_logits(const Variable& logits, const Tensor& y_true,
                                 const Tensor& sample_weight) const override;

private:
    bool from_logits_;
};

/// Target distributions (N, C), one-hot usually, against class probabilities (or logits).
class CategoricalCrossentropy : public Loss {
public:
    /// `from_logits`: y_pred holds logits rather than probabilities.
    explicit CategoricalCrossentropy(bool from_logits = false) : from_logits_(from_logits) {}
    std::string name() const override { return "categorical_crossentropy"; }
    bool fuses_with(ActivationKind act) const override { return act == ActivationKind::Softmax && !from_logits_; }
    Config get_config() const override;

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;
    Variable compute_from_logits(const Variable& logits, const Tensor& y_true,
                                 const Tensor& sample_weight) const override;

private:
    bool from_logits_;
};

/// Targets in [0, 1] against probabilities (or logits), elementwise.
class BinaryCrossentropy : public Loss {
public:
    /// `from_logits`: y_pred holds logits rather than probabilities.
    explicit BinaryCrossentropy(bool from_logits = false) : from_logits_(from_logits) {}
    std::string name() const override { return "binary_crossentropy"; }
    bool fuses_with(ActivationKind act) const override { return act == ActivationKind::Sigmoid && !from_logits_; }
    Config get_config() const override;

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;
    Variable compute_from_logits(const Variable& logits, const Tensor& y_true,
                                 const Tensor& sample_weight) const override;

private:
    bool from_logits_;
};

/// mean((y_pred - y_true)^2).
class MeanSquaredError : public Loss {
public:
    std::string name() const override { return "mean_squared_error"; }

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;
};

/// mean(|y_pred - y_true|).
class MeanAbsoluteError : public Loss {
public:
    std::string name() const override { return "mean_absolute_error"; }

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;
};

/// Keras' Huber(delta=1.0): quadratic within delta of the target, linear beyond.
class Huber : public Loss {
public:
    /// `delta` > 0: where the loss turns from quadratic to linear.
    explicit Huber(float delta = 1.0f);
    std::string name() const override { return "huber"; }
    Config get_config() const override;
    /// Where the loss turns from quadratic to linear.
    float delta() const { return delta_; }

protected:
    Variable compute(const Variable& y_pred, const Tensor& y_true, const Tensor& sample_weight) const override;

private:
    float delta_;
};

}  // namespace losses

/// compile()'s loss argument: a Keras name ("sparse_categorical_crossentropy", "mse", ...) or an object.
class LossArg {
public:
    ///@{
    /// A built-in loss by Keras name or alias ("mse", "mae", "huber", ...); ValueError otherwise.
    LossArg(const char* name);         // NOLINT(google-explicit-constructor)
    LossArg(const std::string& name);  // NOLINT(google-explicit-constructor)
    ///@}
    /// Any Loss subclass, by value: `losses::Huber(0.5f)`.
    template <class T>
        requires std::derived_from<T, Loss>
    LossArg(T loss) : loss_(std::make_shared<T>(std::move(loss))) {}  // NOLINT(google-explicit-constructor)
    /// A loss object shared with the caller.
    LossArg(std::shared_ptr<Loss> loss);  // NOLINT(google-explicit-constructor)

    /// The loss object.
    std::shared_ptr<Loss> get() const { return loss_; }

private:
    std::shared_ptr<Loss> loss_;
};

/// The loss called `name` (Keras' names and aliases); ValueError listing them otherwise.
std::shared_ptr<Loss> loss_from_name(const std::string& name);
/// The loss `config` describes ({"name": ..., arguments...}, as saved with a compiled model).
std::shared_ptr<Loss> loss_from_config(const Config& config);
/// {"name": ..., arguments...}: what loss_from_config() reads back.
Config loss_config(const Loss& loss);

}  // namespace minnow
