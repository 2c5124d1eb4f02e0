#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/layers/layers.hpp"

namespace minnow::experiments {

ModelKind model_kind_from_name(const std::string& name) {
    if (name == "mlp") return ModelKind::Mlp;
    if (name == "cnn") return ModelKind::Cnn;
    throw ValueError(fmt::format("unknown model '{}'; expected 'mlp' or 'cnn'", name));
}

std::string model_kind_name(ModelKind kind) { return kind == ModelKind::Mlp ? "mlp" : "cnn"; }

Sequential build_network(ModelKind kind, bool with_norm, int64_t classes) {
    Sequential model;
    // A hidden block: the weight layer, then (optionally) BatchNormalization, then ReLU.
    auto block = [&](LayerHandle weights) {
        model.add(std::move(weights));
        if (with_norm) model.add(BatchNormalization());
        model.add(Activation("relu"));
    };
    if (kind == ModelKind::Mlp) {
        model.add(Input({784}));
        block(Dense(128));
        block(Dense(64));
        block(Dense(32));
    } else {
        model.add(Input({28, 28, 1}));
        block(Conv2D(32, 3));
        model.add(MaxPooling2D());
        block(Conv2D(64, 3));
        model.add(MaxPooling2D());
        model.add(Flatten());
        block(Dense(64));
    }
    model.add(Dense(classes, "softmax"));
    return model;
}

namespace {
bool has_shared_weights(const Layer& layer) {
    return layer.class_name() == "Dense" || layer.class_name() == "Conv2D";
}
}  // namespace

std::pair<Sequential, Sequential> make_arms(ModelKind kind, uint64_t seed, int64_t classes) {
    set_random_seed(seed);
    Sequential with = build_network(kind, true, classes);
    Sequential without = build_network(kind, false, classes);
    // The layers both arms have get the "with" arm's initial weights, in order.
    std::vector<Layer*> source, target;
    for (const auto& l : with.layers())
        if (has_shared_weights(*l)) source.push_back(l.get());
    for (const auto& l : without.layers())
        if (has_shared_weights(*l)) target.push_back(l.get());
    MINNOW_CHECK(source.size() == target.size(), StateError, "make_arms: the arms differ in their weight layers");
    for (size_t i = 0; i < source.size(); ++i) target[i]->set_weights(source[i]->get_weights());
    with.set_name(kWithArm);
    without.set_name(kWithoutArm);
    return {std::move(with), std::move(without)};
}

}  // namespace minnow::experiments
