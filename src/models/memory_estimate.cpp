#include "minnow/models/memory_estimate.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <string>

#include "minnow/core/error.hpp"
#include "models/plan.hpp"

namespace minnow {

namespace {

std::string megabytes(int64_t bytes) { return fmt::format("{:.0f} MB", double(bytes) / 1e6); }

// Per sample, in floats: what the forward keeps and the backward's largest pair of gradients.
struct PerSample {
    int64_t kept = 0, backward = 0;
};

PerSample per_sample(const Sequential& model) {
    const detail::Plan plan = detail::training_plan(model.layers());
    PerSample p;
    int64_t in = model.input_shape().with_batch(1).numel();
    p.kept = in;  // the batch itself
    for (const detail::PlanStep& step : plan.steps) {
        const int64_t out = step.layers.back()->output_shape().with_batch(1).numel();
        // Pooling keeps an int32 argmax per output besides the output.
        const bool pools = step.rule.find("max_pool") != std::string_view::npos ||
                           step.layers.back()->class_name() == "MaxPooling2D";
        p.kept += out * (pools ? 2 : 1);
        p.backward = std::max(p.backward, in + out);
        in = out;
    }
    p.kept += in;  // the predictions (softmax of the logits)
    return p;
}

}  // namespace

std::string MemoryEstimate::str() const {
    return fmt::format("{} (activations {}, backward {}, parameters {})", megabytes(total()), megabytes(activations),
                       megabytes(backward), megabytes(parameters));
}

MemoryEstimate estimate_training_memory(const Sequential& model, int64_t batch_size) {
    MINNOW_CHECK(model.built(), StateError, "estimate_training_memory: model '{}' is not built", model.name());
    MINNOW_CHECK(batch_size >= 1, ValueError, "estimate_training_memory: batch_size must be >= 1, got {}", batch_size);
    const PerSample p = per_sample(model);
    const int64_t slots = model.compiled() ? model.optimizer().slot_count() : 2;
    int64_t trainable = 0;
    for (const Variable& w : model.trainable_weights()) trainable += w.value().numel();
    MemoryEstimate e;
    e.batch_size = batch_size;
    e.activations = p.kept * batch_size * int64_t(sizeof(float));
    e.backward = p.backward * batch_size * int64_t(sizeof(float));
    e.parameters = (model.count_params() + trainable * (1 + slots)) * int64_t(sizeof(float));
    return e;
}

int64_t available_memory() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    int64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    return 0;
}

int64_t largest_batch_that_fits(const Sequential& model, int64_t bytes) {
    int64_t lo = 0, hi = 1;
    while (hi < (int64_t{1} << 40) && estimate_training_memory(model, hi).total() <= bytes) lo = hi, hi *= 2;
    // The estimate grows with the batch: bisect between the last that fits and the first that does not.
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (estimate_training_memory(model, mid).total() <= bytes ? lo : hi) = mid;
    }
    return lo;
}

}  // namespace minnow
