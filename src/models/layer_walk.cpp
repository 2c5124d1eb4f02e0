#include "models/layer_walk.hpp"

#include <typeinfo>

namespace minnow::detail {

namespace {
void append_flat(const std::vector<std::shared_ptr<Layer>>& layers, std::vector<std::shared_ptr<Layer>>& out) {
    for (const auto& layer : layers) {
        if (typeid(*layer) == typeid(Sequential))
            append_flat(static_cast<const Sequential&>(*layer).layers(), out);
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

}  // namespace minnow::detail
