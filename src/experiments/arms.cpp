#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/layers/group_normalization.hpp"
#include "minnow/layers/layers.hpp"

namespace minnow::experiments {

ModelKind model_kind_from_name(const std::string& name) {
    if (name == "mlp") return ModelKind::Mlp;
    if (name == "cnn") return ModelKind::Cnn;
    throw ValueError(fmt::format("unknown model '{}'; expected 'mlp' or 'cnn'", name));
}

std::string model_kind_name(ModelKind kind) { return kind == ModelKind::Mlp ? "mlp" : "cnn"; }

NormKind norm_kind_from_name(const std::string& name) {
    if (name == "batch") return NormKind::Batch;
    if (name == "layer") return NormKind::Layer;
    if (name == "group") return NormKind::Group;
    throw ValueError(fmt::format("unknown normalization '{}'; expected 'batch', 'layer' or 'group'", name));
}

std::string norm_kind_name(NormKind kind) {
    return kind == NormKind::Batch ? "batch" : (kind == NormKind::Layer ? "layer" : "group");
}

std::string norm_abbreviation(NormKind kind) {
    return kind == NormKind::Batch ? "BN" : (kind == NormKind::Layer ? "LN" : "GN");
}

std::string norm_class_name(NormKind kind) {
    return kind == NormKind::Batch ? "BatchNormalization"
                                   : (kind == NormKind::Layer ? "LayerNormalization" : "GroupNormalization");
}

std::string arm_name(NormKind kind, bool with_norm) {
    std::string abbreviation = norm_abbreviation(kind);
    for (char& c : abbreviation) c = static_cast<char>(c - 'A' + 'a');
    return (with_norm ? "with_" : "without_") + abbreviation;
}

Sequential build_network(ModelKind kind, bool with_norm, int64_t classes, NormKind norm) {
    Sequential model;
    // A hidden block: the weight layer, then (optionally) BatchNormalization, then ReLU.
    auto block = [&](LayerHandle weights) {
        model.add(std::move(weights));
        if (with_norm && norm == NormKind::Batch) model.add(BatchNormalization());
        if (with_norm && norm == NormKind::Layer) model.add(LayerNormalization());
        if (with_norm && norm == NormKind::Group) model.add(GroupNormalization(kCompareGroups));
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

std::pair<Sequential, Sequential> make_arms(ModelKind kind, uint64_t seed, int64_t classes, NormKind norm) {
    set_random_seed(seed);
    Sequential with = build_network(kind, true, classes, norm);
    Sequential without = build_network(kind, false, classes, norm);
    // The layers both arms have get the "with" arm's initial weights, in order.
    std::vector<Layer*> source, target;
    for (const auto& l : with.layers())
        if (has_shared_weights(*l)) source.push_back(l.get());
    for (const auto& l : without.layers())
        if (has_shared_weights(*l)) target.push_back(l.get());
    MINNOW_CHECK(source.size() == target.size(), StateError, "make_arms: the arms differ in their weight layers");
    for (size_t i = 0; i < source.size(); ++i) target[i]->set_weights(source[i]->get_weights());
    with.set_name(arm_name(norm, true));
    without.set_name(arm_name(norm, false));
    return {std::move(with), std::move(without)};
}

}  // namespace minnow::experiments
