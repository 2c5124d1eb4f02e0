#include "minnow/ops/activations.hpp"

#include <array>
#include <fmt/format.h>

#include "kernels/activation.hpp"
#include "minnow/core/error.hpp"

namespace minnow {

namespace {

struct NamedActivation {
    std::string_view name;
    ActivationKind kind;
};

constexpr std::array<NamedActivation, 9> kActivations{{
    {"linear", ActivationKind::Linear},
    {"relu", ActivationKind::Relu},
    {"sigmoid", ActivationKind::Sigmoid},
    {"tanh", ActivationKind::Tanh},
    {"softmax", ActivationKind::Softmax},
    {"leaky_relu", ActivationKind::LeakyRelu},
    {"elu", ActivationKind::Elu},
    {"gelu", ActivationKind::Gelu},
    {"swish", ActivationKind::Swish},
}};

Variable elementwise(const char* name, const Variable& x, kernels::Elementwise f, float alpha) {
    const Tensor& xv = x.value();
    Tensor y(xv.shape());
    kernels::activation_forward(f, xv.data(), y.data(), xv.numel(), alpha);
    return record_assigning(name, std::move(y), {x}, [f, alpha](const BackwardArgs& g) {
        kernels::activation_backward(f, g.x(0).data(), g.y.data(), g.dy.data(), g.dx[0]->data(), g.dy.numel(), alpha,
                                     !g.assign(0));
    });
}

}  // namespace

std::string_view activation_name(ActivationKind kind) {
    for (const auto& a : kActivations)
        if (a.kind == kind) return a.name;
    return "unknown";
}

std::vector<std::string> activation_names() {
    std::vector<std::string> names;
    for (const auto& a : kActivations) names.emplace_back(a.name);
    return names;
}

ActivationKind activation_from_name(std::string_view name) {
    if (name == "silu") return ActivationKind::Swish;
    if (name.empty() || name == "None") return ActivationKind::Linear;
    for (const auto& a : kActivations)
        if (a.name == name) return a.kind;
    throw ValueError(fmt::format("unknown activation '{}'; known activations: {}, silu", name,
                                 fmt::join(activation_names(), ", ")));
}

Variable relu(const Variable& x) { return elementwise("relu", x, kernels::Elementwise::Relu, 0.0f); }
Variable sigmoid(const Variable& x) { return elementwise("sigmoid", x, kernels::Elementwise::Sigmoid, 0.0f); }
Variable tanh(const Variable& x) { return elementwise("tanh", x, kernels::Elementwise::Tanh, 0.0f); }
Variable leaky_relu(const Variable& x, float negative_slope) {
    return elementwise("leaky_relu", x, kernels::Elementwise::LeakyRelu, negative_slope);
}
Variable elu(const Variable& x, float alpha) { return elementwise("elu", x, kernels::Elementwise::Elu, alpha); }
Variable gelu(const Variable& x) { return elementwise("gelu", x, kernels::Elementwise::Gelu, 0.0f); }
Variable swish(const Variable& x) { return elementwise("swish", x, kernels::Elementwise::Swish, 0.0f); }

Variable softmax(const Variable& x, int64_t axis) {
    const AxisSplit v = x.shape().split_at(axis);
    Tensor y(x.shape());
    kernels::softmax_forward(x.value().data(), y.data(), v.outer, v.n, v.inner);
    return record("softmax", std::move(y), {x}, [v](const BackwardArgs& g) {
        kernels::softmax_backward(g.y.data(), g.dy.data(), g.dx[0]->data(), v.outer, v.n, v.inner);
    });
}

Variable log_softmax(const Variable& x, int64_t axis) {
    const AxisSplit v = x.shape().split_at(axis);
    Tensor y(x.shape());
    kernels::log_softmax_forward(x.value().data(), y.data(), v.outer, v.n, v.inner);
    return record("log_softmax", std::move(y), {x}, [v](const BackwardArgs& g) {
        kernels::log_softmax_backward(g.y.data(), g.dy.data(), g.dx[0]->data(), v.outer, v.n, v.inner);
    });
}

Variable activation(const Variable& x, ActivationKind kind) {
    switch (kind) {
        case ActivationKind::Linear: return x;
        case ActivationKind::Relu: return relu(x);
        case ActivationKind::Sigmoid: return sigmoid(x);
        case ActivationKind::Tanh: return tanh(x);
        case ActivationKind::Softmax: return softmax(x);
        case ActivationKind::LeakyRelu: return leaky_relu(x);
        case ActivationKind::Elu: return elu(x);
        case ActivationKind::Gelu: return gelu(x);
        case ActivationKind::Swish: return swish(x);
    }
    throw ValueError("activation: invalid ActivationKind");
}

}  // namespace minnow
