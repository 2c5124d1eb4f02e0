// The comparison's verdict: what the final accuracies say (with the paired test over seeds), how
// fast each arm got there, what it cost, and caveats where the moving statistics mislead.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "experiments/series.hpp"
#include "minnow/experiments/statistics.hpp"

namespace minnow::experiments {

namespace {

using detail::Series;

// The accuracy milestones a verdict may time, highest first.
constexpr double kMilestones[] = {0.995, 0.99, 0.985, 0.98, 0.975, 0.97, 0.96, 0.95, 0.92, 0.90,
                                  0.88,  0.85, 0.80,  0.70, 0.50};
// A moving average of momentum m needs about 1 / (1 - m) updates to forget its start; with fewer
// than this many times that, the caveat is printed (0.99^500 = 0.7%).
constexpr double kUpdatesPerHorizon = 5.0;

// One validation measurement of a run: after `step` batches and `seconds` of training.
struct Point {
    int64_t step;
    double seconds;
    double accuracy;
};

// The points a run's milestones are read from: the fine-grained ones (--val-every) when there
// are, else each epoch's end; seconds are training seconds (the batches only).
std::vector<Point> points(const ArmRun& run) {
    std::vector<Point> out;
    if (!run.progress.empty()) {
        for (const auto& p : run.progress) out.push_back({p.step, p.seconds, p.accuracy});
        return out;
    }
    double seconds = 0.0;
    const auto train = run.history.history.find("train_seconds");
    for (size_t e = 0; e < run.history.seconds.size(); ++e) {
        const bool timed = train != run.history.history.end() && e < train->second.size();
        seconds += timed ? train->second[e] : run.history.seconds[e];
        out.push_back({static_cast<int64_t>(e + 1) * run.steps_per_epoch, seconds,
                       detail::value_at(run, "val_accuracy", e)});
    }
    return out;
}

// "step 1,875 (3.9 s)" averaged over the seeds that reached `m`, or "never".
std::string time_to(const std::vector<const ArmRun*>& runs, double m) {
    double steps = 0, seconds = 0;
    int reached = 0;
    for (const ArmRun* r : runs)
        for (const Point& p : points(*r))
            if (std::isfinite(p.accuracy) && p.accuracy >= m) {
                steps += double(p.step), seconds += p.seconds, ++reached;
                break;
            }
    if (reached == 0) return "never";
    std::string out = fmt::format("step {:.0f} ({:.1f} s)", steps / reached, seconds / reached);
    if (reached < static_cast<int>(runs.size())) out += fmt::format(" in {} of {} seeds", reached, runs.size());
    return out;
}

// Whether every seed of the arm reached m at some point.
bool all_reached(const std::vector<const ArmRun*>& runs, double m) {
    for (const ArmRun* r : runs) {
        bool hit = false;
        for (const Point& p : points(*r)) hit = hit || (std::isfinite(p.accuracy) && p.accuracy >= m);
        if (!hit) return false;
    }
    return !runs.empty();
}

// The last finite value of `key` per seed (NaN for a seed that never had one).
std::vector<double> finals(const std::vector<const ArmRun*>& runs, const std::string& key) {
    std::vector<double> out;
    for (const ArmRun* r : runs) {
        double v = NAN;
        for (size_t e = r->history.seconds.size(); e-- > 0 && !std::isfinite(v);) v = detail::value_at(*r, key, e);
        out.push_back(v);
    }
    return out;
}

std::string mean_std(const std::vector<double>& values, bool with_std) {
    const Spread s = spread(values);
    if (s.count == 0) return "n/a";
    return with_std ? fmt::format("{:.4f} ± {:.4f}", s.mean, s.std) : fmt::format("{:.4f}", s.mean);
}

}  // namespace

std::string verdict(const CompareResult& result) {
    const CompareOptions& o = result.options;
    const std::vector<std::string> arms = detail::arm_names(result);
    const auto with = detail::runs_of(result, arms[0]), without = detail::runs_of(result, arms[1]);
    const std::string n = norm_abbreviation(o.norm);
    const bool with_std = o.seeds > 1;
    std::string out = fmt::format("Verdict ({} on {}; {} epoch{}, batch {}, Adam {}, {} seed{}):\n",
                                  model_kind_name(o.model), o.data.str(), o.epochs, o.epochs == 1 ? "" : "s",
                                  o.batch_size, o.learning_rate, o.seeds, o.seeds > 1 ? "s, mean ± std" : "");
    if (with.empty() || without.empty() || detail::epoch_count(result) == 0)
        return out + "  no completed epochs to compare.\n";

    const std::vector<double> wa = finals(with, "val_accuracy"), na = finals(without, "val_accuracy");
    const PairedComparison c = compare_paired(wa, na);
    std::string judgement;
    if (o.seeds < 2) {
        judgement = "one seed: no verdict on the difference (use --seeds 3 or more)";
    } else if (c.seeds < 2) {
        judgement = "fewer than two seeds finished in both arms: no verdict";
    } else {
        const std::string word = c.outcome == Outcome::Inconclusive ? "inconclusive"
                                 : c.outcome == Outcome::Higher     ? fmt::format("higher with {}", n)
                                                                    : fmt::format("lower with {}", n);
        judgement = fmt::format("{} (paired over {} seeds: |{:+.4f}| {} {:.2f} x SE {:.4f} = {:.4f})", word, c.seeds,
                                c.mean_difference, c.outcome == Outcome::Inconclusive ? "<=" : ">", c.critical_t,
                                c.standard_error, c.critical_t * c.standard_error);
    }
    out += fmt::format("  final val_accuracy: with {0} {1}, without {0} {2} ({3:+.4f} with {0}): {4}\n", n,
                       mean_std(wa, with_std), mean_std(na, with_std), c.mean_difference, judgement);

    // Time to accuracy: the three highest milestones that either arm reached in every seed.
    std::vector<double> milestones;
    for (double m : kMilestones)
        if (milestones.size() < 3 && (all_reached(with, m) || all_reached(without, m))) milestones.push_back(m);
    std::reverse(milestones.begin(), milestones.end());
    const bool fine = !with.front()->progress.empty();
    const std::string where =
        fine ? fmt::format("on {} validation samples every {} steps", o.val_subset > 0 ? std::to_string(o.val_subset) : "all",
                           o.val_every)
             : "at epoch ends; --val-every K times it to the step";
    if (milestones.empty())
        out += fmt::format("  neither arm reached a validation accuracy of {:.2f} in every seed\n", kMilestones[std::size(kMilestones) - 1]);
    else
        out += fmt::format("  steps and seconds of training to reach a validation accuracy ({}):\n", where);
    for (double m : milestones)
        out += fmt::format("    >= {:.{}f}: with {} {}, without {} {}\n", m, std::round(m * 100) == m * 100 ? 2 : 3, n,
                           time_to(with, m), n, time_to(without, m));

    auto mean_seconds = [](const std::vector<const ArmRun*>& runs) {
        double sum = 0;
        int count = 0;
        for (const ArmRun* r : runs)
            for (size_t e = 0; e < r->history.seconds.size(); ++e)
                if (const double s = detail::value_at(*r, "train_seconds", e); std::isfinite(s)) sum += s, ++count;
        return count > 0 ? sum / count : 0.0;
    };
    const double wsec = mean_seconds(with), nsec = mean_seconds(without);
    out += fmt::format("  seconds of training per epoch (batches only): with {0} {1:.2f}, without {0} {2:.2f} ({0} costs "
                       "{3:+.0f}%)\n",
                       n, wsec, nsec, nsec > 0 ? (wsec / nsec - 1.0) * 100.0 : 0.0);

    const bool recalibrated = with.front()->history.history.count("val_accuracy_recalibrated") > 0;
    if (recalibrated)
        out += fmt::format("  final val_accuracy of the with arm: moving statistics {}, recalibrated {}, batch statistics {}\n",
                           mean_std(wa, with_std), mean_std(finals(with, "val_accuracy_recalibrated"), with_std),
                           mean_std(finals(with, "val_accuracy_batch_statistics"), with_std));
    for (const auto* runs : {&with, &without})
        for (const ArmRun* r : *runs)
            if (r->diverged)
                out += fmt::format("  diverged: {} seed {} at epoch {}, batch {} (the loss became NaN or infinite); its "
                                   "later epochs are left out\n",
                                   r->arm, r->seed, r->diverged->epoch + 1, r->diverged->batch + 1);

    if (o.norm == NormKind::Batch) {
        // Caveat 1: too few updates for the moving averages to forget their start.
        const double horizon = 1.0 / (1.0 - double(result.momentum));
        const int64_t updates = with.front()->steps_per_epoch * static_cast<int64_t>(detail::epoch_count(result));
        if (double(updates) < kUpdatesPerHorizon * horizon)
            out += fmt::format(
                "  caveat: the moving statistics had {} updates, fewer than {:.0f} x 1/(1 - momentum) = {:.0f} "
                "(momentum {}): they still hold {:.1f}% of their initial values (mean 0, variance 1), so the "
                "with-BN validation, which uses them, can understate the network. Remedy: --recalibrate (measures "
                "with recalibrated statistics), more steps (epochs, or more data than --limit), or a lower momentum.\n",
                updates, kUpdatesPerHorizon, kUpdatesPerHorizon * horizon, result.momentum,
                100.0 * std::pow(double(result.momentum), double(updates)));
        // Caveat 2: recalibrated and moving-statistics accuracy disagree beyond the seeds' spread.
        if (recalibrated) {
            const std::vector<double> ra = finals(with, "val_accuracy_recalibrated");
            const Spread moving = spread(wa), recal = spread(ra);
            const double threshold = o.seeds > 1 ? std::max({moving.std, recal.std, 0.005}) : 0.01;
            if (std::fabs(recal.mean - moving.mean) > threshold)
                out += fmt::format(
                    "  caveat: with recalibrated statistics the with-BN validation accuracy is {:.4f}, against {:.4f} "
                    "with the moving statistics: a difference of {:+.4f}, more than the seeds' spread ({:.4f}; the "
                    "larger std, at least 0.005, or 0.01 with one seed). The moving statistics are unreliable here: "
                    "read the recalibrated column, train longer, or lower the momentum.\n",
                    recal.mean, moving.mean, recal.mean - moving.mean, threshold);
        }
    }
    if (o.seeds > 1) out += "  rule: " + paired_rule_text() + ".\n";
    return out;
}

}  // namespace minnow::experiments
