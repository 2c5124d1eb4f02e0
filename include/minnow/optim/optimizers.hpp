#pragma once
/// RMSprop, Adagrad, Nadam and AdamW, with Keras 3's arguments, defaults and update rules.

#include "minnow/optim/optimizer.hpp"

namespace minnow {

/// Keras' RMSprop: velocity = rho * velocity + (1 - rho) * g^2; with `centered`, average =
/// rho * average + (1 - rho) * g and the denominator is velocity - average^2 + epsilon (else
/// velocity + epsilon); increment = lr * g / sqrt(denominator); with momentum, m = momentum * m +
/// increment and w -= m, else w -= increment.
class RMSprop : public Optimizer {
public:
    /// Keras' arguments and defaults.
    explicit RMSprop(LearningRate learning_rate = 1e-3, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7,
                     bool centered = false, OptimizerOptions options = {});
    std::string name() const override { return "rmsprop"; }
    Config get_config() const override;
    int slot_count() const override { return 1 + (momentum_ > 0.0f ? 1 : 0) + (centered_ ? 1 : 0); }

protected:
    void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) override;

private:
    float rho_, momentum_, epsilon_;
    bool centered_;
};

/// Keras' Adagrad: accumulator (from initial_accumulator_value) += g^2;
/// w -= lr * g / sqrt(accumulator + epsilon).
class Adagrad : public Optimizer {
public:
    /// Keras' arguments and defaults.
    explicit Adagrad(LearningRate learning_rate = 1e-3, double initial_accumulator_value = 0.1, double epsilon = 1e-7,
                     OptimizerOptions options = {});
    std::string name() const override { return "adagrad"; }
    Config get_config() const override;
    int slot_count() const override { return 1; }

protected:
    float slot_initial_value(int) const override { return initial_; }
    void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) override;

private:
    float initial_, epsilon_;
};

/// Keras' Nadam (Adam with Nesterov momentum, Dozat 2015): u_t = beta_1 (1 - 0.5 * 0.96^t),
/// the running product of the u's kept across steps; m and v as in Adam; m_hat = u_{t+1} m /
/// (1 - prod_{t+1}) + (1 - u_t) g / (1 - prod_t); v_hat = v / (1 - beta_2^t);
/// w -= lr * m_hat / (sqrt(v_hat) + epsilon).
class Nadam : public Optimizer {
public:
    /// Keras' arguments and defaults.
    explicit Nadam(LearningRate learning_rate = 1e-3, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7,
                   OptimizerOptions options = {});
    std::string name() const override { return "nadam"; }
    Config get_config() const override;
    int slot_count() const override { return 2; }
    std::vector<double> scalar_state() const override { return {u_product_}; }
    /// Restores the momentum product.
    void set_scalar_state(const std::vector<double>& values) override;

protected:
    void begin_update(int64_t step) override;
    void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) override;

private:
    float beta_1_, beta_2_, epsilon_;
    double u_product_ = 1.0;  // prod of u_1 .. u_t after begin_update of step t
};

/// Keras' AdamW: Adam with decoupled weight decay (w -= w * weight_decay * lr before each update),
/// weight_decay 0.004 by default.
class AdamW : public Adam {
public:
    /// Keras' arguments and defaults.
    explicit AdamW(LearningRate learning_rate = 1e-3, double weight_decay = 0.004, double beta_1 = 0.9,
                   double beta_2 = 0.999, double epsilon = 1e-7, OptimizerOptions options = {});
    std::string name() const override { return "adamw"; }
};

}  // namespace minnow
