#include <ostream>
#include <sstream>

#include "minnow/experiments/compare.hpp"
#include "minnow/optim/optimizer.hpp"

namespace minnow::experiments {

CompareResult run_comparison(const CompareOptions& options, std::shared_ptr<const Dataset> train,
                             std::shared_ptr<const Dataset> test, std::ostream& log) {
    CompareResult result;
    result.options = options;
    const int64_t classes = 10;
    for (int s = 0; s < options.seeds; ++s) {
        const uint64_t seed = options.seed + static_cast<uint64_t>(s);
        auto [with, without] = make_arms(options.model, seed, classes, options.norm);
        if (s == 0) {
            result.summary_with = with.summary_string();
            result.summary_without = without.summary_string();
            if (!options.quiet) log << result.summary_with << "\n" << result.summary_without << "\n";
        }
        for (auto* arm : {&with, &without}) {
            if (!options.quiet)
                log << "Training " << arm->name() << " (seed " << seed << ")\n" << std::flush;
            arm->compile(Adam(options.learning_rate), "sparse_categorical_crossentropy", {"accuracy"});
            // The same shuffle seed for both arms: the same batches in the same order.
            FitOptions fit{.epochs = options.epochs,
                           .batch_size = options.batch_size,
                           .validation_data = ValidationData(test),
                           .shuffle = true,
                           .seed = seed,
                           .verbose = options.quiet ? 0 : 1};
            History h = arm->fit(train, fit);
            result.runs.push_back({arm->name(), seed, std::move(h)});
        }
    }
    return result;
}

}  // namespace minnow::experiments
