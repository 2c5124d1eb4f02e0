#pragma once
/// The headline experiment: the same network trained with and without a normalization layer,
/// side by side, fair by construction.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/experiments/callbacks.hpp"
#include "minnow/models/activation_statistics.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::experiments {

/// The seed tutorial's two networks.
enum class ModelKind { Mlp, Cnn };
/// A ModelKind by name ("mlp" or "cnn"); ValueError otherwise.
ModelKind model_kind_from_name(const std::string& name);
/// "mlp" or "cnn".
std::string model_kind_name(ModelKind kind);

/// Which normalization layer the "with" arm uses.
enum class NormKind { Batch, Layer, Group };
NormKind norm_kind_from_name(const std::string& name);  ///< "batch", "layer" or "group"
std::string norm_kind_name(NormKind kind);               ///< "batch", "layer" or "group"
std::string norm_abbreviation(NormKind kind);            ///< "BN", "LN" or "GN"
std::string norm_class_name(NormKind kind);              ///< "BatchNormalization", ...
/// The arms' names in reports and saved models: "with_bn" / "without_bn" (ln, gn likewise).
std::string arm_name(NormKind kind, bool with_norm);
/// GroupNormalization's groups in the seed networks: 8 divides every width (32, 64, 128).
inline constexpr int64_t kCompareGroups = 8;

/// The seed tutorial's network, built with the public API:
///  mlp: Dense(128) BN ReLU, Dense(64) BN ReLU, Dense(32) BN ReLU, Dense(10, softmax) on (784,);
///  cnn: Conv2D(32, 3x3) BN ReLU, MaxPooling2D, Conv2D(64, 3x3) BN ReLU, MaxPooling2D, Flatten,
///       Dense(64) BN ReLU, Dense(10, softmax) on (28, 28, 1).
/// Without normalization, the same with the BatchNormalization layers left out. `norm` swaps
/// BatchNormalization for LayerNormalization or GroupNormalization(kCompareGroups).
Sequential build_network(ModelKind kind, bool with_norm, int64_t classes = 10, NormKind norm = NormKind::Batch);

/// Both arms for one seed: the global seed is set, the "with" arm is built, and the "without" arm
/// is built and given the same initial weights in every layer the two share (Dense, Conv2D).
std::pair<Sequential, Sequential> make_arms(ModelKind kind, uint64_t seed, int64_t classes = 10,
                                            NormKind norm = NormKind::Batch);

/// How a comparison used its data, for titles, tables and manifests.
struct DataDescription {
    std::string name = "mnist";  ///< the dataset folder's name
    int64_t train_samples = 0;   ///< samples trained on (after limit)
    int64_t test_samples = 0;    ///< samples validated on (after limit)
    int64_t limit = 0;           ///< --limit: the first N of each split (0: all)
    bool subset = false;         ///< the folder holds a subset of the dataset (MNIST's offline fallback)
    /// "mnist: 60,000 train / 10,000 test (full)", "mnist: 6,000 train / 6,000 test (--limit 6000)".
    std::string str() const;
};

/// What `minnow compare` runs: the network, the data, the training and what to measure besides.
struct CompareOptions {
    ModelKind model = ModelKind::Mlp;    ///< the seed network
    NormKind norm = NormKind::Batch;     ///< the "with" arm's normalization
    DataDescription data;                ///< for titles, tables and manifests
    int epochs = 10;                     ///< per arm and seed
    int64_t batch_size = 32;             ///< both arms'
    double learning_rate = 1e-3;         ///< Adam's, both arms
    int seeds = 1;                       ///< repeat with seeds seed, seed+1, ...
    uint64_t seed = 42;                  ///< the first seed (weights and shuffles)
    bool quiet = false;                  ///< no summaries or progress bars
    /// Also validate each epoch with recalibrated BatchNormalization statistics and with batch
    /// statistics (RecalibratedValidation); training is unchanged.
    bool recalibrate = false;
    /// Record activation statistics (ActivationStatistics) for both arms.
    bool stats = false;
    /// With stats: a point every this many batches (0: about ten an epoch).
    int64_t stats_every = 0;
    /// Measure validation accuracy every this many batches on a fixed subset (TimeToAccuracy), so
    /// milestones are timed to the step (0: at epoch ends only).
    int64_t val_every = 0;
    /// The subset's size for val_every (0: all of the validation data).
    int64_t val_subset = 2000;
    /// Refuse a batch whose estimated step memory exceeds what the machine has (FitOptions::memory_limit).
    bool memory_check = true;
};

