#pragma once
/// Optimizer: the base of every optimizer, with Keras 3's learning-rate schedules, clipping,
/// decoupled weight decay and gradient accumulation; Adam and SGD. RMSprop, Adagrad, Nadam and
/// AdamW are in optim/optimizers.hpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "minnow/core/config.hpp"

#include "minnow/autograd/variable.hpp"
#include "minnow/optim/schedules.hpp"

namespace minnow {

/// Options every optimizer takes (Keras 3 names).
struct OptimizerOptions {
    /// Each variable's gradient is scaled down so its L2 norm is at most this.
    std::optional<double> clipnorm = std::nullopt;
    /// All gradients are scaled down together so their joint L2 norm is at most this.
    std::optional<double> global_clipnorm = std::nullopt;
    /// Each gradient element is clipped to [-clipvalue, clipvalue]. At most one of clipnorm,
    /// global_clipnorm and clipvalue, as in Keras.
    std::optional<double> clipvalue = std::nullopt;
    /// Decoupled weight decay: before each update, w -= w * weight_decay * learning_rate.
    double weight_decay = 0.0;
    /// When > 1, gradients are averaged over this many batches before one update (a remedy for
    /// small batches). As in Keras 3 the step counter still counts every batch.
    int gradient_accumulation_steps = 1;
};

/// Updates variables from their gradients. Non-trainable weights are never passed to it.
class Optimizer {
public:
    virtual ~Optimizer() = default;

    /// One step: reads each variable's gradient, updates the variable, clears the gradient.
    /// Variables without a gradient are left alone.
    void apply(const std::vector<Variable>& variables);

    /// The learning rate of the next update: the schedule at iterations(), or the constant.
    float learning_rate() const { return static_cast<float>(learning_rate_.at(iterations_)); }
    /// Replaces a constant learning rate (as callbacks do); StateError when it is a schedule.
    void set_learning_rate(double lr);
    /// The rate as given: a constant or a schedule.
    const LearningRate& learning_rate_setting() const { return learning_rate_; }
    /// Batches applied so far (Keras' optimizer.iterations).
    int64_t iterations() const { return iterations_; }
    /// Clipping and gradient accumulation, as given.
    const OptimizerOptions& options() const { return options_; }

    /// The state tensors of variable `v` (slot_count() of them, shaped like it), created when first
    /// asked for: for saving and restoring the optimizer with a model.
    std::vector<Tensor>& slots(const Variable& v);
    /// The gradient of `v` summed so far in the current accumulation cycle (undefined without
    /// gradient accumulation): saved with the slots so a resumed run finishes the cycle.
    Tensor& accumulated(const Variable& v);
    /// Scalars some optimizers keep besides the slots (Nadam's momentum product); empty for most.
    virtual std::vector<double> scalar_state() const { return {}; }
    /// Restores scalar_state() (for loading a saved optimizer).
    virtual void set_scalar_state(const std::vector<double>& values);
    /// For restoring a saved optimizer: the batches already applied.
    void set_iterations(int64_t iterations);

    /// Keras' name ("adam").
    virtual std::string name() const = 0;
    /// The arguments that rebuild this optimizer.
    virtual Config get_config() const;
    /// How many state tensors (shaped like the variable) update() keeps per variable.
    virtual int slot_count() const = 0;

protected:
    /// For subclasses: the rate and the options common to every optimizer.
    Optimizer(LearningRate learning_rate, OptimizerOptions options);
    /// The value a new slot starts from (Adagrad's accumulators start at 0.1).
    virtual float slot_initial_value(int /*slot*/) const { return 0.0f; }
    /// Called once an update, before the variables' updates (step from 1).
    virtual void begin_update(int64_t /*step*/) {}
    /// Updates w in place from gradient g at step `step` (1 for the first update).
    virtual void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) = 0;

private:
    struct State {
        Variable variable;  // keeps the key alive
        std::vector<Tensor> slots;
        Tensor accumulated;
    };
    State& state_for(const Variable& v);

    LearningRate learning_rate_;
    OptimizerOptions options_;
    int64_t iterations_ = 0;
    std::unordered_map<const void*, State> states_;
};

/// Adam in Keras' form: alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1);
/// v += (g^2 - v)(1 - b2); w -= alpha * m / (sqrt(v) + epsilon). With `pytorch_epsilon`, epsilon
/// goes where PyTorch puts it: w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + epsilon).
class Adam : public Optimizer {
public:
    /// Keras' arguments and defaults; `pytorch_epsilon` as described above.
    explicit Adam(LearningRate learning_rate = 1e-3, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7,
                  OptimizerOptions options = {}, bool pytorch_epsilon = false);
    std::string name() const override { return "adam"; }
    Config get_config() const override;

    int slot_count() const override { return 2; }

protected:
    void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) override;

private:
    float beta_1_, beta_2_, epsilon_;
    bool pytorch_epsilon_;
};

/// Stochastic gradient descent, Keras' form: with momentum, m = momentum * m - lr * g and
/// w += m (Nesterov: w += momentum * m - lr * g); without, w -= lr * g.
class SGD : public Optimizer {
public:
    /// Keras' arguments and defaults.
    explicit SGD(LearningRate learning_rate = 0.01, double momentum = 0.0, bool nesterov = false,
                 OptimizerOptions options = {});
    std::string name() const override { return "sgd"; }
    Config get_config() const override;

    int slot_count() const override { return momentum_ != 0.0f ? 1 : 0; }

protected:
    void update(Tensor& w, const Tensor& g, std::vector<Tensor>& slots, int64_t step) override;

private:
    float momentum_;
    bool nesterov_;
};

/// compile()'s optimizer argument: a Keras name ("adam", "sgd", "rmsprop", "adamw", "adagrad",
/// "nadam") or an object.
class OptimizerArg {
public:
    ///@{
    /// An optimizer by Keras name with its defaults; ValueError otherwise.
    OptimizerArg(const char* name);         // NOLINT(google-explicit-constructor)
    OptimizerArg(const std::string& name);  // NOLINT(google-explicit-constructor)
    ///@}
    /// Any Optimizer subclass, by value: `Adam(1e-4)`.
    template <class T>
        requires std::derived_from<T, Optimizer>
    OptimizerArg(T opt) : optimizer_(std::make_shared<T>(std::move(opt))) {}  // NOLINT(google-explicit-constructor)
    /// An optimizer shared with the caller.
    OptimizerArg(std::shared_ptr<Optimizer> opt);  // NOLINT(google-explicit-constructor)
    /// The optimizer.
    std::shared_ptr<Optimizer> get() const { return optimizer_; }

private:
    std::shared_ptr<Optimizer> optimizer_;
};

/// The optimizer called `name` with Keras' defaults; ValueError otherwise.
std::shared_ptr<Optimizer> optimizer_from_name(const std::string& name);
/// The optimizer get_config() describes, schedule included (its state starts fresh).
std::shared_ptr<Optimizer> optimizer_from_config(const Config& config);

}  // namespace minnow
