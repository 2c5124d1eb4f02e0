#pragma once
/// The BatchNormalization lab: each claim the tutorials make about BN, tested as a grid of runs
/// (both arms of every grid point start from the same shared weights and see the same batches;
/// several seeds), with a verdict per claim by a stated rule and one report.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "minnow/data/dataset.hpp"
#include "minnow/experiments/compare.hpp"

namespace minnow::experiments {

/// The claims, in the report's order: speed, lr, init, depth, activation, placement, batch,
/// regularization, inference, transfer.
const std::vector<std::string>& claim_names();
/// The claim's one-line statement, as the tutorials put it.
std::string claim_statement(const std::string& claim);

/// How much a lab runs: quick (fewer grid points and epochs, for a first look) or full.
enum class Preset { Quick, Full };
Preset preset_from_name(const std::string& name);  ///< "quick" or "full"
/// "quick" or "full".
std::string preset_name(Preset preset);

/// What a lab runs.
struct LabOptions {
    std::vector<std::string> claims;  ///< empty: all
    ModelKind model = ModelKind::Mlp;  ///< the seed network every claim varies
    Preset preset = Preset::Full;      ///< the grids' size
    int seeds = 3;                     ///< runs per grid point and arm
    uint64_t seed = 42;                ///< the first seed (seed, seed + 1, ...)
    int epochs = 0;       ///< 0: the preset's, per claim
    int jobs = 0;         ///< runs at once (each on threads / jobs threads); 0: default_jobs()
    int threads = 0;      ///< threads in all; 0: minnow's current count
    DataDescription data;  ///< for the report and manifests
};

/// One training run of a grid: a claim's grid point, an arm, a seed, and everything that makes
/// the network and its training. The fields a claim does not vary keep the seed tutorial's values.
struct RunSpec {
    std::string claim;   ///< one of claim_names()
    std::string point;   ///< the grid point's label, e.g. "lr=0.01"
    double x = 0;        ///< the grid point's value on the figure's x axis
    std::string arm;     ///< "bn", "none", "ln", "gn", "bn_after", "bn_frozen", ...
    uint64_t seed = 42;  ///< initial weights, shuffles and dropout masks
    // The network.
    ModelKind model = ModelKind::Mlp;  ///< the seed network
    NormKind norm = NormKind::Batch;   ///< which normalization, when with_norm
    bool with_norm = true;             ///< false: the same network without it
    bool norm_after_activation = false;  ///< Dense -> Activation -> BN instead of Dense -> BN -> Activation
    int hidden_layers = 0;               ///< MLP only: hidden blocks of `width` units; 0: the seed 128-64-32
    int64_t width = 64;                  ///< units of each hidden block (with hidden_layers)
    std::string activation = "relu";     ///< of every hidden block
    double init_stddev = 0;              ///< > 0: kernels from RandomNormal(0, stddev); 0: glorot_uniform
    double dropout = 0;                  ///< Dropout after each hidden block
    double momentum = 0.99;              ///< BatchNormalization's
    // The training.
    std::string optimizer = "adam";      ///< "adam" or "sgd"
    double learning_rate = 1e-3;         ///< the optimizer's
    int64_t batch_size = 32;             ///< training's (recalibration's too)
    int epochs = 3;                      ///< of training (fine-tuning, for transfer)
    int64_t train_limit = 0;             ///< train on the first N samples only (0: all)
    int64_t val_every = 0;               ///< time to accuracy every K steps (speed)
    bool measure_saturation = false;     ///< activation statistics at the end (activation)
    bool measure_statistics_modes = false;  ///< moving / batch / recalibrated accuracy over training (inference)
    // Transfer: pretraining on the classes below `split`, fine-tuning on `finetune_samples` of the others.
    bool transfer = false;           ///< pretrain, then fine-tune (the transfer claim)
    int64_t split = 5;               ///< pretraining's classes are those below it
    int pretrain_epochs = 2;         ///< epochs of pretraining
    int64_t finetune_samples = 500;  ///< samples of the other classes fine-tuned on
    bool freeze_norm = false;        ///< fine-tune with the normalization layers frozen (inference mode)

