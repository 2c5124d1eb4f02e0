#pragma once
/// Differentiable activation functions, by function, by enum and by Keras name.

#include <string>
#include <string_view>
#include <vector>

#include "minnow/autograd/variable.hpp"

namespace minnow {

/// The activations a Dense, Conv2D or Activation layer can apply, with Keras' names.
enum class ActivationKind { Linear, Relu, Sigmoid, Tanh, Softmax, LeakyRelu, Elu, Gelu, Swish };

/// Keras' name of an activation ("relu", "leaky_relu", "swish", ...).
std::string_view activation_name(ActivationKind kind);
/// The activation called `name` ("silu" is "swish"); ValueError listing the known names otherwise.
ActivationKind activation_from_name(std::string_view name);
/// Every known activation name, in the order of the enum.
std::vector<std::string> activation_names();

///@{
/// Keras' relu, sigmoid and tanh, elementwise.
Variable relu(const Variable& x);
Variable sigmoid(const Variable& x);
Variable tanh(const Variable& x);
///@}
/// max(x, 0) + negative_slope * min(x, 0); Keras' function default slope is 0.2.
Variable leaky_relu(const Variable& x, float negative_slope = 0.2f);
/// x for x > 0, alpha * (exp(x) - 1) otherwise.
Variable elu(const Variable& x, float alpha = 1.0f);
/// x * Phi(x) with the exact normal CDF (Keras' default, approximate = false).
Variable gelu(const Variable& x);
/// x * sigmoid(x) (also called silu).
Variable swish(const Variable& x);
/// exp(x) / sum(exp(x)) along `axis`, computed stably.
Variable softmax(const Variable& x, int64_t axis = -1);
/// x - logsumexp(x) along `axis`.
Variable log_softmax(const Variable& x, int64_t axis = -1);

/// A layer's `activation` argument: a Keras name ("relu") or an enum value, checked at construction.
struct ActivationArg {
    ActivationKind kind = ActivationKind::Linear;  ///< linear when not given
    ActivationArg() = default;
    ///@{
    /// An activation by enum or by Keras name (ValueError naming the known ones otherwise).
    ActivationArg(ActivationKind k) : kind(k) {}                            // NOLINT(google-explicit-constructor)
    ActivationArg(const char* name) : kind(activation_from_name(name)) {}  // NOLINT(google-explicit-constructor)
    ActivationArg(const std::string& name) : kind(activation_from_name(name)) {}  // NOLINT(google-explicit-constructor)
    ///@}
};

/// Applies `kind` with Keras' default parameters (softmax over the last axis).
Variable activation(const Variable& x, ActivationKind kind);

}  // namespace minnow
