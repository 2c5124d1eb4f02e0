// The comparison's text outputs: the side-by-side table, the verdict, CSV and JSON, and writing
// every output file.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "experiments/series.hpp"
#include "minnow/core/error.hpp"
#include "minnow/io/safetensors.hpp"

namespace minnow::experiments {

namespace detail {

size_t epoch_count(const CompareResult& result) {
    size_t n = SIZE_MAX;
    for (const ArmRun& r : result.runs) n = std::min(n, r.history.seconds.size());
    return n == SIZE_MAX ? 0 : n;
}

Series series(const CompareResult& result, const std::string& arm, const std::string& key) {
    std::vector<const std::vector<double>*> runs;
    for (const ArmRun& r : result.runs) {
        if (r.arm != arm) continue;
        if (key == "seconds") {
            runs.push_back(&r.history.seconds);
        } else {
            auto it = r.history.history.find(key);
            if (it != r.history.history.end()) runs.push_back(&it->second);
        }
    }
    Series s;
    if (runs.empty()) return s;
    for (size_t e = 0; e < epoch_count(result); ++e) {
        double sum = 0, sq = 0;
        for (const auto* v : runs) sum += (*v)[e];
        const double mean = sum / double(runs.size());
        for (const auto* v : runs) sq += ((*v)[e] - mean) * ((*v)[e] - mean);
        s.mean.push_back(mean);
        s.std.push_back(runs.size() > 1 ? std::sqrt(sq / double(runs.size() - 1)) : 0.0);
    }
    return s;
}

}  // namespace detail

using detail::Series;

namespace {

std::string cell(const Series& s, size_t e, int precision, bool with_std) {
    if (s.empty()) return "-";
    if (!with_std) return fmt::format("{:.{}f}", s.mean[e], precision);
    return fmt::format("{:.{}f}±{:.{}f}", s.mean[e], precision, s.std[e], precision);
}

const char* kColumns[] = {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"};
const char* kHeadings[] = {"loss", "acc", "val_loss", "val_acc", "sec"};

}  // namespace

std::string epoch_table(const CompareResult& result) {
    const bool with_std = result.options.seeds > 1;
    const int width = with_std ? 15 : 9;
    std::string out;
    std::string arms_line = fmt::format("{:>5} |", "");
    std::string head = fmt::format("{:>5} |", "epoch");
    const NormKind norm = result.options.norm;
    for (const std::string& arm : {arm_name(norm, true), arm_name(norm, false)}) {
        arms_line += fmt::format(" {:^{}} |", arm, 5 * (width + 1) - 1);
        for (const char* h : kHeadings) head += fmt::format(" {:>{}}", h, width);
        head += " |";
    }
    out += arms_line + "\n" + head + "\n" + std::string(head.size(), '-') + "\n";
    for (size_t e = 0; e < detail::epoch_count(result); ++e) {
        std::string line = fmt::format("{:>5} |", e + 1);
        for (const std::string& arm : {arm_name(norm, true), arm_name(norm, false)}) {
            for (const char* key : kColumns) {
                const int precision = std::string(key) == "seconds" ? 2 : 4;
                line += fmt::format(" {:>{}}", cell(detail::series(result, arm, key), e, precision, with_std), width);
            }
            line += " |";
        }
        out += line + "\n";
    }
    return out;
}

std::string verdict(const CompareResult& result) {
    const CompareOptions& o = result.options;
    const std::string with_arm = arm_name(o.norm, true), without_arm = arm_name(o.norm, false);
    const std::string n = norm_abbreviation(o.norm);
    const Series with_acc = detail::series(result, with_arm, "val_accuracy");
    const Series without_acc = detail::series(result, without_arm, "val_accuracy");
    const Series with_sec = detail::series(result, with_arm, "seconds");
    const Series without_sec = detail::series(result, without_arm, "seconds");
    if (with_acc.empty() || without_acc.empty()) return "Verdict: no completed epochs to compare.\n";
    const double wa = with_acc.mean.back(), na = without_acc.mean.back();
    std::string out = fmt::format("Verdict ({} on {}, {} epochs, batch {}, Adam {}, {} seed{}):\n",
                                  model_kind_name(o.model), o.dataset_name, detail::epoch_count(result), o.batch_size,
                                  o.learning_rate, o.seeds, o.seeds > 1 ? "s (means)" : "");
    out += fmt::format("  final val_accuracy: with {0} {1:.4f}, without {0} {2:.4f} ({3:+.4f} with {0})\n", n, wa, na,
                       wa - na);
    const double best = std::max(*std::max_element(with_acc.mean.begin(), with_acc.mean.end()),
                                 *std::max_element(without_acc.mean.begin(), without_acc.mean.end()));
    // The three highest of these milestones that either arm reached.
    std::vector<double> milestones;
    for (double m : {0.99, 0.98, 0.97, 0.95, 0.92, 0.90, 0.88, 0.85, 0.80, 0.70, 0.50})
        if (m <= best && milestones.size() < 3) milestones.push_back(m);
    std::reverse(milestones.begin(), milestones.end());
    auto first_epoch = [](const Series& s, double m) -> std::string {
        for (size_t e = 0; e < s.mean.size(); ++e)
            if (s.mean[e] >= m) return fmt::format("epoch {}", e + 1);
        return "never";
    };
    for (double m : milestones)
        out += fmt::format("  first reached val_accuracy >= {:.2f}: with {} {}, without {} {}\n", m, n,
                           first_epoch(with_acc, m), n, first_epoch(without_acc, m));
    auto mean_of = [](const std::vector<double>& v) {
        double s = 0;
        for (double x : v) s += x;
        return v.empty() ? 0.0 : s / double(v.size());
    };
    const double ws = mean_of(with_sec.mean), ns = mean_of(without_sec.mean);
    out += fmt::format("  seconds per epoch (training and validation): with {0} {1:.2f}, without {0} {2:.2f} ({0} costs "
                       "{3:+.0f}%)\n",
                       n, ws, ns, ns > 0 ? (ws / ns - 1.0) * 100.0 : 0.0);
    return out;
}

std::string history_csv(const CompareResult& result) {
    std::string out = "arm,seed,epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
    for (const ArmRun& r : result.runs) {
        const auto& h = r.history;
        for (size_t e = 0; e < h.seconds.size(); ++e) {
            auto value = [&](const char* key) {
                auto it = h.history.find(key);
                return it == h.history.end() ? std::string() : fmt::format("{}", it->second[e]);
            };
            out += fmt::format("{},{},{},{},{},{},{},{}\n", r.arm, r.seed, e + 1, value("loss"), value("accuracy"),
                               value("val_loss"), value("val_accuracy"), h.seconds[e]);
        }
    }
    return out;
}

std::string history_json(const CompareResult& result) {
    const CompareOptions& o = result.options;
    nlohmann::ordered_json j;
    j["model"] = model_kind_name(o.model);
    j["norm"] = norm_kind_name(o.norm);
    j["dataset"] = o.dataset_name;
    j["epochs"] = o.epochs;
    j["batch_size"] = o.batch_size;
    j["learning_rate"] = o.learning_rate;
    j["seeds"] = o.seeds;
    j["seed"] = o.seed;
    j["runs"] = nlohmann::json::array();
    for (const ArmRun& r : result.runs) {
        nlohmann::ordered_json run{{"arm", r.arm}, {"seed", r.seed}};
        for (const auto& [key, values] : r.history.history) run["history"][key] = values;
        run["seconds"] = r.history.seconds;
        j["runs"].push_back(run);
    }
    return j.dump(2) + "\n";
}

void write_outputs(const CompareResult& result, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    MINNOW_CHECK(!ec, IoError, "{}: cannot create the output folder: {}", dir, ec.message());
    const auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
    io::write_file_atomic(path("history.csv"), history_csv(result));
    io::write_file_atomic(path("history.json"), history_json(result));
    io::write_file_atomic(path("curves.svg"), curves_svg(result));
    io::write_file_atomic(path("summary.txt"), result.summary_with + "\n" + result.summary_without + "\n" +
                                                   epoch_table(result) + "\n" + verdict(result));
}

}  // namespace minnow::experiments
