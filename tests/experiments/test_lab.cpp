// The lab on a tiny synthetic dataset: grids as specified, fair arms, files that parse back,
// resume.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "experiments/lab_network.hpp"
#include "minnow/experiments/lab.hpp"

using namespace minnow;
using namespace minnow::experiments;
namespace fs = std::filesystem;

namespace {

// Ten classes, each marked by one bright pixel; records which rows each gather asked for.
class Tiny : public Dataset {
public:
    Tiny(int64_t n, uint64_t seed) : x_({n, 784}), y_({n}) {
        Rng rng(seed);
        x_ = Tensor::uniform({n, 784}, 0, 0.1f, rng);
        for (int64_t i = 0; i < n; ++i) {
            y_.flat(i) = float(i % 10);
            x_.at({i, i % 10}) += 1.0f;
        }
    }
    int64_t size() const override { return x_.dim(0); }
    Shape sample_shape() const override { return {784}; }
    Shape target_shape() const override { return {}; }
    Tensor gather_x(std::span<const int64_t> rows) const override {
        if (recording) batches.emplace_back(rows.begin(), rows.end());
        return gather_rows(x_, rows);
    }
    Tensor gather_y(std::span<const int64_t> rows) const override { return gather_rows(y_, rows); }
    mutable bool recording = false;
    mutable std::vector<std::vector<int64_t>> batches;

private:
    Tensor x_, y_;
};

LabData tiny_data() { return {std::make_shared<Tiny>(200, 1), std::make_shared<Tiny>(100, 2)}; }

LabOptions quick(int seeds = 2) {
    LabOptions o;
    o.preset = Preset::Quick;
    o.seeds = seeds;
    o.epochs = 1;
    o.threads = 1;
    o.data.name = "tiny";
    return o;
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::map<std::string, size_t> count(const std::vector<RunSpec>& grid, std::string RunSpec::*field) {
    std::map<std::string, size_t> out;
    for (const RunSpec& s : grid) ++out[s.*field];
    return out;
}

}  // namespace

TEST_CASE("lab: each claim's grid is built as specified", "[experiments][lab]") {
    LabOptions full;
    full.seeds = 3;
    CHECK(claim_names().size() == 10);
    const auto lr = claim_grid("lr", full);
    CHECK(lr.size() == 7 * 2 * 3);  // Adam 1e-4..1e-1 and SGD 1e-2..1, with and without BN, 3 seeds
    std::set<std::pair<std::string, double>> rates;
    for (const RunSpec& s : lr) rates.insert({s.optimizer, s.learning_rate});
    CHECK(rates == std::set<std::pair<std::string, double>>{{"adam", 1e-4}, {"adam", 1e-3}, {"adam", 1e-2}, {"adam", 1e-1},
                                                            {"sgd", 1e-2},  {"sgd", 1e-1},  {"sgd", 1.0}});
    CHECK(count(lr, &RunSpec::arm) == std::map<std::string, size_t>{{"bn", 21}, {"none", 21}});

    const auto init = claim_grid("init", full);
    CHECK(count(init, &RunSpec::point).size() == 5);  // glorot and four stddevs
    const auto depth = claim_grid("depth", full);
    std::set<int> depths;
    for (const RunSpec& s : depth) depths.insert(s.hidden_layers);
    CHECK(depths == std::set<int>{2, 4, 8, 16});
    const auto batch = claim_grid("batch", full);
    CHECK(count(batch, &RunSpec::arm) == std::map<std::string, size_t>{{"bn", 15}, {"gn", 15}, {"ln", 15}, {"none", 15}});
    std::set<int64_t> sizes;
    for (const RunSpec& s : batch) sizes.insert(s.batch_size);
    CHECK(sizes == std::set<int64_t>{2, 4, 8, 32, 128});
    CHECK(count(claim_grid("placement", full), &RunSpec::arm) ==
          std::map<std::string, size_t>{{"bn_after", 3}, {"bn_before", 3}, {"none", 3}});
    const auto inference = claim_grid("inference", full);
    std::set<double> momenta;
    for (const RunSpec& s : inference) {
        momenta.insert(s.momentum);
        CHECK(s.measure_statistics_modes);
    }
    CHECK(momenta == std::set<double>{0.9, 0.99, 0.999});
    CHECK(count(claim_grid("transfer", full), &RunSpec::arm) ==
          std::map<std::string, size_t>{{"bn_frozen", 3}, {"bn_trainable", 3}, {"none", 3}});
    for (const RunSpec& s : claim_grid("activation", full)) CHECK(s.measure_saturation);
    // Quick: fewer points and epochs.
    const LabOptions q = quick(3);
    CHECK(claim_grid("lr", q).size() < lr.size());
    LabOptions quick_defaults;
    quick_defaults.preset = Preset::Quick;
    CHECK(claim_grid("speed", quick_defaults).front().epochs < claim_grid("speed", full).front().epochs);
    CHECK_THROWS_WITH(claim_grid("magic", full), Catch::Contains("unknown claim 'magic'") && Catch::Contains("transfer"));
    LabOptions cnn = full;
    cnn.model = ModelKind::Cnn;
    CHECK_THROWS_WITH(claim_grid("depth", cnn), Catch::Contains("--model mlp"));
    // Every run of a lab is distinct.
    std::set<std::string> ids;
    size_t total = 0;
    for (const std::string& claim : claim_names())
        for (const RunSpec& s : claim_grid(claim, full)) ids.insert(s.canonical()), ++total;
    CHECK(ids.size() == total);
}

TEST_CASE("lab: both arms of every grid point start from the same shared weights and see the same batches",
          "[experiments][lab]") {
    const LabOptions o = quick(1);
    for (const std::string& claim : claim_names()) {
        std::map<std::string, std::vector<std::vector<Tensor>>> weights;  // point -> arms' shared weights
        for (const RunSpec& s : claim_grid(claim, o)) {
            const Sequential m = experiments::detail::lab_network(s);
            std::vector<Tensor> shared;
            for (const auto& l : m.layers())
                if (l->class_name() == "Dense")
                    for (const Tensor& t : l->get_weights()) shared.push_back(t);
            weights[s.point].push_back(std::move(shared));
        }
        for (const auto& [point, arms] : weights)
            for (size_t a = 1; a < arms.size(); ++a) {
                INFO(claim << " / " << point << " arm " << a);
                REQUIRE(arms[a].size() == arms[0].size());
                for (size_t w = 0; w < arms[a].size(); ++w) CHECK(arms[a][w].to_vector() == arms[0][w].to_vector());
            }
    }
    // The batches: the regularization claim's two arms, recorded.
    const LabData data = tiny_data();
    auto& train = const_cast<Tiny&>(static_cast<const Tiny&>(*data.train));
    std::vector<std::vector<std::vector<int64_t>>> seen;
    for (const RunSpec& s : claim_grid("placement", o)) {
        train.batches.clear();
        train.recording = true;
        (void)run_one(s, data);
        train.recording = false;
        seen.push_back(train.batches);
    }
    REQUIRE(seen.size() == 3);
    CHECK_FALSE(seen[0].empty());
    // The training batches come first (the probe and accuracy checks gather afterwards).
    const size_t steps = (200 + 31) / 32;
    for (size_t b = 0; b < steps; ++b) CHECK((seen[1][b] == seen[0][b] && seen[2][b] == seen[0][b]));
}

TEST_CASE("lab: results.csv and results.json parse back and agree; a resumed lab skips finished runs", "[experiments][lab]") {
    const LabData data = tiny_data();
    LabOptions o = quick(2);
    o.claims = {"init", "placement", "regularization", "transfer"};
    const auto dir = fs::temp_directory_path() / "minnow_test_lab";
    fs::remove_all(dir);
    int64_t calls = 0;
    const LabResult first = run_lab(o, data, dir.string(), [&](int64_t, int64_t, double, double) { ++calls; });
    CHECK(calls == static_cast<int64_t>(first.runs.size()) + 1);  // once at the start, once a run
    write_lab_outputs(first, dir.string());
    for (const char* f : {"results.csv", "results.json", "report.html", "init.svg", "transfer.svg"}) CHECK(fs::exists(dir / f));

    // results.json and results.csv: one row per run, the same numbers.
    const LabResult back = read_lab_results((dir / "results.json").string());
    REQUIRE(back.runs.size() == first.runs.size());
    REQUIRE(back.verdicts.size() == 4);
    std::istringstream csv(read(dir / "results.csv"));
    std::string header, line;
    std::getline(csv, header);
    std::vector<std::string> columns;
    for (std::stringstream h(header); std::getline(h, line, ',');) columns.push_back(line);
    const auto col = [&](const std::string& name) { return std::find(columns.begin(), columns.end(), name) - columns.begin(); };
    size_t row = 0;
    while (std::getline(csv, line)) {
        std::vector<std::string> fields;
        for (std::stringstream f(line); std::getline(f, line, ',');) fields.push_back(line);
        const RunResult& r = back.runs[row++];
        CHECK(fields[static_cast<size_t>(col("claim"))] == r.spec.claim);
        CHECK(fields[static_cast<size_t>(col("arm"))] == r.spec.arm);
        CHECK(std::stod(fields[static_cast<size_t>(col("final_val_accuracy"))]) == Approx(r.metrics.at("final_val_accuracy")));
    }
    CHECK(row == first.runs.size());

    // Interrupted: two runs' results are gone; the rerun does those two only and ends the same.
    int removed = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir / "runs"))
        if (e.path().filename() == "result.json" && removed < 2 && e.path().string().find("/placement/") != std::string::npos) {
            fs::remove(e.path());
            ++removed;
        }
    REQUIRE(removed == 2);
    int64_t resumed_at = -1;
    const LabResult second = run_lab(o, data, dir.string(), [&](int64_t done, int64_t, double, double) {
        if (resumed_at < 0) resumed_at = done;
    });
    CHECK(resumed_at == static_cast<int64_t>(first.runs.size()) - 2);
    REQUIRE(second.runs.size() == first.runs.size());
    for (size_t i = 0; i < first.runs.size(); ++i) {
        INFO(first.runs[i].spec.id());
        CHECK(second.runs[i].spec.canonical() == first.runs[i].spec.canonical());
        CHECK(second.runs[i].history.history == first.runs[i].history.history);
        for (const auto& [k, v] : first.runs[i].metrics)
            if (std::isfinite(v)) CHECK(second.runs[i].metrics.at(k) == v);
    }
    for (size_t c = 0; c < first.verdicts.size(); ++c) CHECK(second.verdicts[c].numbers == first.verdicts[c].numbers);
    const std::string html = read(dir / "report.html");
    CHECK_THAT(html, Catch::StartsWith("<!DOCTYPE html>") && Catch::Contains("<svg") && Catch::Contains("Rule:") &&
                         !Catch::Contains("src=\"http") && !Catch::Contains("href=\"http") && !Catch::Contains("<script"));
}

TEST_CASE("lab: runs side by side (jobs) give the same results as one at a time", "[experiments][lab]") {
    const LabData data = tiny_data();
    LabOptions o = quick(1);
    o.claims = {"activation", "batch"};
    o.threads = 2;
    o.jobs = 1;
    const LabResult serial = run_lab(o, data, "", {});
    o.jobs = 2;
    const LabResult parallel = run_lab(o, data, "", {});
    REQUIRE(serial.runs.size() == parallel.runs.size());
    for (size_t i = 0; i < serial.runs.size(); ++i) {
        INFO(serial.runs[i].spec.id());
        // The serial runs had two threads each: products split otherwise, so results agree closely.
        CHECK(parallel.runs[i].metrics.at("final_val_accuracy") ==
              Approx(serial.runs[i].metrics.at("final_val_accuracy")).margin(0.02));
    }
    o.threads = 1;
    o.jobs = 1;
    const LabResult one = run_lab(o, data, "", {});
    for (size_t i = 0; i < one.runs.size(); ++i)  // two jobs on one thread each = one job on one thread, to the bit
        CHECK(parallel.runs[i].history.history == one.runs[i].history.history);
}
