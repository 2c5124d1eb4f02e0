#include "minnow/optim/optimizers.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "core/config_json.hpp"

namespace minnow {

RMSprop::RMSprop(LearningRate learning_rate, double rho, double momentum, double epsilon, bool centered,
                 OptimizerOptions options)
    : Optimizer(std::move(learning_rate), std::move(options)),
      rho_(static_cast<float>(rho)),
      momentum_(static_cast<float>(momentum)),
      epsilon_(static_cast<float>(epsilon)),
      centered_(centered) {
    MINNOW_CHECK(rho >= 0.0 && rho < 1.0, ValueError, "RMSprop: rho must be in [0, 1), got {}", rho);
    MINNOW_CHECK(momentum >= 0.0 && momentum < 1.0, ValueError, "RMSprop: momentum must be in [0, 1), got {}", momentum);
    MINNOW_CHECK(epsilon >= 0.0, ValueError, "RMSprop: epsilon must be >= 0, got {}", epsilon);
}

void RMSprop::update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t) {
    const float lr = learning_rate(), rho = rho_, eps = epsilon_, mom = momentum_;
    float* __restrict wp = w.data();
    const float* __restrict gp = g.data();
    float* __restrict velocity = slots[0].data();
    float* __restrict momentum = mom > 0.0f ? slots[1].data() : nullptr;
    float* __restrict average = centered_ ? slots.back().data() : nullptr;
    for (int64_t i = 0; i < w.numel(); ++i) {
        velocity[i] = rho * velocity[i] + (1.0f - rho) * gp[i] * gp[i];
        float denominator = velocity[i] + eps;
        if (average != nullptr) {
            average[i] = rho * average[i] + (1.0f - rho) * gp[i];
            denominator = velocity[i] - average[i] * average[i] + eps;
        }
        const float increment = lr * gp[i] / std::sqrt(denominator);
        if (momentum != nullptr) {
            momentum[i] = mom * momentum[i] + increment;
            wp[i] -= momentum[i];
        } else {
            wp[i] -= increment;
        }
    }
}

Config RMSprop::get_config() const {
    nlohmann::json config = json_of(Optimizer::get_config());
    config.update({{"rho", rho_}, {"momentum", momentum_}, {"epsilon", epsilon_}, {"centered", centered_}});
    return config_from_json(std::move(config));
}

Adagrad::Adagrad(LearningRate learning_rate, double initial_accumulator_value, double epsilon, OptimizerOptions options)
    : Optimizer(std::move(learning_rate), std::move(options)),
      initial_(static_cast<float>(initial_accumulator_value)),
      epsilon_(static_cast<float>(epsilon)) {
    MINNOW_CHECK(initial_accumulator_value >= 0.0, ValueError,
                 "Adagrad: initial_accumulator_value must be >= 0, got {}", initial_accumulator_value);
    MINNOW_CHECK(epsilon >= 0.0, ValueError, "Adagrad: epsilon must be >= 0, got {}", epsilon);
}

void Adagrad::update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t) {
    const float lr = learning_rate(), eps = epsilon_;
    float* __restrict wp = w.data();
    const float* __restrict gp = g.data();
    float* __restrict acc = slots[0].data();
    for (int64_t i = 0; i < w.numel(); ++i) {
        acc[i] += gp[i] * gp[i];
        wp[i] -= lr * gp[i] / std::sqrt(acc[i] + eps);
    }
}

Config Adagrad::get_config() const {
    nlohmann::json config = json_of(Optimizer::get_config());
    config.update({{"initial_accumulator_value", initial_}, {"epsilon", epsilon_}});
    return config_from_json(std::move(config));
}

Nadam::Nadam(LearningRate learning_rate, double beta_1, double beta_2, double epsilon, OptimizerOptions options)
    : Optimizer(std::move(learning_rate), std::move(options)),
      beta_1_(static_cast<float>(beta_1)),
      beta_2_(static_cast<float>(beta_2)),
      epsilon_(static_cast<float>(epsilon)) {
    MINNOW_CHECK(beta_1 >= 0.0 && beta_1 < 1.0 && beta_2 >= 0.0 && beta_2 < 1.0, ValueError,
                 "Nadam: beta_1={} and beta_2={} must be in [0, 1)", beta_1, beta_2);
    MINNOW_CHECK(epsilon >= 0.0, ValueError, "Nadam: epsilon must be >= 0, got {}", epsilon);
}

namespace {
// Nadam's momentum schedule: u_t = beta_1 * (1 - 0.5 * 0.96^t).
float nadam_u(float beta_1, int64_t t) { return beta_1 * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(t))); }
}  // namespace

void Nadam::begin_update(int64_t step) { u_product_ *= double(nadam_u(beta_1_, step)); }

void Nadam::set_scalar_state(const std::vector<double>& values) {
    MINNOW_CHECK(values.size() == 1, ValueError, "Nadam: expected 1 scalar of state, got {}", values.size());
    u_product_ = values[0];
}

void Nadam::update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) {
    const float lr = learning_rate(), b1 = beta_1_, b2 = beta_2_, eps = epsilon_;
    const float u_t = nadam_u(b1, step), u_next = nadam_u(b1, step + 1);
    const auto product = static_cast<float>(u_product_), product_next = product * u_next;
    const float b2_power = std::pow(b2, static_cast<float>(step));
    float* __restrict wp = w.data();
    const float* __restrict gp = g.data();
    float* __restrict m = slots[0].data();
    float* __restrict v = slots[1].data();
    for (int64_t i = 0; i < w.numel(); ++i) {
        m[i] += (gp[i] - m[i]) * (1.0f - b1);
        v[i] += (gp[i] * gp[i] - v[i]) * (1.0f - b2);
        const float m_hat = u_next * m[i] / (1.0f - product_next) + (1.0f - u_t) * gp[i] / (1.0f - product);
        const float v_hat = v[i] / (1.0f - b2_power);
        wp[i] -= m_hat * lr / (std::sqrt(v_hat) + eps);
    }
}

Config Nadam::get_config() const {
    nlohmann::json config = json_of(Optimizer::get_config());
    config.update({{"beta_1", beta_1_}, {"beta_2", beta_2_}, {"epsilon", epsilon_}});
    return config_from_json(std::move(config));
}

namespace {
OptimizerOptions with_decay(OptimizerOptions options, double weight_decay) {
    options.weight_decay = weight_decay;
    return options;
}
}  // namespace

AdamW::AdamW(LearningRate learning_rate, double weight_decay, double beta_1, double beta_2, double epsilon,
             OptimizerOptions options)
    : Adam(std::move(learning_rate), beta_1, beta_2, epsilon, with_decay(std::move(options), weight_decay)) {}

}  // namespace minnow
