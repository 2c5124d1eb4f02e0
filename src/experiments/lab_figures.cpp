// One SVG figure per claim of the lab: the claim's measured quantity over its grid, every arm,
// mean over seeds with a +-std band.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>

#include "experiments/plot.hpp"
#include "minnow/experiments/lab.hpp"
#include "minnow/experiments/statistics.hpp"

namespace minnow::experiments {

namespace {

std::vector<const RunResult*> of_claim(const LabResult& r, const std::string& claim) {
    std::vector<const RunResult*> out;
    for (const RunResult& run : r.runs)
        if (run.spec.claim == claim) out.push_back(&run);
    return out;
}

std::vector<std::string> ordered(const std::vector<const RunResult*>& runs, bool arms) {
    std::vector<std::string> out;
    for (const RunResult* r : runs) {
        const std::string& v = arms ? r->spec.arm : r->spec.point;
        if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    return out;
}

double metric(const RunResult& r, const std::string& name) {
    if (name == "accuracy") return r.diverged ? 0.1 : r.metrics.count("final_val_accuracy") ? r.metrics.at("final_val_accuracy") : NAN;
    auto it = r.metrics.find(name);
    return it == r.metrics.end() ? NAN : it->second;
}

std::string arm_label(const std::string& arm) {
    static const std::map<std::string, std::string> labels{
        {"bn", "with BN"}, {"none", "without normalization"}, {"ln", "LayerNormalization"}, {"gn", "GroupNormalization"},
        {"bn_before", "BN before the activation"}, {"bn_after", "BN after the activation"},
        {"bn_trainable", "BN trainable"}, {"bn_frozen", "BN frozen"}};
    auto it = labels.find(arm);
    return it == labels.end() ? arm : it->second;
}

// Per arm, per point (in grid order): the metric's mean and std over seeds, at x = the point's
// index (categorical) or its value.
plot::Panel over_points(const std::vector<const RunResult*>& runs, const std::string& name, const std::string& y_label,
                        const std::string& title, bool by_value, bool log_x, const std::string& x_label,
                        const std::function<bool(const RunResult&)>& keep = {}) {
    plot::Panel panel{title, x_label, y_label, log_x, {}, {}, {}, {}, {}};
    std::vector<const RunResult*> kept;
    for (const RunResult* r : runs)
        if (!keep || keep(*r)) kept.push_back(r);
    const std::vector<std::string> points = ordered(kept, false), arms = ordered(kept, true);
    for (size_t a = 0; a < arms.size(); ++a) {
        plot::Series s{arm_label(arms[a]), {}, {}, {}, {}, plot::colour(a), false, plot::Marker::Circle, false};
        // Categories: points with error bars, the arms side by side.
        s.connect = by_value;
        s.error_bars = !by_value;
        for (size_t p = 0; p < points.size(); ++p) {
            std::vector<double> values;
            double x = double(p) + (by_value ? 0.0 : 0.1 * (double(a) - double(arms.size() - 1) / 2));
            bool diverged = false;
            for (const RunResult* r : kept)
                if (r->spec.arm == arms[a] && r->spec.point == points[p]) {
                    values.push_back(metric(*r, name));
                    diverged = diverged || r->diverged.has_value();
                    if (by_value) x = r->spec.x;
                }
            const Spread sp = spread(values);
            s.x.push_back(x);
            s.y.push_back(sp.count > 0 ? sp.mean : NAN);
            s.low.push_back(sp.mean - sp.std);
            s.high.push_back(sp.mean + sp.std);
            if (diverged) panel.notes.push_back({x, sp.mean, "diverged", plot::colour(a)});
        }
        panel.series.push_back(std::move(s));
    }
    if (!by_value) {
        for (size_t p = 0; p < points.size(); ++p) panel.x_ticks.emplace_back(double(p), points[p]);
    } else {
        // Ticks at the grid's own values (2, 4, 8, 32, 128; 1e-4 ... 1e-1).
        std::set<double> xs;
        for (const RunResult* r : kept) xs.insert(r->spec.x);
        for (double x : xs) panel.x_ticks.emplace_back(x, fmt::format("{:g}", x));
    }
    return panel;
}

// Per arm, a metric over training steps (points of each run's progress or modes), mean over seeds.
plot::Panel over_steps(const std::vector<const RunResult*>& runs, const std::string& title,
                       const std::function<std::vector<std::pair<double, double>>(const RunResult&)>& curve,
                       const std::function<std::string(const RunResult&)>& series_of, const std::string& y_label) {
    plot::Panel panel{title, "training step", y_label, false, {}, {}, {}, {}, {}};
    std::map<std::string, std::map<double, std::vector<double>>> by_series;
    std::vector<std::string> order;
    for (const RunResult* r : runs) {
        const std::string name = series_of(*r);
        if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
        for (const auto& [x, y] : curve(*r)) by_series[name][x].push_back(y);
    }
    for (size_t i = 0; i < order.size(); ++i) {
        plot::Series s{order[i], {}, {}, {}, {}, plot::colour(i), false, plot::Marker::None, false};
        for (const auto& [x, ys] : by_series[order[i]]) {
            const Spread sp = spread(ys);
            s.x.push_back(x);
            s.y.push_back(sp.mean);
            s.low.push_back(sp.mean - sp.std);
            s.high.push_back(sp.mean + sp.std);
        }
        panel.series.push_back(std::move(s));
    }
    return panel;
}

}  // namespace

std::string claim_svg(const std::string& claim, const LabResult& result) {
    const std::vector<const RunResult*> runs = of_claim(result, claim);
    plot::Figure figure{fmt::format("{}: {}", claim, claim_statement(claim)),
                        fmt::format("{} on {}, {} seeds (mean ± 1 std), {} preset",
                                    model_kind_name(result.options.model), result.options.data.str(), result.options.seeds,
                                    preset_name(result.options.preset)),
                        2, {}, {}};
    const std::string acc = "final val_accuracy";
    if (runs.empty()) return plot::render(figure);
    if (claim == "speed") {
        figure.panels.push_back(over_steps(
            runs, "Validation accuracy during training",
            [](const RunResult& r) {
                std::vector<std::pair<double, double>> c;
                for (const auto& p : r.progress) c.emplace_back(double(p.step), p.accuracy);
                return c;
            },
            [](const RunResult& r) { return arm_label(r.spec.arm); }, "val_accuracy (2,000 images)"));
        figure.panels.push_back(over_steps(
            runs, "Against seconds of training",
            [](const RunResult& r) {
                std::vector<std::pair<double, double>> c;
                for (const auto& p : r.progress) c.emplace_back(std::round(p.seconds * 10) / 10, p.accuracy);
                return c;
            },
            [](const RunResult& r) { return arm_label(r.spec.arm); }, "val_accuracy (2,000 images)"));
        figure.panels.back().x_label = "seconds of training (rounded to 0.1 s)";
    } else if (claim == "lr") {
        for (const std::string optimizer : {"adam", "sgd"})
            figure.panels.push_back(over_points(runs, "accuracy", acc, optimizer == "adam" ? "Adam" : "SGD", true, true,
                                                "learning rate", [&](const RunResult& r) { return r.spec.optimizer == optimizer; }));
    } else if (claim == "init") {
        figure.panels.push_back(over_points(runs, "accuracy", acc, "Final accuracy by initialization", false, false,
                                            "kernel initializer (RandomNormal stddev)"));
        figure.columns = 1;
    } else if (claim == "depth") {
        figure.panels.push_back(over_points(runs, "accuracy", acc, "Final accuracy by depth", true, false, "hidden layers (64 units)"));
        figure.columns = 1;
    } else if (claim == "activation") {
        figure.panels.push_back(over_points(runs, "accuracy", acc, "Final accuracy", false, false, "activation"));
        figure.panels.push_back(over_points(runs, "saturated_fraction", "saturated fraction of hidden units",
                                            "Saturated units at the end (sigmoid, tanh)", false, false, "activation",
                                            [](const RunResult& r) { return r.spec.activation != "relu"; }));
    } else if (claim == "placement" || claim == "transfer") {
        // One point, several arms: the arms along x.
        plot::Panel panel{"Final accuracy by arm", "", acc, false, {}, {}, {}, {}, {}};
        const std::vector<std::string> arms = ordered(runs, true);
        plot::Series s{"", {}, {}, {}, {}, plot::colour(0), false, plot::Marker::Circle, false};
        s.connect = false;
        s.error_bars = true;
        for (size_t a = 0; a < arms.size(); ++a) {
            std::vector<double> values;
            for (const RunResult* r : runs)
                if (r->spec.arm == arms[a]) values.push_back(metric(*r, "accuracy"));
            const Spread sp = spread(values);
            s.x.push_back(double(a));
            s.y.push_back(sp.mean);
            s.low.push_back(sp.mean - sp.std);
            s.high.push_back(sp.mean + sp.std);
            panel.x_ticks.emplace_back(double(a), arm_label(arms[a]));
        }
        panel.series.push_back(std::move(s));
        figure.panels.push_back(std::move(panel));
        figure.columns = 1;
        if (claim == "transfer") figure.panels.back().title = "Accuracy on the new digits after fine-tuning";
    } else if (claim == "batch") {
        figure.panels.push_back(over_points(runs, "accuracy", acc, "Final accuracy by batch size", true, true, "batch size"));
        figure.columns = 1;
    } else if (claim == "regularization") {
        figure.panels.push_back(over_points(runs, "gap", "train accuracy - validation accuracy", "Generalization gap", false,
                                            false, "dropout after each hidden block"));
        figure.panels.push_back(over_points(runs, "accuracy", acc, "Validation accuracy", false, false,
                                            "dropout after each hidden block"));
    } else if (claim == "inference") {
        const std::function<std::string(const RunResult&)> by_momentum = [](const RunResult& r) { return r.spec.point; };
        figure.panels.push_back(over_steps(
            runs, "The moving statistics' lag (recalibrated - moving)",
            [](const RunResult& r) {
                std::vector<std::pair<double, double>> c;
                for (const auto& m : r.modes) c.emplace_back(m.at("step"), m.at("recalibrated") - m.at("moving"));
                return c;
            },
            by_momentum, "accuracy difference"));
        std::vector<const RunResult*> usual;
        for (const RunResult* r : runs)
            if (r->spec.point == "momentum=0.99") usual.push_back(r);
        plot::Panel modes{"Momentum 0.99: three ways to normalize at inference", "training step", "val_accuracy (2,000 images)",
                          false, {}, {}, {}, {}, {}};
        int k = 0;
        for (const char* mode : {"moving", "batch_statistics", "recalibrated"}) {
            plot::Panel one = over_steps(
                usual, "",
                [mode](const RunResult& r) {
                    std::vector<std::pair<double, double>> c;
                    for (const auto& m : r.modes) c.emplace_back(m.at("step"), m.at(mode));
                    return c;
                },
                [mode](const RunResult&) {
                    return std::string(mode) == "batch_statistics" ? std::string("batch statistics")
                                                                   : std::string(mode) + " statistics";
                },
                "");
            for (plot::Series& s : one.series) {
                s.colour = plot::colour(static_cast<size_t>(3 + k));
                modes.series.push_back(std::move(s));
            }
            ++k;
        }
        figure.panels.push_back(std::move(modes));
    }
    return plot::render(figure);
}

}  // namespace minnow::experiments
