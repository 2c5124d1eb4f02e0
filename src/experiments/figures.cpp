// The comparison's figures: curves.svg (accuracy and loss by epoch), progress.svg (accuracy against
// training time) and activations.svg (each hidden block's pre-activation distribution over training).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "experiments/plot.hpp"
#include "experiments/series.hpp"

namespace minnow::experiments {

namespace {

using detail::Series;

std::string network_name(ModelKind kind) { return kind == ModelKind::Mlp ? "MLP" : "CNN"; }

std::string settings(const CompareOptions& o, bool bands = true) {
    return fmt::format("{}; batch {}, Adam lr {}, {} seed{}", o.data.str(), o.batch_size, o.learning_rate, o.seeds,
                       o.seeds > 1 ? (bands ? "s (mean, band = ±1 std)" : "s (mean)") : "");
}

// An arm's label in legends: "with BN", "without BN".
std::string arm_label(const CompareResult& result, size_t a) {
    return (a == 0 ? "with " : "without ") + norm_abbreviation(result.options.norm);
}

plot::Series epoch_series(const CompareResult& result, const std::string& arm, const std::string& key, std::string label,
                          const char* colour, bool dashed, plot::Marker marker, bool hollow) {
    const Series s = detail::series(result, arm, key);
    plot::Series out{std::move(label), {}, {}, {}, {}, colour, dashed, marker, hollow};
    for (size_t e = 0; e < s.mean.size(); ++e) {
        out.x.push_back(double(e + 1));
        out.y.push_back(s.mean[e]);
        if (result.options.seeds > 1) out.low.push_back(s.mean[e] - s.std[e]), out.high.push_back(s.mean[e] + s.std[e]);
    }
    return out;
}

// A note in the panel for each arm that diverged in some seed.
std::vector<plot::Note> divergence_notes(const CompareResult& result) {
    std::vector<plot::Note> notes;
    const auto arms = detail::arm_names(result);
    for (size_t a = 0; a < arms.size(); ++a)
        for (const ArmRun* r : detail::runs_of(result, arms[a]))
            if (r->diverged) {
                notes.push_back({NAN, NAN,
                                 fmt::format("{} diverged (seed {}, epoch {}, batch {})", arm_label(result, a), r->seed,
                                             r->diverged->epoch + 1, r->diverged->batch + 1),
                                 plot::colour(a)});
                break;
            }
    return notes;
}

}  // namespace

std::string curves_svg(const CompareResult& result) {
    const CompareOptions& o = result.options;
    plot::Figure figure{fmt::format("{} on {}: with vs without {}", network_name(o.model), o.data.name, norm_class_name(o.norm)),
                        settings(o), 2, {}, {}};
    const auto arms = detail::arm_names(result);
    const bool recalibrated = !result.runs.empty() && result.runs.front().history.history.count("val_accuracy_recalibrated");
    for (const std::string metric : {"accuracy", "loss"}) {
        plot::Panel panel{metric == "accuracy" ? "Accuracy" : "Loss", "epoch", metric, false, {}, {}, {}, {}, {}};
        for (size_t a = 0; a < arms.size(); ++a) {
            const std::string label = arm_label(result, a);
            // Train: dashed, hollow squares; validation: solid, filled circles.
            panel.series.push_back(epoch_series(result, arms[a], metric, label + ", train", plot::colour(a), true,
                                                plot::Marker::Square, true));
            panel.series.push_back(epoch_series(result, arms[a], "val_" + metric, label + ", validation", plot::colour(a),
                                                false, plot::Marker::Circle, false));
            if (recalibrated && a == 0 && o.norm == NormKind::Batch)
                panel.series.push_back(epoch_series(result, arms[a], "val_" + metric + "_recalibrated",
                                                    label + ", validation, recalibrated statistics", plot::colour(2), false,
                                                    plot::Marker::Diamond, true));
        }
        panel.notes = divergence_notes(result);
        const size_t epochs = detail::epoch_count(result), stride = std::max<size_t>(1, (epochs + 9) / 10);
        for (size_t e = 1; e <= epochs; e += stride) panel.x_ticks.emplace_back(double(e), std::to_string(e));
        figure.panels.push_back(std::move(panel));
    }
    return plot::render(figure);
}

std::string progress_svg(const CompareResult& result) {
    const CompareOptions& o = result.options;
    plot::Figure figure{fmt::format("{} on {}: validation accuracy during training", network_name(o.model), o.data.name),
                        fmt::format("{}; measured on {} validation samples every {} steps", settings(o, false),
                                    o.val_subset > 0 ? std::to_string(o.val_subset) : "all", o.val_every),
                        2, {}, {}};
    const auto arms = detail::arm_names(result);
    for (bool by_seconds : {false, true}) {
        plot::Panel panel{by_seconds ? "Against training time" : "Against steps",
                          by_seconds ? "seconds of training" : "step", "val_accuracy", false, {}, {}, {}, {}, {}};
        for (size_t a = 0; a < arms.size(); ++a) {
            // The seeds' points line up by index (the same steps); average them.
            std::map<size_t, std::vector<std::pair<double, double>>> by_index;
            for (const ArmRun* r : detail::runs_of(result, arms[a]))
                for (size_t i = 0; i < r->progress.size(); ++i)
                    by_index[i].emplace_back(by_seconds ? r->progress[i].seconds : double(r->progress[i].step),
                                             r->progress[i].accuracy);
            plot::Series s{arm_label(result, a), {}, {}, {}, {}, plot::colour(a), false, plot::Marker::None, false};
            for (const auto& [i, pts] : by_index) {
                double x = 0, y = 0;
                for (const auto& [px, py] : pts) x += px, y += py;
                s.x.push_back(x / double(pts.size()));
                s.y.push_back(y / double(pts.size()));
            }
            panel.series.push_back(std::move(s));
        }
        panel.notes = divergence_notes(result);
        figure.panels.push_back(std::move(panel));
    }
    return plot::render(figure);
}

std::string activations_svg(const CompareResult& result) {
    const CompareOptions& o = result.options;
    const auto arms = detail::arm_names(result);
    // Per arm (first seed): the layers in the order the probe ran them, and each one's values by statistic.
    struct ArmStats {
        std::vector<std::pair<std::string, std::string>> layers;  // name, class
        std::map<std::string, std::map<std::string, std::vector<std::pair<double, double>>>> values;  // layer -> stat -> (step, value)
    };
    std::vector<ArmStats> stats(arms.size());
    for (size_t a = 0; a < arms.size(); ++a) {
        const auto runs = detail::runs_of(result, arms[a]);
        if (runs.empty()) continue;
        for (const ActivationRecord& r : runs.front()->activations) {
            if (r.class_name == "weight") continue;
            if (r.step == 0 && r.statistic == "mean") stats[a].layers.emplace_back(r.layer, r.class_name);
            stats[a].values[r.layer][r.statistic].emplace_back(double(r.step), r.value);
        }
    }
    // The hidden blocks: every Activation but a last one, shown by its input (the layer before it).
    plot::Figure figure{fmt::format("{} on {}: what each hidden layer's activation receives", network_name(o.model),
                                    o.data.name),
                        fmt::format("{}: batch {}, Adam lr {}, seed {}; a fixed probe of 256 training images, mean and "
                                    "p1-p99 band",
                                    o.data.str(), o.batch_size, o.learning_rate, o.seed),
                        2, {}, {}};
    size_t blocks = SIZE_MAX;
    std::vector<std::vector<size_t>> inputs(arms.size());
    for (size_t a = 0; a < arms.size(); ++a) {
        for (size_t i = 1; i < stats[a].layers.size(); ++i)
            if (stats[a].layers[i].second == "Activation") inputs[a].push_back(i - 1);
        blocks = std::min(blocks, inputs[a].size());
    }
    if (blocks == SIZE_MAX) blocks = 0;
    for (size_t b = 0; b < blocks; ++b) {
        double lo = INFINITY, hi = -INFINITY;
        std::vector<plot::Panel> row;
        for (size_t a = 0; a < arms.size(); ++a) {
            const auto& [name, cls] = stats[a].layers[inputs[a][b]];
            const auto& v = stats[a].values.at(name);
            plot::Series s{"mean, band p1-p99", {}, {}, {}, {}, plot::colour(a), false, plot::Marker::None, false};
            for (size_t k = 0; k < v.at("mean").size(); ++k) {
                s.x.push_back(v.at("mean")[k].first);
                s.y.push_back(v.at("mean")[k].second);
                s.low.push_back(v.at("p1")[k].second);
                s.high.push_back(v.at("p99")[k].second);
                if (std::isfinite(s.low.back())) lo = std::min(lo, s.low.back());
                if (std::isfinite(s.high.back())) hi = std::max(hi, s.high.back());
            }
            s.label = arm_label(result, a) + ": mean, band p1-p99";
            plot::Panel panel{fmt::format("{}, block {}: {} output", arm_label(result, a), b + 1, cls), "step",
                              "activation input", false, {}, {}, {s}, {}, {}};
            row.push_back(std::move(panel));
        }
        for (plot::Panel& p : row) {
            if (std::isfinite(lo) && std::isfinite(hi) && hi > lo) p.y_min = lo - 0.05 * (hi - lo), p.y_max = hi + 0.05 * (hi - lo);
            figure.panels.push_back(std::move(p));
        }
    }
    return plot::render(figure);
}

}  // namespace minnow::experiments