/// Where an arm's loss stopped being finite.
struct Divergence {
    int epoch = 0;  ///< 0-based
    int batch = 0;  ///< 0-based, within the epoch
};

/// One arm's training run for one seed.
struct ArmRun {
    std::string arm;  ///< arm_name(): "with_bn", "without_bn", ...
    uint64_t seed = 0;  ///< the seed of its initial weights and shuffles
    History history;  ///< with recalibrate: also val_accuracy_recalibrated, val_loss_recalibrated,
                      ///< val_accuracy_batch_statistics
    int64_t steps_per_epoch = 0;  ///< batches per epoch
    std::optional<Divergence> diverged;  ///< where the loss stopped being finite, if it did
    std::vector<TimeToAccuracy::Point> progress;   ///< with val_every
    std::vector<ActivationRecord> activations;     ///< with stats
};

/// What run_comparison() returns: the options, every arm's run for every seed, the two models' summaries.
struct CompareResult {
    CompareOptions options;       ///< as given
    std::vector<ArmRun> runs;     ///< with arm, then without, for each seed in turn
    std::string summary_with;     ///< the with arm's summary() text
    std::string summary_without;  ///< the without arm's
    float momentum = 0.99f;                     ///< the BatchNormalization momentum of the with arm
};

/// Trains both arms for each seed (Adam, sparse categorical cross-entropy, accuracy, validation on
/// `test`), each arm seeing the same batches in the same order. A diverging arm (the loss becomes
/// NaN or infinite) stops there and is reported as diverged. Progress goes to `log`.
CompareResult run_comparison(const CompareOptions& options, std::shared_ptr<const Dataset> train,
                             std::shared_ptr<const Dataset> test, std::ostream& log);

/// The per-epoch side-by-side table (mean +- std over seeds; "diverged" where an arm stopped).
std::string epoch_table(const CompareResult& result);
/// Final accuracies (with the paired comparison over seeds, experiments/statistics.hpp), the steps
/// and seconds each arm took to reach given validation accuracies, seconds per epoch, and caveats
/// when the moving statistics cannot be trusted.
std::string verdict(const CompareResult& result);

/// history.csv: arm,seed,epoch,loss,accuracy,val_loss,val_accuracy (epoch from 1), then the
/// recalibrated columns when there are any. No timings, so a rerun gives the same bytes.
std::string history_csv(const CompareResult& result);
/// history.json: the options and every run's per-epoch values, seconds, progress and divergence.
std::string history_json(const CompareResult& result);
/// curves.svg: an accuracy panel and a loss panel, train and validation curves of both arms
/// (mean with a +-std band when there are several seeds), titled with the data as used.
std::string curves_svg(const CompareResult& result);
/// progress.svg (with val_every): validation accuracy on the subset against training seconds and
/// against steps, both arms.
std::string progress_svg(const CompareResult& result);
/// activations.svg (with stats): for each hidden block, the input of its activation (the
/// normalization's output with BN, the weight layer's without), mean and p1-p99 band over
/// training steps, the with arm beside the without arm (first seed).
std::string activations_svg(const CompareResult& result);
/// Writes history.csv, history.json, curves.svg and summary.txt into `dir` (created if needed),
/// and progress.csv / progress.svg, stats.csv / stats.json / activations.svg when recorded.
void write_outputs(const CompareResult& result, const std::string& dir);

}  // namespace minnow::experiments
