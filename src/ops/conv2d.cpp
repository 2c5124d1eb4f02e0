#include "minnow/ops/conv2d.hpp"

#include <optional>

#include "kernels/conv2d.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/pooling.hpp"
#include "tensor/index_buffer.hpp"

namespace minnow {

namespace {

kernels::ConvGeometry conv_geometry(const Shape& x, const Shape& w, Size2 strides, Padding padding) {
    MINNOW_CHECK(x.rank() == 4, ShapeError, "conv2d: expected input (batch, height, width, channels), got {}", x);
    MINNOW_CHECK(w.rank() == 4, ShapeError, "conv2d: expected kernel (KH, KW, C, K), got {}", w);
    MINNOW_CHECK(x[3] == w[2], ShapeError, "conv2d: input has {} channels but the kernel {} expects {}", x[3], w, w[2]);
    MINNOW_CHECK(strides.h >= 1 && strides.w >= 1, ValueError, "conv2d: strides must be >= 1, got {}", strides.str());
    const AxisWindow rows = axis_window(x[1], w[0], strides.h, padding);
    const AxisWindow cols = axis_window(x[2], w[1], strides.w, padding);
    MINNOW_CHECK(rows.out > 0 && cols.out > 0, ShapeError,
                 "conv2d: kernel {}x{} is larger than the input {}x{} with 'valid' padding (input {})", w[0], w[1],
                 x[1], x[2], x);
    return {.N = x[0], .H = x[1], .W = x[2], .C = x[3], .K = w[3], .KH = w[0], .KW = w[1], .OH = rows.out,
            .OW = cols.out, .stride_h = strides.h, .stride_w = strides.w, .pad_top = rows.pad_before,
            .pad_left = cols.pad_before};
}

// Inputs: x, kernel, and the bias when there is one.
kernels::ConvGrads conv_grads(const BackwardArgs& a) {
    return {.dx = a.dx[0] ? a.dx[0]->data() : nullptr,
            .dw = a.dx[1] ? a.dx[1]->data() : nullptr,
            .db = a.add_target(2),
            .assign_dx = a.assign(0),
            .assign_dw = a.assign(1)};
}

}  // namespace

Variable conv2d(const Variable& x, const Variable& kernel, const Variable& bias, Size2 strides, Padding padding) {
    const kernels::ConvGeometry g = conv_geometry(x.shape(), kernel.shape(), strides, padding);
    const bool has_bias = bias.defined();
    if (has_bias)
        MINNOW_CHECK(bias.shape() == Shape{g.K}, ShapeError, "conv2d: bias of shape {} for {} filters", bias.shape(),
                     g.K);
    Tensor y({g.N, g.OH, g.OW, g.K});
    std::vector<Variable> inputs{x, kernel};
    if (has_bias) inputs.push_back(bias);
    const float* b = has_bias ? bias.value().data() : nullptr;

    // Both the direct and the implicit-GEMM kernels read x itself in the backward pass.
    if (kernels::use_direct(g) || kernels::use_implicit(g)) {
        const bool direct = kernels::use_direct(g);
        (direct ? kernels::conv2d_direct_forward : kernels::conv2d_implicit_forward)(x.value().data(),
                                                                                    kernel.value().data(), b, g, y.data());
        return record_assigning("conv2d", std::move(y), std::move(inputs), [g, direct](const BackwardArgs& a) {
            (direct ? kernels::conv2d_direct_backward : kernels::conv2d_implicit_backward)(
                a.x(0).data(), a.x(1).data(), a.dy.data(), g, conv_grads(a));
        });
    }
    Tensor cols({g.rows(), g.patch()});
    kernels::conv2d_forward(x.value().data(), kernel.value().data(), b, g, cols.data(), y.data());
    return record_assigning("conv2d", std::move(y), std::move(inputs), [g, cols = std::move(cols)](const BackwardArgs& a) {
        kernels::conv2d_backward(cols.data(), a.x(1).data(), a.dy.data(), g, conv_grads(a));
    });
}

Variable conv2d_relu_max_pool2d(const Variable& x, const Variable& kernel, const Variable& bias, Size2 strides,
                                Padding padding) {
    const kernels::ConvGeometry g = conv_geometry(x.shape(), kernel.shape(), strides, padding);
    std::vector<Variable> inputs{x, kernel};
    if (bias.defined()) inputs.push_back(bias);
    const bool graph = needs_graph(inputs);
    // The fused kernels exist for the direct convolutions (conv1's output is the widest activation
    // of W2: 86 KB an image). With a graph, only where x needs no gradient (a first layer): the
    // backward then computes dW and db from the pooled gradient and each window's code, and
    // neither the convolution's output nor its gradient goes to memory.
    if (!kernels::use_direct(g) || g.OH < 2 || g.OW < 2 || (bias.defined() && bias.shape() != Shape{g.K}) ||
        (graph && x.requires_grad()))
        return relu_max_pool2d(conv2d(x, kernel, bias, strides, padding));
    Tensor y({g.N, g.OH / 2, g.OW / 2, g.K});
    const float* b = bias.defined() ? bias.value().data() : nullptr;
    // The window codes only for a backward to read.
    std::optional<detail::ScratchBuffer<uint8_t>> window;
    if (graph) window.emplace(y.numel());
    kernels::conv2d_direct_relu_max_pool_forward(x.value().data(), kernel.value().data(), b, g, y.data(),
                                                 window ? window->data() : nullptr);
    if (!graph) return Variable(std::move(y));
    return record_assigning("conv2d_relu_max_pool2d", std::move(y), std::move(inputs),
                            [g, window = std::move(*window)](const BackwardArgs& a) {
                                const kernels::ConvGrads out{.dw = a.dx[1] ? a.dx[1]->data() : nullptr,
                                                             .db = a.add_target(2),
                                                             .assign_dw = a.assign(1)};
                                kernels::conv2d_direct_relu_max_pool_backward(a.x(0).data(), a.dy.data(),
                                                                              window.data(), g, out);
                            });
}

}  // namespace minnow