    /// "claim/point/arm/seed": the run's identity, also its folder name under runs/.
    std::string id() const;
    /// Every field as key=value lines: two specs with the same text are the same run.
    std::string canonical() const;
};

/// What a run measured.
struct RunResult {
    RunSpec spec;                                 ///< what was run
    History history;                              ///< fit's, per epoch
    std::optional<Divergence> diverged;           ///< where the loss stopped being finite, if it did
    std::vector<TimeToAccuracy::Point> progress;  ///< with val_every
    /// Named scalars a claim needs: "final_val_accuracy", "best_val_accuracy", "train_accuracy",
    /// "gap", "steps_to_0.97", "seconds_to_0.97", "saturated_fraction", "final_val_loss", ...
    std::map<std::string, double> metrics;
    /// Over training (inference claim): step -> moving / batch-statistics / recalibrated accuracy.
    std::vector<std::map<std::string, double>> modes;
    double seconds = 0;  ///< the run's wall-clock time
};

/// A claim's verdict.
struct ClaimVerdict {
    std::string claim;      ///< its name
    std::string measured;   ///< what was measured, in words
    std::string numbers;    ///< the numbers, mean +- std over seeds
    std::string verdict;    ///< "supported", "not supported" or "inconclusive"
    std::string paragraph;  ///< what the data shows and does not show
};

/// What run_lab() returns.
struct LabResult {
    LabOptions options;                  ///< as given
    std::vector<RunResult> runs;         ///< every claim's runs, in grid order
    std::vector<ClaimVerdict> verdicts;  ///< one per claim run
};

/// The runs of one claim's grid, for the options (preset, seeds, model, epochs).
std::vector<RunSpec> claim_grid(const std::string& claim, const LabOptions& options);

/// The data a lab runs on: the training and test splits of one dataset.
struct LabData {
    std::shared_ptr<const Dataset> train;  ///< trained on
    std::shared_ptr<const Dataset> test;   ///< validated on
};

/// Progress of a lab: runs done of total, seconds so far, estimated seconds remaining.
using LabProgress = std::function<void(int64_t done, int64_t total, double elapsed, double remaining)>;

/// Runs at once when LabOptions::jobs is 0, the faster as measured on 2 cores: one per thread
/// (at most 8) for the MLP, whose small products gain little from threads; one for the CNN.
int default_jobs(ModelKind model, int threads);

/// Trains one run (in this thread) and measures it. A run that diverges is a result.
RunResult run_one(const RunSpec& spec, const LabData& data);

/// Runs every claim's grid and judges each claim. With `out`, each finished run is written to
/// `out/runs/<id>/` (result.json and its manifest) as it ends, and a run whose result.json is there
/// with the same spec is read back instead of trained again (resume).
LabResult run_lab(const LabOptions& options, const LabData& data, const std::string& out, const LabProgress& progress);

/// The verdict of one claim from its runs (the rule is in the report).
ClaimVerdict judge_claim(const std::string& claim, const std::vector<RunResult>& runs, const LabOptions& options);

/// results.csv: one row per run: the spec's fields and the result's metrics.
std::string lab_results_csv(const LabResult& result);
/// results.json: the options, the verdicts and every run.
std::string lab_results_json(const LabResult& result);
/// The SVG figure of one claim.
std::string claim_svg(const std::string& claim, const LabResult& result);
/// report.html: one self-contained page (figures inline): the verdict table, then a section per
/// claim with its figure, its grid and its paragraph.
std::string lab_report_html(const LabResult& result);
/// Writes results.csv, results.json, `<claim>.svg` for each claim and report.html into `dir`.
void write_lab_outputs(const LabResult& result, const std::string& dir);

/// Reads results.json back (for tests and tools): the runs' specs and metrics, and the verdicts.
LabResult read_lab_results(const std::string& path);

}  // namespace minnow::experiments
