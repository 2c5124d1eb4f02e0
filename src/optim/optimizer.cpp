#include "minnow/optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/optim/optimizers.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "core/config_json.hpp"
#include "kernels/optimizer.hpp"

namespace minnow {

namespace {
double squared_norm(const Tensor& t) {
    double acc = 0.0;
    for (float v : t.span()) acc += double(v) * v;
    return acc;
}

void scale(Tensor& t, float factor) {
    for (float& v : t.span()) v *= factor;
}
}  // namespace

Optimizer::Optimizer(LearningRate learning_rate, OptimizerOptions options)
    : learning_rate_(std::move(learning_rate)), options_(std::move(options)) {
    MINNOW_CHECK(learning_rate_.schedule() || learning_rate_.at(0) >= 0.0, ValueError,
                 "optimizer: invalid learning_rate={}, expected >= 0", learning_rate_.at(0));
    MINNOW_CHECK(!options_.clipvalue || *options_.clipvalue > 0.0, ValueError, "optimizer: clipvalue must be > 0");
    MINNOW_CHECK(int(options_.clipnorm.has_value()) + int(options_.global_clipnorm.has_value()) +
                         int(options_.clipvalue.has_value()) <= 1,
                 ValueError, "optimizer: set at most one of clipnorm, global_clipnorm and clipvalue");
    MINNOW_CHECK(!options_.clipnorm || *options_.clipnorm > 0.0, ValueError, "optimizer: clipnorm must be > 0");
    MINNOW_CHECK(!options_.global_clipnorm || *options_.global_clipnorm > 0.0, ValueError,
                 "optimizer: global_clipnorm must be > 0");
    MINNOW_CHECK(options_.weight_decay >= 0.0, ValueError, "optimizer: weight_decay must be >= 0, got {}",
                 options_.weight_decay);
    MINNOW_CHECK(options_.gradient_accumulation_steps >= 1, ValueError,
                 "optimizer: gradient_accumulation_steps must be >= 1, got {}", options_.gradient_accumulation_steps);
}

Optimizer::State& Optimizer::state_for(const Variable& v) {
    auto [it, inserted] = states_.try_emplace(v.impl_for_graph());
    State& s = it->second;
    if (inserted) {
        s.variable = v;
        for (int i = 0; i < slot_count(); ++i) s.slots.push_back(Tensor::full(v.shape(), slot_initial_value(i)));
        if (options_.gradient_accumulation_steps > 1) s.accumulated = Tensor::zeros(v.shape());
    }
    return s;
}

std::vector<Tensor>& Optimizer::slots(const Variable& v) { return state_for(v).slots; }

Tensor& Optimizer::accumulated(const Variable& v) { return state_for(v).accumulated; }

void Optimizer::set_learning_rate(double lr) {
    MINNOW_CHECK(!learning_rate_.schedule(), StateError,
                 "{}: its learning rate is a {} schedule, which a fixed value cannot replace", name(),
                 learning_rate_.schedule()->class_name());
    MINNOW_CHECK(lr >= 0.0, ValueError, "{}: invalid learning_rate={}, expected >= 0", name(), lr);
    learning_rate_ = LearningRate(lr);
}

void Optimizer::set_iterations(int64_t iterations) {
    MINNOW_CHECK(iterations >= 0, ValueError, "{}: iterations must be >= 0, got {}", name(), iterations);
    iterations_ = iterations;
}

void Optimizer::set_scalar_state(const std::vector<double>& values) {
    MINNOW_CHECK(values.empty(), ValueError, "{}: keeps no scalar state, got {} values", name(), values.size());
}

void Optimizer::apply(const std::vector<Variable>& variables) {
    std::vector<Variable> with_grad;
    for (const Variable& v : variables)
        if (v.has_grad()) with_grad.push_back(v);

    const int k = options_.gradient_accumulation_steps;
    if (k > 1) {
        const bool update_step = (iterations_ + 1) % k == 0;
        for (Variable& v : with_grad) {
            State& s = state_for(v);
            if (!update_step) {
                add_into(s.accumulated, v.grad());
                v.zero_grad();
                continue;
            }
            // The update uses the mean of the k gradients: (g + accumulated) / k.
            add_into(v.grad(), s.accumulated);
            scale(v.grad(), 1.0f / static_cast<float>(k));
            s.accumulated.zero();
        }
        if (!update_step) {
            ++iterations_;
            return;
        }
    }

    if (options_.clipnorm) {
        for (Variable& v : with_grad) {
            const double norm = std::sqrt(squared_norm(v.grad()));
            if (norm > *options_.clipnorm) scale(v.grad(), static_cast<float>(*options_.clipnorm / norm));
        }
    }
    if (options_.global_clipnorm) {
        double total = 0.0;
        for (Variable& v : with_grad) total += squared_norm(v.grad());
        const double norm = std::sqrt(total);
        if (norm > *options_.global_clipnorm)
            for (Variable& v : with_grad) scale(v.grad(), static_cast<float>(*options_.global_clipnorm / norm));
    }
    if (options_.clipvalue) {
        const auto c = static_cast<float>(*options_.clipvalue);
        for (Variable& v : with_grad)
            for (float& g : v.grad().span()) g = std::clamp(g, -c, c);
    }

    const int64_t step = iterations_ + 1;
    begin_update(step);
    const float lr = learning_rate();
    for (Variable& v : with_grad) {
        State& s = state_for(v);
        Tensor& w = v.value();
        if (options_.weight_decay > 0.0) scale(w, static_cast<float>(1.0 - options_.weight_decay * lr));
        update(w, v.grad(), s.slots, step);
        v.zero_grad();
    }
    ++iterations_;
}

Config Optimizer::get_config() const {
    nlohmann::json rate = learning_rate_.at(0);
    if (const auto& s = learning_rate_.schedule()) rate = {{"class_name", s->class_name()}, {"config", json_of(s->get_config())}};
    nlohmann::json config{{"name", name()}, {"learning_rate", rate}, {"weight_decay", options_.weight_decay},
                          {"gradient_accumulation_steps", options_.gradient_accumulation_steps}};
    config["clipvalue"] = options_.clipvalue ? nlohmann::json(*options_.clipvalue) : nlohmann::json(nullptr);
    config["clipnorm"] = options_.clipnorm ? nlohmann::json(*options_.clipnorm) : nlohmann::json(nullptr);
    config["global_clipnorm"] =
        options_.global_clipnorm ? nlohmann::json(*options_.global_clipnorm) : nlohmann::json(nullptr);
    return config_from_json(std::move(config));
}

Adam::Adam(LearningRate learning_rate, double beta_1, double beta_2, double epsilon, OptimizerOptions options,
           bool pytorch_epsilon)
    : Optimizer(learning_rate, std::move(options)),
      beta_1_(static_cast<float>(beta_1)),
      beta_2_(static_cast<float>(beta_2)),
      epsilon_(static_cast<float>(epsilon)),
      pytorch_epsilon_(pytorch_epsilon) {
    MINNOW_CHECK(beta_1 >= 0.0 && beta_1 < 1.0 && beta_2 >= 0.0 && beta_2 < 1.0, ValueError,
                 "Adam: beta_1={} and beta_2={} must be in [0, 1)", beta_1, beta_2);
    MINNOW_CHECK(epsilon >= 0.0, ValueError, "Adam: epsilon must be >= 0, got {}", epsilon);
}

void Adam::update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) {
    const auto t = static_cast<float>(step);
    const float lr = learning_rate();
    const float b1t = std::pow(beta_1_, t), b2t = std::pow(beta_2_, t);
    kernels::AdamCoefficients c{1.0f - beta_1_, 1.0f - beta_2_, epsilon_, lr * std::sqrt(1.0f - b2t) / (1.0f - b1t)};
    if (pytorch_epsilon_) {
        c.step_size = lr / (1.0f - b1t);
        c.root_b2 = std::sqrt(1.0f - b2t);
    }
    kernels::adam_update(w.data(), slots[0].data(), slots[1].data(), g.data(), w.numel(), c, pytorch_epsilon_);
}

