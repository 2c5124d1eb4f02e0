#include "experiments/lab_network.hpp"

#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/layers/layers.hpp"

namespace minnow::experiments::detail {

namespace {

Initializer kernel_initializer(const RunSpec& spec) {
    if (spec.init_stddev > 0) return RandomNormal(0.0f, static_cast<float>(spec.init_stddev));
    return "glorot_uniform";
}

void add_norm(Sequential& model, const RunSpec& spec) {
    if (!spec.with_norm) return;
    if (spec.norm == NormKind::Batch) model.add(BatchNormalization(-1, spec.momentum));
    if (spec.norm == NormKind::Layer) model.add(LayerNormalization());
    if (spec.norm == NormKind::Group) model.add(GroupNormalization(kCompareGroups));
}

// A hidden block after its weight layer: the normalization before or after the activation, then
// Dropout when asked (seeded from the run's seed and the block, so arms draw alike).
void add_block_tail(Sequential& model, const RunSpec& spec, int block) {
    if (!spec.norm_after_activation) add_norm(model, spec);
    model.add(Activation(spec.activation));
    if (spec.norm_after_activation) add_norm(model, spec);
    if (spec.dropout > 0) model.add(Dropout(spec.dropout, spec.seed * 1000 + static_cast<uint64_t>(block)));
}

Sequential build(const RunSpec& spec, ModelKind kind, int64_t classes) {
    const Initializer init = kernel_initializer(spec);
    Sequential model;
    int block = 0;
    if (kind == ModelKind::Cnn) {
        model.add(Input({28, 28, 1}));
        model.add(Conv2D(32, 3, 1, "valid", {}, true, init));
        add_block_tail(model, spec, block++);
        model.add(MaxPooling2D());
        model.add(Conv2D(64, 3, 1, "valid", {}, true, init));
        add_block_tail(model, spec, block++);
        model.add(MaxPooling2D());
        model.add(Flatten());
        model.add(Dense(64, {}, true, init));
        add_block_tail(model, spec, block++);
    } else {
        model.add(Input({784}));
        std::vector<int64_t> widths{128, 64, 32};
        if (spec.hidden_layers > 0 && spec.width > 0) widths.assign(static_cast<size_t>(spec.hidden_layers), spec.width);
        for (int64_t units : widths) {
            model.add(Dense(units, {}, true, init));
            add_block_tail(model, spec, block++);
        }
    }
    model.add(Dense(classes, "softmax", true, init));
    return model;
}

bool has_weights(const Layer& layer) { return layer.class_name() == "Dense" || layer.class_name() == "Conv2D"; }

}  // namespace

Sequential lab_network(const RunSpec& spec, int64_t classes) {
    const ModelKind kind = spec.model;
    // The grid point's BatchNormalization network draws the shared weights.
    RunSpec reference = spec;
    reference.with_norm = true;
    reference.norm = NormKind::Batch;
    reference.norm_after_activation = false;
    reference.dropout = 0;
    set_random_seed(spec.seed);
    const Sequential source = build(reference, kind, classes);
    Sequential model = build(spec, kind, classes);
    std::vector<const Layer*> from;
    std::vector<Layer*> to;
    for (const auto& l : source.layers())
        if (has_weights(*l)) from.push_back(l.get());
    for (const auto& l : model.layers())
        if (has_weights(*l)) to.push_back(l.get());
    MINNOW_CHECK(from.size() == to.size(), StateError, "lab: the arms of '{}' differ in their weight layers", spec.id());
    for (size_t i = 0; i < from.size(); ++i) to[i]->set_weights(from[i]->get_weights());
    model.set_name(spec.arm);
    return model;
}

}  // namespace minnow::experiments::detail
