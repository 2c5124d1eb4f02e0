#pragma once
/// Sequential: a stack of layers with Keras' compile / fit / evaluate / predict.

#include <concepts>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/losses/losses.hpp"
#include "minnow/metrics/metrics.hpp"
#include "minnow/models/callbacks.hpp"
#include "minnow/optim/optimizer.hpp"

namespace minnow {

namespace detail {
struct Plan;
}

/// A layer handed to a Sequential: any layer object (moved in) or a shared_ptr to one (shared,
/// so the caller can keep using it).
class LayerHandle {
public:
    /// A layer moved into the model.
    template <class L>
        requires std::derived_from<std::decay_t<L>, Layer> && (!std::is_lvalue_reference_v<L>)
    LayerHandle(L&& layer) : ptr_(std::make_shared<std::decay_t<L>>(std::move(layer))) {}  // NOLINT
    /// A layer shared with the caller.
    template <class L>
        requires std::derived_from<L, Layer>
    LayerHandle(std::shared_ptr<L> layer) : ptr_(std::move(layer)) {}  // NOLINT
    /// The layer.
    std::shared_ptr<Layer> get() const { return ptr_; }

private:
    std::shared_ptr<Layer> ptr_;
};

/// Validation data for fit(): `{x_val, y_val}` or `{x_val, y_val, sample_weight_val}` tensors
/// (copied), or any dataset.
struct ValidationData {
    std::shared_ptr<const Dataset> data;  ///< the validation samples; null: no validation
    /// One weight per validation sample, or undefined.
    Tensor sample_weight;
    ValidationData() = default;
    /// Validation tensors x (N, ...) and y (N, ...), copied, with optional weights (N,).
    ValidationData(Tensor x, Tensor y, Tensor weights = {});  // NOLINT(google-explicit-constructor)
    /// Any dataset (shared).
    template <class D>
        requires std::derived_from<D, Dataset>
    ValidationData(std::shared_ptr<D> d) : data(std::move(d)) {}  // NOLINT(google-explicit-constructor)
    /// Whether there is validation data.
    explicit operator bool() const { return data != nullptr; }
};

/// How fit() spreads its batches over the ranks of an MPI job (core/distributed.hpp): each
/// global batch (the same shuffle on every rank) is split into per-rank shards, every rank trains
/// on its shard, and the gradients are summed in one allreduce a step, so the result is training
/// on the whole batch in one process. `.distributed = true` for equal shards.
struct DataParallel {
    bool enabled = false;  ///< train data-parallel when the job has several ranks
    /// Relative shard sizes, one per rank (e.g. {2, 1} for a machine twice as fast as the other);
    /// empty: equal shards. A share of 0 leaves that rank's shards empty.
    std::vector<double> shard_shares = {};
    DataParallel() = default;
    /// `.distributed = true`: equal shards.
    DataParallel(bool on) : enabled(on) {}  // NOLINT(google-explicit-constructor)
    /// Shards in proportion to `shares`, one per rank.
    static DataParallel with_shares(std::vector<double> shares) {
        DataParallel d(true);
        d.shard_shares = std::move(shares);
        return d;
    }
};

/// fit()'s options, with Keras' names and defaults.
struct FitOptions {
    /// The epoch to stop before, as Keras: fit runs epochs initial_epoch .. epochs - 1.
    int epochs = 1;
    int64_t batch_size = 32;  ///< samples per step (the last batch of an epoch may be smaller)
    /// Evaluated at each epoch's end (the val_ logs); takes precedence over validation_split.
    ValidationData validation_data = {};
    /// Fraction of the samples, taken from the end before shuffling, held out for validation.
    double validation_split = 0.0;
    /// Shuffle the training samples before each epoch.
    bool shuffle = true;
    /// Seeds the shuffles; without it, drawn from the global generator (set_random_seed).
    std::optional<uint64_t> seed = std::nullopt;
    /// 0 silent, 1 progress bar, 2 one line per epoch.
    int verbose = 1;
    std::vector<std::shared_ptr<Callback>> callbacks = {};  ///< called in order, after fit's History and progress bar
    /// The epoch to start from (to resume a run): fit(..., {.epochs = 4, .initial_epoch = 2}) runs
    /// epochs 2 and 3. The skipped epochs' shuffles are replayed, so with the same seed a resumed
    /// run sees the batches the uninterrupted one would.
    int initial_epoch = 0;
    /// One weight per training sample, (N,) or (N, 1): each sample's loss is multiplied by its
    /// weight (the batch loss is sum(w * loss) / batch size, as Keras), as are the weighted metrics.
    Tensor sample_weight = {};
    /// A weight per class (sparse labels, or the argmax of one-hot targets) that becomes each
    /// sample's weight, as Keras' class_weight; classes not listed weigh 1. Not with sample_weight.
    std::map<int64_t, double> class_weight = {};
    /// Bytes a training step may take (estimate_training_memory): fit refuses a batch whose
    /// estimate is larger, naming the largest that fits. 0: the memory the system has available;
    /// -1: no check.
    int64_t memory_limit = 0;
    /// Data-parallel training across the ranks of an MPI job (mpirun): rank 0's weights and
    /// optimizer state are broadcast first, each rank trains on its shard of every batch, losses,
    /// metrics and validation are reduced across ranks, and only rank 0 prints progress. Without
    /// MPI, or on one rank, fit runs as usual.
    DataParallel distributed = {};
};

/// A linear stack of layers. Build it in one expression, Keras style:
///
///     Sequential model({Input({784}), Dense(64), BatchNormalization(), Activation("relu"),
///                       Dense(10, "softmax")});
///
/// Shapes come from the Input layer (or the first call, or build()). Layers without a name get
/// Keras' automatic names, unique within the model (dense, dense_1, ...). A Sequential is itself
/// a Layer and can sit inside another model.
class Sequential : public Layer {
public:
    /// A model of `layers` in order (an Input first fixes the input shape): `Sequential({Input({784}), Dense(10)})`.
    Sequential(std::initializer_list<LayerHandle> layers = {});
    /// A model of `layers` in order.
    explicit Sequential(const std::vector<LayerHandle>& layers);

