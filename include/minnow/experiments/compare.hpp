#pragma once
/// The headline experiment: the same network trained with and without a normalization layer,
/// side by side, fair by construction.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::experiments {

/// The seed tutorial's two networks.
enum class ModelKind { Mlp, Cnn };
ModelKind model_kind_from_name(const std::string& name);
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

struct CompareOptions {
    ModelKind model = ModelKind::Mlp;
    NormKind norm = NormKind::Batch;
    std::string dataset_name = "mnist";  ///< for titles and logs
    int epochs = 10;
    int64_t batch_size = 32;
    double learning_rate = 1e-3;
    int seeds = 1;                       ///< repeat with seeds seed, seed+1, ...
    uint64_t seed = 42;
    bool quiet = false;                  ///< no summaries or progress bars
};

/// One arm's training run for one seed.
struct ArmRun {
    std::string arm;  ///< arm_name(): "with_bn", "without_bn", ...
    uint64_t seed = 0;
    History history;
};

struct CompareResult {
    CompareOptions options;
    std::vector<ArmRun> runs;
    std::string summary_with, summary_without;  ///< the two models' summary() text
};

/// Trains both arms for each seed (Adam, sparse categorical cross-entropy, accuracy, validation on
/// `test`), each arm seeing the same batches in the same order. Progress goes to `log`.
CompareResult run_comparison(const CompareOptions& options, std::shared_ptr<const Dataset> train,
                             std::shared_ptr<const Dataset> test, std::ostream& log);

/// The per-epoch side-by-side table (mean +- std over seeds).
std::string epoch_table(const CompareResult& result);
/// Final accuracies, the first epoch each arm reached given validation accuracies, seconds per epoch.
std::string verdict(const CompareResult& result);

/// history.csv: arm,seed,epoch,loss,accuracy,val_loss,val_accuracy,seconds (epoch from 1).
std::string history_csv(const CompareResult& result);
/// history.json: the options and every run's per-epoch values.
std::string history_json(const CompareResult& result);
/// curves.svg: an accuracy panel and a loss panel, train and validation curves of both arms
/// (mean with a +-std band when there are several seeds), titled, labelled, with legends.
std::string curves_svg(const CompareResult& result);
/// Writes history.csv, history.json, curves.svg and summary.txt into `dir` (created if needed).
void write_outputs(const CompareResult& result, const std::string& dir);

}  // namespace minnow::experiments
