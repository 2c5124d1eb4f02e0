#include <fmt/format.h>
#include <ostream>

#include "minnow/experiments/compare.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/optim/optimizer.hpp"

namespace minnow::experiments {

namespace {

// "60,000"
std::string thousands(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

float first_momentum(const Sequential& model) {
    for (const auto& layer : model.layers())
        if (const auto* bn = dynamic_cast<const BatchNormalization*>(layer.get())) return bn->momentum();
    return 0.99f;
}

}  // namespace

std::string DataDescription::str() const {
    std::string how = subset ? "offline subset" : (limit > 0 ? fmt::format("--limit {}", limit) : "full");
    if (subset && limit > 0) how += fmt::format(", --limit {}", limit);
    return fmt::format("{}: {} train / {} test ({})", name, thousands(train_samples), thousands(test_samples), how);
}

CompareResult run_comparison(const CompareOptions& options, std::shared_ptr<const Dataset> train,
                             std::shared_ptr<const Dataset> test, std::ostream& log) {
    CompareResult result;
    result.options = options;
    result.options.data.train_samples = train->size();
    result.options.data.test_samples = test->size();
    const int64_t classes = 10;
    const int64_t steps_per_epoch = (train->size() + options.batch_size - 1) / options.batch_size;
    for (int s = 0; s < options.seeds; ++s) {
        const uint64_t seed = options.seed + static_cast<uint64_t>(s);
        auto [with, without] = make_arms(options.model, seed, classes, options.norm);
        if (s == 0) {
            result.summary_with = with.summary_string();
            result.summary_without = without.summary_string();
            result.momentum = first_momentum(with);
            if (!options.quiet) log << result.summary_with << "\n" << result.summary_without << "\n";
        }
        for (auto* arm : {&with, &without}) {
            if (!options.quiet) log << "Training " << arm->name() << " (seed " << seed << ")\n" << std::flush;
            arm->compile(Adam(options.learning_rate), "sparse_categorical_crossentropy", {"accuracy"});
            auto nan = std::make_shared<TerminateOnNaN>(!options.quiet);
            auto timer = std::make_shared<TrainingTime>();
            std::vector<std::shared_ptr<Callback>> callbacks;
            callbacks.push_back(nan);
            callbacks.push_back(timer);
            std::shared_ptr<RecalibratedValidation> recalibrated;
            if (options.recalibrate) {
                recalibrated = std::make_shared<RecalibratedValidation>(train, test, options.batch_size, seed);
                callbacks.push_back(recalibrated);
            }
            std::shared_ptr<TimeToAccuracy> progress;
            if (options.val_every > 0) {
                progress = std::make_shared<TimeToAccuracy>(test, options.val_every, options.val_subset, seed);
                callbacks.push_back(progress);
            }
            std::shared_ptr<ActivationStatistics> stats;
            if (options.stats) {
                const int64_t every = options.stats_every > 0 ? options.stats_every : std::max<int64_t>(1, steps_per_epoch / 10);
                stats = std::make_shared<ActivationStatistics>(train, ActivationStatisticsOptions{.seed = seed, .every_batches = every});
                callbacks.push_back(stats);
            }
            // The same shuffle seed for both arms: the same batches in the same order.
            FitOptions fit{.epochs = options.epochs,
                           .batch_size = options.batch_size,
                           .validation_data = ValidationData(test),
                           .shuffle = true,
                           .seed = seed,
                           .verbose = options.quiet ? 0 : 1,
                           .callbacks = callbacks,
                           .memory_limit = options.memory_check ? 0 : -1,
                           .distributed = true};  // data-parallel when run under mpirun
            ArmRun run{arm->name(), seed, arm->fit(train, fit), steps_per_epoch, std::nullopt, {}, {}};
            if (nan->diverged()) run.diverged = Divergence{nan->epoch(), nan->batch()};
            run.history.history["train_seconds"] = timer->seconds();
            if (recalibrated)
                for (const auto& [key, values] : recalibrated->values()) run.history.history[key] = values;
            if (progress) run.progress = progress->points();
            if (stats) run.activations = stats->records();
            result.runs.push_back(std::move(run));
        }
    }
    return result;
}

}  // namespace minnow::experiments