    /// Appends a layer (building it at once when the model's input shape is known).
    void add(LayerHandle layer);
    /// The layers, in order (the Input layer included when there is one).
    const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
    /// The layer called `name` (ValueError if none).
    Layer& get_layer(const std::string& name) const;
    /// The layer at `index`, counted as Keras does: the Input layer is not counted, so 0 is the
    /// first layer added after it (ValueError if out of range).
    Layer& get_layer(int64_t index) const;

    /// Builds every layer for `input_shape` (batch dimension included, any value).
    Shape build(const Shape& input_shape) override;
    /// The layers in order, with the training plan's fusions (the same numbers as one by one).
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Sequential"; }
    Config get_config() const override;
    /// The model get_config() describes, built when the config holds its input shape.
    static std::shared_ptr<Sequential> from_config(const Config& config);
    std::vector<Layer*> sublayers() const override;

    /// Keras' summary table: layer names and types, output shapes and parameter counts.
    void summary(std::ostream& out) const;
    ///@{
    /// The same table printed to stdout, or returned as text.
    void summary() const;
    std::string summary_string() const;
    ///@}

    /// Sets the optimizer, the loss and the metrics (by name). `metrics` ignore sample weights;
    /// `weighted_metrics` take them into account (named "weighted_<name>" if also in `metrics`),
    /// as Keras.
    void compile(OptimizerArg optimizer, LossArg loss, std::vector<std::string> metrics = {},
                 std::vector<std::string> weighted_metrics = {});
    /// Whether compile() has run.
    bool compiled() const { return optimizer_ != nullptr; }
    ///@{
    /// The compiled optimizer and loss (StateError before compile).
    Optimizer& optimizer() const;
    const Loss& loss() const;
    ///@}

    /// Trains on x (N, ...) and y (N, ...) for options.epochs epochs. Like TensorFlow on CPU,
    /// fit, evaluate, predict and the *_on_batch calls flush denormal floats to zero while they run.
    History fit(const Tensor& x, const Tensor& y, FitOptions options = {});
    /// Trains on a dataset.
    History fit(std::shared_ptr<const Dataset> train, FitOptions options = {});
    /// Loss and metrics over x, y in inference mode: {"loss": ..., "accuracy": ...}. Inference
    /// runs in chunks sized by the model's widest activation whatever batch_size says (at most
    /// batch_size), so memory stays bounded; the result is the same (inference treats every sample
    /// on its own). Each BatchNormalization after a Dense or Conv2D without activation is folded
    /// into a copy of that layer's weights for the call.
    /// `sample_weight` (one per sample, or undefined) weighs the loss and the weighted metrics.
    Logs evaluate(const Tensor& x, const Tensor& y, int64_t batch_size = 32, int verbose = 0,
                  const Tensor& sample_weight = {});
    /// The same over a dataset.
    Logs evaluate(const Dataset& data, int64_t batch_size = 32, int verbose = 0, const Tensor& sample_weight = {});
    /// The same with the data split across the ranks of an MPI job (`distributed`): each rank
    /// evaluates its part, the sums are reduced, every rank gets the logs of the whole data.
    Logs evaluate(const Dataset& data, int64_t batch_size, int verbose, const Tensor& sample_weight, bool distributed);
    /// Outputs for x, in batches, in inference mode, with no graph recorded.
    Tensor predict(const Tensor& x, int64_t batch_size = 32);
    /// The same over a dataset.
    Tensor predict(const Dataset& data, int64_t batch_size = 32);
    /// The same with the samples split across the ranks of an MPI job (`distributed`): each rank
    /// predicts its part; every rank gets all the outputs.
    Tensor predict(const Dataset& data, int64_t batch_size, bool distributed);
    /// Outputs for x as one batch, in inference mode, with no graph recorded.
    Tensor predict_on_batch(const Tensor& x);
    /// One optimizer step on one batch; returns the batch's loss and metrics. `class_weight` as in
    /// FitOptions; not with `sample_weight`.
    Logs train_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {},
                        const std::map<int64_t, double>& class_weight = {});
    /// The loss and metrics of one batch in inference mode.
    Logs test_on_batch(const Tensor& x, const Tensor& y, const Tensor& sample_weight = {});

