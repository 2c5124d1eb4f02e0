// Judging each claim from its runs. Every claim comes down to one number per seed, "the effect",
// whose sign the claim predicts; the paired t-test over seeds (experiments/statistics.hpp) says
// whether the effect is there: supported (significant in the claimed direction), not supported
// (significant the other way), or inconclusive (neither).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <set>

#include "minnow/experiments/lab.hpp"
#include "minnow/experiments/statistics.hpp"

namespace minnow::experiments {

namespace {

// A diverged run counts as chance accuracy (10 classes) wherever a claim reads its accuracy.
constexpr double kChance = 0.1;

// The runs of a claim, indexed by (point, arm, seed).
class Runs {
public:
    explicit Runs(const std::vector<RunResult>& runs) {
        for (const RunResult& r : runs) {
            by_key_[{r.spec.point, r.spec.arm, r.spec.seed}] = &r;
            seeds_.insert(r.spec.seed);
            if (std::find(points_.begin(), points_.end(), r.spec.point) == points_.end()) points_.push_back(r.spec.point);
        }
    }
    const RunResult* get(const std::string& point, const std::string& arm, uint64_t seed) const {
        auto it = by_key_.find({point, arm, seed});
        return it == by_key_.end() ? nullptr : it->second;
    }
    double metric(const std::string& point, const std::string& arm, uint64_t seed, const std::string& name) const {
        const RunResult* r = get(point, arm, seed);
        if (r == nullptr) return NAN;
        auto it = r->metrics.find(name);
        return it == r->metrics.end() ? NAN : it->second;
    }
    // Final validation accuracy, chance for a run that diverged.
    double accuracy(const std::string& point, const std::string& arm, uint64_t seed) const {
        const RunResult* r = get(point, arm, seed);
        if (r == nullptr) return NAN;
        if (r->diverged) return kChance;
        return metric(point, arm, seed, "final_val_accuracy");
    }
    std::vector<uint64_t> seeds() const { return {seeds_.begin(), seeds_.end()}; }
    const std::vector<std::string>& points() const { return points_; }
    // Per seed, f(seed).
    template <class F>
    std::vector<double> per_seed(F f) const {
        std::vector<double> out;
        for (uint64_t s : seeds()) out.push_back(f(s));
        return out;
    }

private:
    std::map<std::tuple<std::string, std::string, uint64_t>, const RunResult*> by_key_;
    std::set<uint64_t> seeds_;
    std::vector<std::string> points_;
};

std::string pm(const std::vector<double>& v, int digits = 4) {
    const Spread s = spread(v);
    if (s.count == 0) return "n/a";
    return s.count > 1 ? fmt::format("{:.{}f} ± {:.{}f}", s.mean, digits, s.std, digits) : fmt::format("{:.{}f}", s.mean, digits);
}

// The verdict of an effect whose claimed sign is positive, and its numbers.
struct Judged {
    std::string verdict;
    std::string test;
};
Judged judge(const std::vector<double>& effect, int digits = 4) {
    const std::vector<double> zero(effect.size(), 0.0);
    const PairedComparison c = compare_paired(effect, zero);
    Judged j;
    j.verdict = c.outcome == Outcome::Higher ? "supported" : c.outcome == Outcome::Lower ? "not supported" : "inconclusive";
    if (c.seeds < 2)
        j.test = fmt::format("effect {:+.{}f} over {} seed: no test", c.mean_difference, digits, c.seeds);
    else
        j.test = fmt::format("effect {} (t x SE = {:.{}f}, {} seeds)", pm(effect, digits), c.critical_t * c.standard_error,
                             digits, c.seeds);
    return j;
}

// "the MLP", "the CNN"
std::string network(const LabOptions& o) { return o.model == ModelKind::Mlp ? "the MLP" : "the CNN"; }

std::string scope(const LabOptions& o) {
    const std::string epochs = o.epochs > 0 ? fmt::format("{} epoch{}", o.epochs, o.epochs == 1 ? "" : "s")
                                            : std::string("the preset's epochs");
    return fmt::format("This is {} on {} with the grid above, {} seeds and {} a run ({} preset); other networks, data "
                       "and schedules may differ.",
                       network(o), o.data.name, o.seeds, epochs, preset_name(o.preset));
}

std::string outcome_sentence(const std::string& verdict, const std::string& supported, const std::string& against,
                             const std::string& neither) {
    return verdict == "supported" ? supported : verdict == "not supported" ? against : neither;
}

}  // namespace

ClaimVerdict judge_claim(const std::string& claim, const std::vector<RunResult>& results, const LabOptions& o) {
    const Runs runs(results);
    ClaimVerdict v;
    v.claim = claim;
    if (results.empty()) {
        v.measured = "nothing (no runs)";
        v.verdict = "inconclusive";
        v.paragraph = "No run of this claim finished.";
        return v;
    }
    const std::vector<std::string>& points = runs.points();

    if (claim == "speed") {
        // The highest milestone every run reached; steps to it, with BN against without.
        double milestone = NAN;
        for (double m : {0.98, 0.97, 0.95}) {
            bool all = true;
            for (const RunResult& r : results) all = all && std::isfinite(runs.metric(r.spec.point, r.spec.arm, r.spec.seed, fmt::format("steps_to_{}", m)));
            if (all) {
                milestone = m;
                break;
            }
        }
        if (std::isnan(milestone)) {
            v.measured = "steps to a validation accuracy of 0.95, 0.97 or 0.98";
            v.numbers = "not every run reached 0.95";
            v.verdict = "inconclusive";
            v.paragraph = "Not every run reached 0.95 validation accuracy, so the time to accuracy cannot be compared. " + scope(o);
            return v;
        }
        const std::string key = fmt::format("steps_to_{}", milestone), secs = fmt::format("seconds_to_{}", milestone);
        const auto bn = runs.per_seed([&](uint64_t s) { return runs.metric(points[0], "bn", s, key); });
        const auto none = runs.per_seed([&](uint64_t s) { return runs.metric(points[0], "none", s, key); });
        const auto bn_s = runs.per_seed([&](uint64_t s) { return runs.metric(points[0], "bn", s, secs); });
        const auto none_s = runs.per_seed([&](uint64_t s) { return runs.metric(points[0], "none", s, secs); });
        std::vector<double> effect;
        for (size_t i = 0; i < bn.size(); ++i) effect.push_back(none[i] - bn[i]);
        const Judged j = judge(effect, 0);
        v.measured = fmt::format("training steps (and seconds) to reach {:.2f} validation accuracy (checked every {} steps "
                                 "on 2,000 validation images); effect = steps without BN - steps with BN",
                                 milestone, results.front().spec.val_every);
        v.numbers = fmt::format("with BN {} steps ({} s), without {} steps ({} s); {}", pm(bn, 0), pm(bn_s, 1), pm(none, 0),
                                pm(none_s, 1), j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "With BatchNormalization {} reached {:.2f} validation accuracy after {} training steps, without it after {}. {} "
            "In seconds of training: {} with BN, {} without (a BN step costs more than a plain one). The milestone is "
            "checked every {} steps, so differences below that are not resolved. {}",
            network(o), milestone, pm(bn, 0), pm(none, 0),
            outcome_sentence(j.verdict, "The difference holds over the seeds.",
                             "Here BN needed more steps, against the claim.",
                             "The difference is within what the seeds' spread allows."),
            pm(bn_s, 1), pm(none_s, 1), results.front().spec.val_every, scope(o));
        return v;
    }

    if (claim == "lr") {
        // Per optimizer, its two highest learning rates: accuracy with BN minus without, averaged.
        std::map<std::string, std::vector<std::pair<double, std::string>>> by_optimizer;
        for (const RunResult& r : results)
            if (r.spec.seed == runs.seeds().front() && r.spec.arm == "bn")
                by_optimizer[r.spec.optimizer].emplace_back(r.spec.learning_rate, r.spec.point);
        std::vector<std::string> high;
        for (auto& [opt, lrs] : by_optimizer) {
            std::sort(lrs.begin(), lrs.end());
            for (size_t k = lrs.size() >= 2 ? lrs.size() - 2 : 0; k < lrs.size(); ++k) high.push_back(lrs[k].second);
        }
        const auto effect = runs.per_seed([&](uint64_t s) {
            double sum = 0;
            for (const std::string& p : high) sum += runs.accuracy(p, "bn", s) - runs.accuracy(p, "none", s);
            return sum / double(high.size());
        });
        int diverged_bn = 0, diverged_none = 0;
        for (const RunResult& r : results)
            if (r.diverged) (r.spec.arm == "bn" ? diverged_bn : diverged_none)++;
        const Judged j = judge(effect);
        std::string table;
        for (const std::string& p : points)
            table += fmt::format("{}: {} vs {}; ", p, pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "bn", s); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "none", s); })));
        v.measured = fmt::format("final validation accuracy at each optimizer's two highest learning rates ({}); effect = "
                                 "with BN - without, averaged over those points (a diverged run counts as 0.10)",
                                 fmt::join(high, ", "));
        v.numbers = fmt::format("{}{}; diverged runs: {} with BN, {} without", table, j.test, diverged_bn, diverged_none);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "At the highest learning rates of the grid, {}. At the usual rates both arms end close together. {} Diverged "
            "runs: {} with BN, {} without. {}",
            outcome_sentence(j.verdict, "BN kept a clearly higher accuracy than the same network without it",
                             "the network without BN did better, against the claim",
                             "the arms' accuracies were not reliably apart"),
            "The grid is coarse (factors of 10), so the learning rate where each arm breaks down is only bracketed.",
            diverged_bn, diverged_none, scope(o));
        return v;
    }

    if (claim == "init") {
        // Sensitivity: the range of final accuracy over the initializations; effect = range without - range with.
        auto range = [&](const std::string& arm, uint64_t s) {
            double lo = INFINITY, hi = -INFINITY;
            for (const std::string& p : points) {
                const double a = runs.accuracy(p, arm, s);
                lo = std::min(lo, a), hi = std::max(hi, a);
            }
            return hi - lo;
        };
        const auto bn = runs.per_seed([&](uint64_t s) { return range("bn", s); });
        const auto none = runs.per_seed([&](uint64_t s) { return range("none", s); });
        std::vector<double> effect;
        for (size_t i = 0; i < bn.size(); ++i) effect.push_back(none[i] - bn[i]);
        const Judged j = judge(effect);
        std::string table;
        for (const std::string& p : points)
            table += fmt::format("{}: {} vs {}; ", p, pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "bn", s); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "none", s); })));
        v.measured = "the range (max - min) of final validation accuracy over the initializations; effect = range "
                     "without BN - range with BN";
        v.numbers = fmt::format("{}range with BN {}, without {}; {}", table, pm(bn), pm(none), j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "Over kernels drawn from RandomNormal with standard deviations from tiny to large, and glorot_uniform, the "
            "final accuracy with BN varied by {} (max - min), without it by {}. {} {}",
            pm(bn), pm(none),
            outcome_sentence(j.verdict, "BN made the outcome clearly less dependent on the initialization.",
                             "BN made it more dependent, against the claim.",
                             "The seeds do not separate the two."),
            scope(o));
        return v;
    }

    if (claim == "depth") {
        const std::string shallow = points.front(), deep = points.back();
        auto advantage = [&](const std::string& p, uint64_t s) { return runs.accuracy(p, "bn", s) - runs.accuracy(p, "none", s); };
        const auto effect = runs.per_seed([&](uint64_t s) { return advantage(deep, s) - advantage(shallow, s); });
        const Judged j = judge(effect);
        std::string table;
        for (const std::string& p : points)
            table += fmt::format("{}: BN advantage {}; ", p, pm(runs.per_seed([&](uint64_t s) { return advantage(p, s); })));
        v.measured = fmt::format("BN's advantage (final validation accuracy with BN - without) at {} against {}; effect = "
                                 "advantage deep - advantage shallow",
                                 deep, shallow);
        v.numbers = fmt::format("{}{}", table, j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "MLPs of 64-unit hidden layers: BN's advantage grows from {} at {} to {} at {}. {} {}",
            pm(runs.per_seed([&](uint64_t s) { return advantage(shallow, s); })), shallow,
            pm(runs.per_seed([&](uint64_t s) { return advantage(deep, s); })), deep,
            outcome_sentence(j.verdict, "The deeper network gains clearly more from BN.",
                             "The deeper network gains less, against the claim.",
                             "Whether depth changes BN's benefit is not resolved by these seeds."),
            scope(o));
        return v;
    }

    if (claim == "activation") {
        std::vector<double> effect(runs.seeds().size(), 0.0);
        std::string table;
        int count = 0;
        for (const std::string& p : points) {
            const auto bn = runs.per_seed([&](uint64_t s) { return runs.metric(p, "bn", s, "saturated_fraction"); });
            const auto none = runs.per_seed([&](uint64_t s) { return runs.metric(p, "none", s, "saturated_fraction"); });
            table += fmt::format("{}: accuracy {} vs {}", p, pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "bn", s); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "none", s); })));
            if (p == "relu") {
                table += "; ";
                continue;
            }
            table += fmt::format(", saturated {} vs {}; ", pm(bn), pm(none));
            for (size_t i = 0; i < effect.size(); ++i) effect[i] += none[i] - bn[i];
            ++count;
        }
        for (double& e : effect) e /= std::max(count, 1);
        const Judged j = judge(effect);
        v.measured = "the fraction of saturated hidden units (sigmoid or tanh output within 0.05 of an asymptote) at the "
                     "end of training, on a fixed probe batch; effect = saturated without BN - with BN, averaged over "
                     "sigmoid and tanh";
        v.numbers = fmt::format("{}{}", table, j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "{} {} The saturated fraction is measured once, at the end, on one probe batch; it says how many units "
            "sit where their gradient has nearly vanished, not why. {}",
            outcome_sentence(j.verdict, "With BN fewer sigmoid and tanh units are saturated.",
                             "With BN more units are saturated, against the claim.",
                             "The saturated fractions with and without BN are not reliably apart."),
            "Accuracies per activation are listed beside it.", scope(o));
        return v;
    }

    if (claim == "placement") {
        const auto before = runs.per_seed([&](uint64_t s) { return runs.accuracy(points[0], "bn_before", s); });
        const auto after = runs.per_seed([&](uint64_t s) { return runs.accuracy(points[0], "bn_after", s); });
        const auto none = runs.per_seed([&](uint64_t s) { return runs.accuracy(points[0], "none", s); });
        std::vector<double> effect;
        for (size_t i = 0; i < before.size(); ++i) effect.push_back(before[i] - after[i]);
        const Judged j = judge(effect);
        v.measured = "final validation accuracy of Dense -> BN -> Activation against Dense -> Activation -> BN; effect = "
                     "before - after";
        v.numbers = fmt::format("BN before {}, BN after {}, no BN {}; {}", pm(before), pm(after), pm(none), j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "BN before the activation ended at {}, after it at {}, and without BN at {}. {} {}", pm(before), pm(after),
            pm(none),
            outcome_sentence(j.verdict, "The original placement is clearly better here.",
                             "Placing BN after the activation did better here, as some practitioners report.",
                             "The two placements are not reliably apart here."),
            scope(o));
        return v;
    }

    if (claim == "batch") {
        const std::string reference = [&] {
            for (const std::string& p : points)
                if (p == "batch 32") return p;
            return points.back();
        }();
        const std::string smallest = points.front();
        auto drop = [&](const std::string& arm, uint64_t s) { return runs.accuracy(reference, arm, s) - runs.accuracy(smallest, arm, s); };
        const auto bn = runs.per_seed([&](uint64_t s) { return drop("bn", s); });
        const auto ln = runs.per_seed([&](uint64_t s) { return drop("ln", s); });
        const auto gn = runs.per_seed([&](uint64_t s) { return drop("gn", s); });
        const auto none = runs.per_seed([&](uint64_t s) { return drop("none", s); });
        std::vector<double> effect;
        for (size_t i = 0; i < bn.size(); ++i) effect.push_back(bn[i] - (ln[i] + gn[i]) / 2);
        const Judged j = judge(effect);
        std::string table;
        for (const std::string& p : points) {
            table += p + ":";
            for (const char* arm : {"bn", "ln", "gn", "none"})
                table += fmt::format(" {} {}", arm, pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(p, arm, s); })));
            table += "; ";
        }
        v.measured = fmt::format("the drop in final validation accuracy from {} to {}; effect = BN's drop - the mean of "
                                 "LN's and GN's drops",
                                 reference, smallest);
        v.numbers = fmt::format("{}drop BN {}, LN {}, GN {}, none {}; {}", table, pm(bn), pm(ln), pm(gn), pm(none), j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "Going from {} to {}, BN lost {} accuracy, LayerNormalization {}, GroupNormalization {} and the network "
            "without normalization {}. {} All arms train the same number of epochs, so smaller batches take more, "
            "noisier steps. {}",
            reference, smallest, pm(bn), pm(ln), pm(gn), pm(none),
            outcome_sentence(j.verdict, "BN degrades clearly more than the per-sample normalizations.",
                             "BN degraded less than LN and GN here, against the claim.",
                             "The drops are not reliably apart."),
            scope(o));
        return v;
    }

    if (claim == "regularization") {
        const std::string p = points.front();
        const auto bn = runs.per_seed([&](uint64_t s) { return runs.metric(p, "bn", s, "gap"); });
        const auto none = runs.per_seed([&](uint64_t s) { return runs.metric(p, "none", s, "gap"); });
        std::vector<double> effect;
        for (size_t i = 0; i < bn.size(); ++i) effect.push_back(none[i] - bn[i]);
        const Judged j = judge(effect);
        std::string table;
        for (const std::string& q : points)
            table += fmt::format("{}: gap {} vs {}, validation {} vs {}; ", q,
                                 pm(runs.per_seed([&](uint64_t s) { return runs.metric(q, "bn", s, "gap"); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.metric(q, "none", s, "gap"); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(q, "bn", s); })),
                                 pm(runs.per_seed([&](uint64_t s) { return runs.accuracy(q, "none", s); })));
        v.measured = "the generalization gap: accuracy on 10,000 training images minus validation accuracy, both in "
                     "inference mode, at the end; effect = gap without BN - gap with BN (no dropout)";
        v.numbers = fmt::format("{}{}", table, j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "Without dropout the gap was {} with BN and {} without. {} A smaller gap can come from fitting the training "
            "set less as well as from generalizing better: read it with the validation accuracy beside it. {}",
            pm(bn), pm(none),
            outcome_sentence(j.verdict, "BN's gap is clearly smaller.", "BN's gap is larger here, against the claim.",
                             "The gaps are not reliably apart."),
            scope(o));
        return v;
    }

    if (claim == "inference") {
        // Per momentum: the lag of the moving statistics at the first measurement, and at the end.
        std::string table;
        std::vector<double> effect;
        for (const std::string& p : points) {
            const auto early = runs.per_seed([&](uint64_t s) {
                const RunResult* r = runs.get(p, "bn", s);
                return r && !r->modes.empty() ? r->modes.front().at("recalibrated") - r->modes.front().at("moving") : NAN;
            });
            const auto late = runs.per_seed([&](uint64_t s) {
                const RunResult* r = runs.get(p, "bn", s);
                return r && !r->modes.empty() ? r->modes.back().at("recalibrated") - r->modes.back().at("moving") : NAN;
            });
            table += fmt::format("{}: lag at the first check {}, at the end {}; ", p, pm(early), pm(late));
            if (p == "momentum=0.99") effect = early;
        }
        if (effect.empty()) effect = std::vector<double>(runs.seeds().size(), NAN);
        const Judged j = judge(effect);
        const int64_t first = results.front().spec.val_every;
        v.measured = fmt::format("the moving statistics' lag: validation accuracy with recalibrated statistics (the "
                                 "current network's) minus with the moving ones, after the first {} steps at momentum "
                                 "0.99; and the same at the end, for each momentum",
                                 first);
        v.numbers = fmt::format("{}{}", table, j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "Early in training, {} The figure shows the lag for each momentum over training, and the accuracy with moving, "
            "batch and recalibrated statistics at momentum 0.99; the numbers give the lag at the first check and at the "
            "end for each momentum. A large lag is why a model can look broken in evaluation after a short run while the "
            "network itself is fine. Batch statistics at evaluation time carry their own noise (a batch of 32), so they "
            "are not the reference here; recalibrated statistics are. {}",
            outcome_sentence(j.verdict, "accuracy with the moving statistics is clearly below what the same weights reach "
                                        "with recalibrated statistics: the moving averages lag.",
                             "the moving statistics did better than recalibrated ones, against the claim.",
                             "the moving statistics' lag at momentum 0.99 is not reliably above zero."),
            scope(o));
        return v;
    }

    if (claim == "transfer") {
        const std::string p = points.front();
        const auto frozen = runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "bn_frozen", s); });
        const auto trainable = runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "bn_trainable", s); });
        const auto none = runs.per_seed([&](uint64_t s) { return runs.accuracy(p, "none", s); });
        std::vector<double> effect;
        for (size_t i = 0; i < frozen.size(); ++i) effect.push_back(frozen[i] - trainable[i]);
        const Judged j = judge(effect);
        const RunSpec& s = results.front().spec;
        v.measured = fmt::format("validation accuracy on digits {}-9 after pretraining on digits 0-{} and fine-tuning on {} "
                                 "images of {}-9; effect = BN frozen - BN trainable",
                                 s.split, s.split - 1, s.finetune_samples, s.split);
        v.numbers = fmt::format("BN frozen {}, BN trainable {}, no BN {}; {}", pm(frozen), pm(trainable), pm(none), j.test);
        v.verdict = j.verdict;
        v.paragraph = fmt::format(
            "After fine-tuning on {} images, the network with frozen BN (trainable = false: inference mode, statistics "
            "kept) reached {}, with trainable BN {}, and without BN {}. {} A frozen BN also freezes gamma and beta, as in "
            "Keras. {}",
            s.finetune_samples, pm(frozen), pm(trainable), pm(none),
            outcome_sentence(j.verdict, "Freezing BN clearly helps here.", "Freezing BN did worse here, against the advice.",
                             "Freezing or not makes no reliable difference here."),
            scope(o));
        return v;
    }
    v.verdict = "inconclusive";
    v.paragraph = "Unknown claim.";
    return v;
}

}  // namespace minnow::experiments
