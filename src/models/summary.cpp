// Sequential::summary: Keras' table of layers, output shapes and parameter counts.
#include <algorithm>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow {

namespace {

std::string with_commas(int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

struct Row {
    std::string layer, shape, params;
};

}  // namespace

std::string Sequential::summary_string() const {
    MINNOW_CHECK(built(), StateError,
                 "{}: the model is not built yet, so it has no shapes to show; start it with an Input layer, call "
                 "build(), or call it on data first",
                 describe());
    std::vector<Row> rows;
    for (const auto& layer : layers_) {
        if (dynamic_cast<const InputLayer*>(layer.get()) != nullptr) continue;  // Keras leaves it out too
        rows.push_back({fmt::format("{} ({})", layer->name(), layer->class_name()), layer->output_shape().batch_str(),
                        with_commas(layer->count_params())});
    }
    // Keras' minimum column widths, widened to fit the longest entry.
    size_t w1 = 28, w2 = 25, w3 = 10;
    for (const Row& r : rows) {
        w1 = std::max(w1, r.layer.size() + 2);
        w2 = std::max(w2, r.shape.size() + 2);
        w3 = std::max(w3, r.params.size() + 1);
    }
    const size_t width = 1 + w1 + w2 + w3;
    int64_t trainable = 0;
    for (const Variable& v : trainable_weights()) trainable += v.value().numel();
    const int64_t total = count_params();

    std::ostringstream out;
    out << fmt::format("Model: \"{}\"\n", name());
    out << std::string(width, '_') << "\n";
    out << fmt::format(" {:<{}}{:<{}}{:>{}}\n", "Layer (type)", w1, "Output Shape", w2, "Param #", w3);
    out << std::string(width, '=') << "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        out << fmt::format(" {:<{}}{:<{}}{:>{}}\n", rows[i].layer, w1, rows[i].shape, w2, rows[i].params, w3);
        out << std::string(width, i + 1 == rows.size() ? '=' : '_') << "\n";
    }
    out << fmt::format("Total params: {}\n", with_commas(total));
    out << fmt::format("Trainable params: {}\n", with_commas(trainable));
    out << fmt::format("Non-trainable params: {}\n", with_commas(total - trainable));
    out << std::string(width, '_') << "\n";
    return out.str();
}

void Sequential::summary(std::ostream& out) const { out << summary_string(); }
void Sequential::summary() const { summary(std::cout); }

}  // namespace minnow
