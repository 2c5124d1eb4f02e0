#include "models/layer_walk.hpp"

#include <typeinfo>

#include "core/float_mode.hpp"
#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/layers/batch_normalization.hpp"

namespace minnow::detail {

namespace {
void append_flat(const std::vector<std::shared_ptr<Layer>>& layers, std::vector<std::shared_ptr<Layer>>& out) {
    for (const auto& layer : layers) {
        const Layer& held = *layer;  // typeid of a plain reference: clang warns on *layer's call
        if (typeid(held) == typeid(Sequential))
            append_flat(static_cast<const Sequential&>(held).layers(), out);
        else
            out.push_back(layer);
    }
}
}  // namespace

std::vector<std::shared_ptr<Layer>> flat_layers(const std::vector<std::shared_ptr<Layer>>& layers) {
    std::vector<std::shared_ptr<Layer>> out;
    append_flat(layers, out);
    return out;
}

Tensor walk_with_batch_statistics(const Sequential& model, const Tensor& x, const LayerVisitor& visit) {
    MINNOW_CHECK(model.built(), StateError, "{} '{}': not built yet; give it an Input layer or build it first",
                 model.class_name(), model.name());
    NoGradGuard no_grad;
    const FlushDenormals flush;
    Variable h(x);
    for (const auto& layer : flat_layers(model.layers())) {
        Variable out;
        BatchStatistics stats;
        const Layer& held = *layer;
        const bool batch_statistics = typeid(held) == typeid(BatchNormalization) && layer->trainable();
        if (batch_statistics) {
            const auto& bn = static_cast<const BatchNormalization&>(held);
            layer->ensure_built(h.shape());
            out = batch_norm_train(h, bn.gamma(), bn.beta(), bn.epsilon(), stats);
        } else {
            out = (*layer)(h, Mode::Infer);
        }
        if (visit) visit(*layer, h.value(), out.value(), batch_statistics ? &stats : nullptr);
        h = std::move(out);
    }
    return h.value();
}

}  // namespace minnow::detail