Config Adam::get_config() const {
    nlohmann::json config = json_of(Optimizer::get_config());
    config["beta_1"] = beta_1_;
    config["beta_2"] = beta_2_;
    config["epsilon"] = epsilon_;
    config["pytorch_epsilon"] = pytorch_epsilon_;
    return config_from_json(std::move(config));
}

SGD::SGD(LearningRate learning_rate, double momentum, bool nesterov, OptimizerOptions options)
    : Optimizer(learning_rate, std::move(options)), momentum_(static_cast<float>(momentum)), nesterov_(nesterov) {
    MINNOW_CHECK(momentum >= 0.0 && momentum <= 1.0, ValueError, "SGD: momentum must be in [0, 1], got {}",
                 momentum);
}

void SGD::update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t) {
    const float lr = learning_rate(), momentum = momentum_;
    const bool nesterov = nesterov_;
    float* __restrict wp = w.data();
    const float* __restrict gp = g.data();
    const int64_t n = w.numel();
    if (momentum == 0.0f) {
        for (int64_t i = 0; i < n; ++i) wp[i] -= lr * gp[i];
        return;
    }
    float* __restrict m = slots[0].data();
    for (int64_t i = 0; i < n; ++i) {
        m[i] = momentum * m[i] - lr * gp[i];
        wp[i] += nesterov ? momentum * m[i] - lr * gp[i] : m[i];
    }
}

Config SGD::get_config() const {
    nlohmann::json config = json_of(Optimizer::get_config());
    config["momentum"] = momentum_;
    config["nesterov"] = nesterov_;
    return config_from_json(std::move(config));
}

std::shared_ptr<Optimizer> optimizer_from_name(const std::string& name) {
    if (name == "adam") return std::make_shared<Adam>();
    if (name == "sgd") return std::make_shared<SGD>();
    if (name == "rmsprop") return std::make_shared<RMSprop>();
    if (name == "adamw") return std::make_shared<AdamW>();
    if (name == "adagrad") return std::make_shared<Adagrad>();
    if (name == "nadam") return std::make_shared<Nadam>();
    throw ValueError(fmt::format("unknown optimizer '{}'; known optimizers: adam, adamw, adagrad, nadam, rmsprop, sgd", name));
}

OptimizerArg::OptimizerArg(const char* name) : optimizer_(optimizer_from_name(name)) {}
OptimizerArg::OptimizerArg(const std::string& name) : optimizer_(optimizer_from_name(name)) {}
OptimizerArg::OptimizerArg(std::shared_ptr<Optimizer> opt) : optimizer_(std::move(opt)) {
    MINNOW_CHECK(optimizer_ != nullptr, ValueError, "compile: the optimizer is null");
}

}  // namespace minnow
