// The comparison's text outputs: the side-by-side table, CSV and JSON, and writing every output
// file. The verdict is in verdict.cpp, the figures in figures.cpp.
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "experiments/series.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/io/safetensors.hpp"

namespace minnow::experiments {

using detail::Series;

namespace {

struct Column {
    const char* key;
    const char* heading;
    int precision;
};
const Column kColumns[] = {{"loss", "loss", 4},         {"accuracy", "acc", 4},    {"val_loss", "val_loss", 4},
                           {"val_accuracy", "val_acc", 4}, {"train_seconds", "train s", 2}};
const Column kRecalibratedColumns[] = {{"val_accuracy_recalibrated", "val_acc_rc", 4},
                                       {"val_accuracy_batch_statistics", "val_acc_bs", 4}};

bool has_recalibration(const CompareResult& result) {
    for (const ArmRun& r : result.runs)
        if (r.history.history.count("val_accuracy_recalibrated")) return true;
    return false;
}

std::vector<Column> columns(const CompareResult& result) {
    std::vector<Column> out(std::begin(kColumns), std::end(kColumns));
    if (has_recalibration(result)) out.insert(out.end(), std::begin(kRecalibratedColumns), std::end(kRecalibratedColumns));
    return out;
}

std::string cell(const Series& s, size_t e, int precision, bool with_std, bool diverged) {
    if (s.empty() || e >= s.mean.size()) return "-";
    if (s.count[e] == 0) return diverged ? "diverged" : "-";
    if (!with_std) return fmt::format("{:.{}f}", s.mean[e], precision);
    return fmt::format("{:.{}f}±{:.{}f}", s.mean[e], precision, s.std[e], precision);
}

bool any_diverged(const CompareResult& result, const std::string& arm) {
    for (const ArmRun* r : detail::runs_of(result, arm))
        if (r->diverged) return true;
    return false;
}

// A number for CSV: shortest round-trip text, empty when missing, "nan"/"inf" spelled out.
std::string csv_number(double v) { return fmt::format("{}", v); }

}  // namespace

std::string epoch_table(const CompareResult& result) {
    const bool with_std = result.options.seeds > 1;
    const int width = with_std ? 15 : 9;
    const std::vector<Column> cols = columns(result);
    std::string arms_line = fmt::format("{:>5} |", "");
    std::string head = fmt::format("{:>5} |", "epoch");
    for (const std::string& arm : detail::arm_names(result)) {
        arms_line += fmt::format(" {:^{}} |", arm, int(cols.size()) * (width + 1) - 1);
        for (const Column& c : cols) head += fmt::format(" {:>{}}", c.heading, width);
        head += " |";
    }
    std::string out = fmt::format("{}\n", result.options.data.str());
    out += arms_line + "\n" + head + "\n" + std::string(head.size(), '-') + "\n";
    for (size_t e = 0; e < detail::epoch_count(result); ++e) {
        std::string line = fmt::format("{:>5} |", e + 1);
        for (const std::string& arm : detail::arm_names(result)) {
            const bool diverged = any_diverged(result, arm);
            for (const Column& c : cols)
                line += fmt::format(" {:>{}}", cell(detail::series(result, arm, c.key), e, c.precision, with_std, diverged),
                                    width);
            line += " |";
        }
        out += line + "\n";
    }
    out += "(train s: seconds spent in the epoch's batches, without validation or measurements";
    if (has_recalibration(result))
        out += "; val_acc_rc: validation accuracy with recalibrated BatchNormalization statistics; val_acc_bs: with each "
               "batch's own statistics";
    out += ")\n";
    return out;
}

std::string history_csv(const CompareResult& result) {
    std::vector<std::string> keys{"loss", "accuracy", "val_loss", "val_accuracy"};
    if (has_recalibration(result))
        keys.insert(keys.end(), {"val_accuracy_recalibrated", "val_loss_recalibrated", "val_accuracy_batch_statistics"});
    std::string out = "arm,seed,epoch";
    for (const std::string& k : keys) {
        out += ',';
        out += k;
    }
    out += "\n";
    for (const ArmRun& r : result.runs)
        for (size_t e = 0; e < r.history.seconds.size(); ++e) {
            out += fmt::format("{},{},{}", r.arm, r.seed, e + 1);
            for (const std::string& k : keys) {
                auto it = r.history.history.find(k);
                out += ',';
                if (it != r.history.history.end() && e < it->second.size()) out += csv_number(it->second[e]);
            }
            out += "\n";
        }
    return out;
}

std::string history_json(const CompareResult& result) {
    const CompareOptions& o = result.options;
    nlohmann::ordered_json j;
    j["model"] = model_kind_name(o.model);
    j["norm"] = norm_kind_name(o.norm);
    j["data"] = {{"name", o.data.name},          {"train_samples", o.data.train_samples},
                 {"test_samples", o.data.test_samples}, {"limit", o.data.limit},
                 {"subset", o.data.subset},      {"description", o.data.str()}};
    j["epochs"] = o.epochs;
    j["batch_size"] = o.batch_size;
    j["learning_rate"] = o.learning_rate;
    j["seeds"] = o.seeds;
    j["seed"] = o.seed;
    j["momentum"] = result.momentum;
    j["runs"] = nlohmann::json::array();
    for (const ArmRun& r : result.runs) {
        nlohmann::ordered_json run{{"arm", r.arm}, {"seed", r.seed}, {"steps_per_epoch", r.steps_per_epoch}};
        for (const auto& [key, values] : r.history.history) {
            nlohmann::json list = nlohmann::json::array();
            for (double v : values) list.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
            run["history"][key] = list;
        }
        run["seconds"] = r.history.seconds;
        run["diverged"] = r.diverged ? nlohmann::ordered_json{{"epoch", r.diverged->epoch + 1}, {"batch", r.diverged->batch}}
                                     : nlohmann::ordered_json(nullptr);
        if (!r.progress.empty()) {
            run["progress"] = nlohmann::json::array();
            for (const auto& p : r.progress)
                run["progress"].push_back({{"step", p.step}, {"seconds", p.seconds}, {"val_accuracy", p.accuracy}});
        }
        j["runs"].push_back(run);
    }
    return j.dump(2) + "\n";
}

void write_outputs(const CompareResult& result, const std::string& dir) {
    if (!distributed::is_writer()) return;  // in an MPI job, rank 0 writes
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    MINNOW_CHECK(!ec, IoError, "{}: cannot create the output folder: {}", dir, ec.message());
    const auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
    io::write_file_atomic(path("history.csv"), history_csv(result));
    io::write_file_atomic(path("history.json"), history_json(result));
    io::write_file_atomic(path("curves.svg"), curves_svg(result));
    io::write_file_atomic(path("summary.txt"), result.summary_with + "\n" + result.summary_without + "\n" +
                                                   epoch_table(result) + "\n" + verdict(result));
    bool progress = false, stats = false;
    for (const ArmRun& r : result.runs) progress = progress || !r.progress.empty(), stats = stats || !r.activations.empty();
    if (progress) {
        std::string csv = "arm,seed,step,seconds,val_accuracy\n";
        for (const ArmRun& r : result.runs)
            for (const auto& p : r.progress) csv += fmt::format("{},{},{},{},{}\n", r.arm, r.seed, p.step, p.seconds, p.accuracy);
        io::write_file_atomic(path("progress.csv"), csv);
        io::write_file_atomic(path("progress.svg"), progress_svg(result));
    }
    if (stats) {
        std::string csv = "arm,seed,epoch,step,layer,class,statistic,value\n";
        nlohmann::ordered_json j = nlohmann::ordered_json::array();
        for (const ArmRun& r : result.runs) {
            nlohmann::ordered_json records = nlohmann::ordered_json::array();
            for (const ActivationRecord& a : r.activations) {
                csv += fmt::format("{},{},{},{},{},{},{},{}\n", r.arm, r.seed, a.epoch, a.step, a.layer, a.class_name,
                                   a.statistic, a.value);
                records.push_back({{"epoch", a.epoch}, {"step", a.step}, {"layer", a.layer}, {"class", a.class_name},
                                   {"statistic", a.statistic},
                                   {"value", std::isfinite(a.value) ? nlohmann::json(a.value) : nlohmann::json(nullptr)}});
            }
            j.push_back({{"arm", r.arm}, {"seed", r.seed}, {"records", records}});
        }
        io::write_file_atomic(path("stats.csv"), csv);
        io::write_file_atomic(path("stats.json"), j.dump(1) + "\n");
        io::write_file_atomic(path("activations.svg"), activations_svg(result));
    }
}

}  // namespace minnow::experiments
