#pragma once
/// The layer registry: how a saved model's layers are rebuilt from their class names and configs.
/// Every layer class registers itself, the built-in ones from their own source files.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minnow/core/config.hpp"

#include "minnow/layers/layer.hpp"

namespace minnow {

/// Makes a layer from its get_config() JSON.
using LayerFactory = std::function<std::shared_ptr<Layer>(const Config& config)>;

/// Registers (or replaces) the factory for `class_name`.
void register_layer(const std::string& class_name, LayerFactory factory);

/// Registers a layer class that has `static std::shared_ptr<L> from_config(const Config&)`.
template <class L>
void register_layer_class(const std::string& class_name) {
    register_layer(class_name, [](const Config& config) { return L::from_config(config); });
}

/// A new layer of `class_name` from `config` (its name and trainable flag restored); ValueError
/// naming the registered classes when the class is unknown, or the key when the config is wrong.
std::shared_ptr<Layer> layer_from_config(const std::string& class_name, const Config& config);

/// The registered class names, sorted.
std::vector<std::string> registered_layer_classes();

/// A registration made when the program starts (see MINNOW_REGISTER_LAYER).
struct LayerRegistration {
    /// Registers `factory` under `class_name`; a later registration of the same name replaces it.
    LayerRegistration(const std::string& class_name, LayerFactory factory);
};

namespace detail {
/// Does nothing; its call in MINNOW_LINK_LAYER refers to a registration so the linker keeps it.
bool keep_linked(const LayerRegistration& registration);
}  // namespace detail

}  // namespace minnow

/// In a layer's source file, in the layer's namespace: registers `Class` (by its static
/// from_config) under the name "Class" before main() runs, as register_layer_class would.
#define MINNOW_REGISTER_LAYER(Class)                                             \
    extern const ::minnow::LayerRegistration Class##_registration;               \
    const ::minnow::LayerRegistration Class##_registration {                     \
        #Class, [](const ::minnow::Config& config) -> std::shared_ptr<::minnow::Layer> { \
            return Class::from_config(config);                                   \
        }                                                                        \
    }

/// In the same layer's header, in the same namespace: every program that includes the header
/// links the source file's registration too. (A static library's object file is linked only when
/// something refers to it, and a program that only loads models refers to no layer.)
#define MINNOW_LINK_LAYER(Class)                                    \
    extern const ::minnow::LayerRegistration Class##_registration; \
    inline const bool Class##_linked = ::minnow::detail::keep_linked(Class##_registration)
