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

enum class Preset { Quick, Full };
Preset preset_from_name(const std::string& name);  ///< "quick" or "full"
std::string preset_name(Preset preset);

/// What a lab runs.
struct LabOptions {
    std::vector<std::string> claims;  ///< empty: all
    ModelKind model = ModelKind::Mlp;
    Preset preset = Preset::Full;
    int seeds = 3;
    uint64_t seed = 42;
    int epochs = 0;       ///< 0: the preset's, per claim
    int jobs = 0;         ///< runs at once (each on threads / jobs threads); 0: default_jobs()
    int threads = 0;      ///< threads in all; 0: minnow's current count
    DataDescription data;
};

/// One training run of a grid: a claim's grid point, an arm, a seed, and everything that makes
/// the network and its training. The fields a claim does not vary keep the seed tutorial's values.
struct RunSpec {
    std::string claim;
    std::string point;   ///< the grid point's label, e.g. "lr=0.01"
    double x = 0;        ///< the grid point's value on the figure's x axis
    std::string arm;     ///< "bn", "none", "ln", "gn", "bn_after", "bn_frozen", ...
    uint64_t seed = 42;
    // The network.
    ModelKind model = ModelKind::Mlp;
    NormKind norm = NormKind::Batch;
    bool with_norm = true;
    bool norm_after_activation = false;  ///< Dense -> Activation -> BN instead of Dense -> BN -> Activation
    int hidden_layers = 0;               ///< MLP only: hidden blocks of `width` units; 0: the seed 128-64-32
    int64_t width = 64;
    std::string activation = "relu";
    double init_stddev = 0;              ///< > 0: kernels from RandomNormal(0, stddev); 0: glorot_uniform
    double dropout = 0;                  ///< Dropout after each hidden block
    double momentum = 0.99;              ///< BatchNormalization's
    // The training.
    std::string optimizer = "adam";      ///< "adam" or "sgd"
    double learning_rate = 1e-3;
    int64_t batch_size = 32;
    int epochs = 3;
    int64_t train_limit = 0;             ///< train on the first N samples only (0: all)
    int64_t val_every = 0;               ///< time to accuracy every K steps (speed)
    bool measure_saturation = false;     ///< activation statistics at the end (activation)
    bool measure_statistics_modes = false;  ///< moving / batch / recalibrated accuracy over training (inference)
    // Transfer: pretraining on the classes below `split`, fine-tuning on `finetune_samples` of the others.
    bool transfer = false;
    int64_t split = 5;
    int pretrain_epochs = 2;
    int64_t finetune_samples = 500;
    bool freeze_norm = false;

    /// "claim/point/arm/seed": the run's identity, also its folder name under runs/.
    std::string id() const;
    /// Every field as key=value lines: two specs with the same text are the same run.
    std::string canonical() const;
};

/// What a run measured.
struct RunResult {
    RunSpec spec;
    History history;
    std::optional<Divergence> diverged;
    std::vector<TimeToAccuracy::Point> progress;
    /// Named scalars a claim needs: "final_val_accuracy", "best_val_accuracy", "train_accuracy",
    /// "gap", "steps_to_0.97", "seconds_to_0.97", "saturated_fraction", "final_val_loss", ...
    std::map<std::string, double> metrics;
    /// Over training (inference claim): step -> moving / batch-statistics / recalibrated accuracy.
    std::vector<std::map<std::string, double>> modes;
    double seconds = 0;
};

/// A claim's verdict.
struct ClaimVerdict {
    std::string claim;
    std::string measured;   ///< what was measured, in words
    std::string numbers;    ///< the numbers, mean +- std over seeds
    std::string verdict;    ///< "supported", "not supported" or "inconclusive"
    std::string paragraph;  ///< what the data shows and does not show
};

struct LabResult {
    LabOptions options;
    std::vector<RunResult> runs;
    std::vector<ClaimVerdict> verdicts;
};

/// The runs of one claim's grid, for the options (preset, seeds, model, epochs).
std::vector<RunSpec> claim_grid(const std::string& claim, const LabOptions& options);

/// The data a lab runs on: the training and test splits of one dataset.
struct LabData {
    std::shared_ptr<const Dataset> train, test;
};

/// Progress of a lab: runs done of total, seconds so far, estimated seconds remaining.
using LabProgress = std::function<void(int64_t done, int64_t total, double elapsed, double remaining)>;

/// Runs at once when LabOptions::jobs is 0, the faster as measured on 2 cores: one per thread
/// (at most 8) for the MLP, whose small products gain little from threads; one for the CNN.
int default_jobs(ModelKind model, int threads);

/// Trains one run (in this thread) and measures it. A run that diverges is a result.
RunResult run_one(const RunSpec& spec, const LabData& data);

/// Runs every claim's grid and judges each claim. With `out`, each finished run is written to
/// out/runs/<id>/ (result.json and its manifest) as it ends, and a run whose result.json is there
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
/// Writes results.csv, results.json, <claim>.svg for each claim and report.html into `dir`.
void write_lab_outputs(const LabResult& result, const std::string& dir);

/// Reads results.json back (for tests and tools): the runs' specs and metrics, and the verdicts.
LabResult read_lab_results(const std::string& path);

}  // namespace minnow::experiments