    /// Set by a callback to end fit() after the current epoch (or batch).
    bool stop_training = false;

    /// Writes the weights as safetensors ("dense/kernel", ...); atomic.
    void save_weights(const std::string& path) const;
    /// Reads weights written by save_weights(); checks names, shapes, dtypes and sizes.
    void load_weights(const std::string& path);
    /// Writes the whole model: architecture (as JSON in the safetensors metadata) and weights, and
    /// for a compiled model (unless `include_optimizer` is false) the compile configuration and the
    /// optimizer's state (slots, step counter), as Keras' .keras files: load_model() then returns a
    /// model that trains on exactly as this one would. Atomic.
    void save(const std::string& path, bool include_optimizer = true) const;

    /// compile()'s arguments as JSON (Keras' get_compile_config): optimizer (with its schedule),
    /// loss, metrics and weighted metrics. Empty before compile().
    Config get_compile_config() const;
    /// compile() from get_compile_config()'s JSON (the optimizer starts with fresh state).
    void compile_from_config(const Config& config);

private:
    struct StepResult {
        double loss = 0.0;
        Tensor y_pred;
    };
    void assign_name(Layer& layer) const;
    /// Builds layer i on `shape`; a failure names the layer's position and its neighbour.
    Shape build_layer(size_t i, const Shape& shape);
    void require_compiled(const char* what) const;
    void reset_metrics();
    void update_metrics(const Tensor& y_pred, const Tensor& y_true, const Tensor& sample_weight);
    Logs collect_logs(double loss, const std::string& prefix = "") const;
    /// One optimizer step; `before_update` sees the trainable weights holding their gradients.
    /// x is taken by value: the graph's input holds it, and a batch gathered for the step moves in.
    StepResult train_step(Tensor x, const Tensor& y, const Tensor& sample_weight,
                          const std::function<void(const std::vector<Variable>&)>& before_update = {});
    /// The forward and backward of a step, the loss scaled by `loss_scale` for the backward (a
    /// shard's share of the global batch); the returned loss is the unscaled one.
    StepResult compute_gradients(Tensor x, const Tensor& y, const Tensor& sample_weight, float loss_scale);
    /// A data-parallel step on this rank's `rows` of a global batch of `batch_rows` rows.
    StepResult data_parallel_step(const Dataset& train, std::span<const int64_t> rows, int64_t batch_rows,
                                  const Tensor& weights, const std::function<void(const std::vector<Variable>&)>& before_update);
    /// Refuses a data-parallel split that would hand a rank a shard of one sample while the
    /// model has a BatchNormalization that normalizes per shard.
    void check_shards(int64_t samples, int64_t batch_size, const DataParallel& strategy) const;
    /// Makes every compiled metric for `data`'s targets now (a data-parallel rank may see no
    /// sample to make them from, and every rank must hold the same states).
    void ensure_metrics(const Dataset& data);
    /// Every metric's state (Metric::state()), concatenated, and back.
    std::vector<double> metric_states() const;
    void set_metric_states(const std::vector<double>& states);
    /// The training plan (models/plan.hpp), made once for the current layers.
    const detail::Plan& training_plan() const;
    /// The loss and output of the inference plan on `rows` of `data`, whose targets are `y`.
    StepResult test_step(const detail::Plan& plan, const Dataset& data, std::span<const int64_t> rows, const Tensor& y,
                         const Tensor& sample_weight);
    void check_targets(const Dataset& data) const;
    /// Refuses a batch whose estimated step memory exceeds `limit` (FitOptions::memory_limit).
    void check_memory(int64_t batch_size, int64_t limit) const;
    Logs run_evaluation(const Dataset& data, int64_t batch_size, const Tensor& sample_weight, bool distributed = false);

    std::vector<std::shared_ptr<Layer>> layers_;
    mutable std::shared_ptr<const detail::Plan> training_plan_;  // reset whenever a layer is added
    std::shared_ptr<Optimizer> optimizer_;
    std::shared_ptr<Loss> loss_;
    struct MetricSlot {
        std::string name;  // as asked for in compile()
        bool weighted = false;
        std::unique_ptr<Metric> metric;  // made on first use, when the shapes are known
    };
    std::vector<MetricSlot> metrics_;
};

/// Rebuilds a model saved with Sequential::save(), with no code: layers come from the layer
/// registry (built-ins, plus user layers registered with register_layer()). When the file holds a
/// compile configuration and `compile` is true (Keras' default), the model comes back compiled,
/// its optimizer's state restored.
Sequential load_model(const std::string& path, bool compile = true);

MINNOW_LINK_LAYER(Sequential);

}  // namespace minnow
