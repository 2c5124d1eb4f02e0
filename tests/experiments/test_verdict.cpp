// The comparison's verdict, its caveats, and the optional measurements (recalibration, activation
// statistics, time to accuracy, divergence) on tiny synthetic data.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "minnow/experiments/compare.hpp"
#include "minnow/experiments/statistics.hpp"

using namespace minnow;
using namespace minnow::experiments;
namespace fs = std::filesystem;

namespace {

// Ten classes, each marked by one bright pixel over faint noise: learnable in a few dozen steps.
std::shared_ptr<TensorDataset> synthetic(int64_t n, uint64_t seed) {
    Rng rng(seed);
    Tensor x = Tensor::uniform({n, 784}, 0, 0.1f, rng), y({n});
    for (int64_t i = 0; i < n; ++i) {
        y.flat(i) = float(i % 10);
        x.at({i, i % 10}) += 1.0f;
    }
    return std::make_shared<TensorDataset>(x, y);
}

CompareResult compare(CompareOptions o, int64_t train = 96, int64_t test = 40) {
    std::ostringstream log;
    return run_comparison(o, synthetic(train, 1), synthetic(test, 2), log);
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("statistics: paired t-test at 5% and Student's quantiles", "[experiments]") {
    CHECK(t_critical_95(1) == Approx(12.706));
    CHECK(t_critical_95(2) == Approx(4.303));
    CHECK(t_critical_95(100) == Approx(1.96));
    // Differences 0.02, 0.03, 0.025: mean 0.025, std 0.005, SE 0.00289, t x SE = 0.0124 < 0.025.
    const PairedComparison higher = compare_paired({0.92, 0.93, 0.925}, {0.90, 0.90, 0.90});
    CHECK(higher.outcome == Outcome::Higher);
    CHECK(higher.mean_difference == Approx(0.025));
    CHECK(higher.standard_error == Approx(0.005 / std::sqrt(3.0)));
    // Differences +0.01, -0.01, +0.005: within t x SE.
    CHECK(compare_paired({0.91, 0.89, 0.905}, {0.90, 0.90, 0.90}).outcome == Outcome::Inconclusive);
    CHECK(compare_paired({0.80, 0.81}, {0.90, 0.905}).outcome == Outcome::Lower);
    CHECK(compare_paired({0.95}, {0.90}).outcome == Outcome::Inconclusive);  // one seed: no spread
    // A diverged seed (NaN) leaves the pair out.
    const PairedComparison partial = compare_paired({0.92, NAN, 0.93}, {0.90, 0.90, 0.91});
    CHECK(partial.seeds == 2);
    const Spread s = spread({1.0, 2.0, 3.0, NAN});
    CHECK(s.mean == Approx(2.0));
    CHECK(s.std == Approx(1.0));
    CHECK(s.count == 3);
}

TEST_CASE("verdict: few BatchNormalization updates get a caveat naming the cause and the remedy", "[experiments]") {
    // 96 samples in batches of 16, 2 epochs: 12 updates against 500.
    const CompareResult r = compare({.model = ModelKind::Mlp, .data = {.name = "synthetic"}, .epochs = 2,
                                     .batch_size = 16, .seeds = 2, .quiet = true});
    const std::string v = verdict(r);
    CHECK_THAT(v, Catch::Contains("the moving statistics had 12 updates, fewer than 5 x 1/(1 - momentum) = 500") &&
                      Catch::Contains("--recalibrate") && Catch::Contains("lower momentum"));
    CHECK_THAT(v, Catch::Contains("rule: per seed, the difference") && Catch::Contains("paired over 2 seeds"));
    CHECK_THAT(v, Catch::Contains("synthetic: 96 train / 40 test (full)"));
    // LayerNormalization has no moving statistics: no such caveat.
    const CompareResult ln = compare({.model = ModelKind::Mlp, .norm = NormKind::Layer, .data = {.name = "synthetic"},
                                      .epochs = 1, .batch_size = 16, .quiet = true});
    CHECK_THAT(verdict(ln), !Catch::Contains("moving statistics had"));
    CHECK_THAT(verdict(ln), Catch::Contains("one seed: no verdict on the difference"));
}

TEST_CASE("compare --recalibrate adds recalibrated validation and leaves training as it was", "[experiments]") {
    CompareOptions o{.model = ModelKind::Mlp, .data = {.name = "synthetic"}, .epochs = 2, .batch_size = 16, .quiet = true};
    const CompareResult plain = compare(o);
    o.recalibrate = true;
    const CompareResult recal = compare(o);
    for (size_t i = 0; i < plain.runs.size(); ++i) {
        INFO("run " << i);
        for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"})
            CHECK(plain.runs[i].history.at(key) == recal.runs[i].history.at(key));
        CHECK(recal.runs[i].history.at("val_accuracy_recalibrated").size() == 2);
        CHECK(recal.runs[i].history.at("val_accuracy_batch_statistics").size() == 2);
    }
    // Without BatchNormalization the three validations are one.
    CHECK(recal.runs[1].history.at("val_accuracy_recalibrated") == recal.runs[1].history.at("val_accuracy"));
    CHECK_THAT(epoch_table(recal), Catch::Contains("val_acc_rc") && Catch::Contains("val_acc_bs"));
    CHECK_THAT(history_csv(recal),
               Catch::StartsWith("arm,seed,epoch,loss,accuracy,val_loss,val_accuracy,val_accuracy_recalibrated,"
                                 "val_loss_recalibrated,val_accuracy_batch_statistics\n"));
    CHECK_THAT(verdict(recal), Catch::Contains("moving statistics") && Catch::Contains("recalibrated"));
}

TEST_CASE("compare --stats and --val-every write their files; milestones are timed to the step", "[experiments]") {
    const CompareResult r = compare({.model = ModelKind::Mlp, .data = {.name = "synthetic"}, .epochs = 6,
                                     .batch_size = 16, .learning_rate = 1e-2, .quiet = true, .stats = true, .stats_every = 9,
                                     .val_every = 6, .val_subset = 20},
                                    96, 40);
    for (const ArmRun& run : r.runs) {
        REQUIRE(run.progress.size() == 6);  // 36 steps, every 6
        CHECK(run.progress[0].step == 6);
        CHECK(run.progress[5].step == 36);
        CHECK(run.progress[5].seconds >= run.progress[0].seconds);
        CHECK_FALSE(run.activations.empty());
    }
    CHECK_THAT(verdict(r), Catch::Contains("on 20 validation samples every 6 steps") && Catch::Contains(": with BN step "));
    const auto dir = fs::temp_directory_path() / "minnow_test_verdict";
    fs::remove_all(dir);
    write_outputs(r, dir.string());
    for (const char* f : {"progress.csv", "progress.svg", "stats.csv", "stats.json", "activations.svg"}) {
        INFO(f);
        CHECK(fs::exists(dir / f));
    }
    const std::string stats = read(dir / "stats.csv");
    CHECK_THAT(stats, Catch::StartsWith("arm,seed,epoch,step,layer,class,statistic,value\n") &&
                          Catch::Contains("\nwith_bn,42,") && Catch::Contains(",batch_normalization,BatchNormalization,mean_lag,"));
    CHECK(nlohmann::json::parse(read(dir / "stats.json")).size() == 2);
    // Three hidden blocks, two arms.
    const std::string svg = read(dir / "activations.svg");
    CHECK_THAT(svg, Catch::Contains("with BN, block 3: BatchNormalization output") &&
                        Catch::Contains("without BN, block 3: Dense output"));
}

TEST_CASE("a diverging arm is a result: reported where it diverged, never plotted as NaN", "[experiments]") {
    const CompareResult r = compare({.model = ModelKind::Mlp, .data = {.name = "synthetic"}, .epochs = 3,
                                     .batch_size = 16, .learning_rate = 1e12, .quiet = true});
    bool any = false;
    for (const ArmRun& run : r.runs) any = any || run.diverged.has_value();
    REQUIRE(any);
    CHECK_THAT(verdict(r), Catch::Contains("diverged: "));
    CHECK_THAT(epoch_table(r), Catch::Contains("diverged"));
    const std::string svg = curves_svg(r);
    CHECK_THAT(svg, Catch::Contains(" diverged (seed 42, epoch "));
    CHECK(svg.find("nan") == std::string::npos);
    const auto j = nlohmann::json::parse(history_json(r));
    bool recorded = false;
    for (const auto& run : j["runs"]) recorded = recorded || !run["diverged"].is_null();
    CHECK(recorded);
}
