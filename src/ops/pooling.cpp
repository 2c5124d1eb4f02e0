#include "minnow/ops/pooling.hpp"

#include <limits>

#include "kernels/pooling.hpp"
#include "minnow/core/error.hpp"
#include "tensor/index_buffer.hpp"

namespace minnow {

namespace {

kernels::PoolGeometry pool_geometry(const Variable& x, Size2 pool_size, Size2 strides, Padding padding) {
    const Shape& s = x.shape();
    MINNOW_CHECK(s.rank() == 4, ShapeError, "max_pool2d: expected input (batch, height, width, channels), got {}", s);
    MINNOW_CHECK(pool_size.h >= 1 && pool_size.w >= 1 && strides.h >= 1 && strides.w >= 1, ValueError,
                 "max_pool2d: pool_size {} and strides {} must be >= 1", pool_size.str(), strides.str());
    const AxisWindow rows = axis_window(s[1], pool_size.h, strides.h, padding);
    const AxisWindow cols = axis_window(s[2], pool_size.w, strides.w, padding);
    MINNOW_CHECK(rows.out > 0 && cols.out > 0, ShapeError,
                 "max_pool2d: pool {} is larger than the input {}x{} with 'valid' padding", pool_size.str(), s[1], s[2]);
    MINNOW_CHECK(x.value().numel() <= std::numeric_limits<int32_t>::max(), ShapeError,
                 "max_pool2d: input {} has more elements than int32 positions can index", s);
    return {.N = s[0], .H = s[1], .W = s[2], .C = s[3], .PH = pool_size.h, .PW = pool_size.w, .OH = rows.out,
            .OW = cols.out, .stride_h = strides.h, .stride_w = strides.w, .pad_top = rows.pad_before,
            .pad_left = cols.pad_before};
}

}  // namespace

Variable max_pool2d(const Variable& x, Size2 pool_size, Size2 strides, Padding padding) {
    const kernels::PoolGeometry g = pool_geometry(x, pool_size, strides, padding);
    Tensor y({g.N, g.OH, g.OW, g.C});
    detail::IndexBuffer argmax(y.numel());
    kernels::max_pool2d_forward(x.value().data(), g, y.data(), argmax.data());
    const int64_t count = y.numel();
    const bool disjoint = strides.h >= pool_size.h && strides.w >= pool_size.w;
    return record_assigning("max_pool2d", std::move(y), {x},
                            [argmax = std::move(argmax), g, count, disjoint](const BackwardArgs& a) {
                                if (a.assign(0))
                                    kernels::max_pool2d_backward_assign(a.dy.data(), argmax.data(), g, a.dx[0]->data());
                                else
                                    kernels::max_pool2d_backward(a.dy.data(), argmax.data(), count, a.dx[0]->data(),
                                                                 disjoint);
                            });
}

Variable relu_max_pool2d(const Variable& x) {
    const kernels::PoolGeometry g = pool_geometry(x, 2, 2, Padding::Valid);
    Tensor y({g.N, g.OH, g.OW, g.C});
    detail::IndexBuffer argmax(y.numel());
    kernels::relu_max_pool_2x2_forward(x.value().data(), g, y.data(), argmax.data());
    return record_assigning("relu_max_pool2d", std::move(y), {x}, [argmax = std::move(argmax), g](const BackwardArgs& a) {
        kernels::relu_max_pool_2x2_backward(a.x(0).data(), a.dy.data(), argmax.data(), g, a.dx[0]->data(), a.assign(0));
    });
}

Variable avg_pool2d(const Variable& x, Size2 pool_size, Size2 strides, Padding padding) {
    const kernels::PoolGeometry g = pool_geometry(x, pool_size, strides, padding);
    Tensor y({g.N, g.OH, g.OW, g.C});
    kernels::avg_pool2d_forward(x.value().data(), g, y.data());
    return record("avg_pool2d", std::move(y), {x},
                  [g](const BackwardArgs& a) {
                      if (a.dx[0]) kernels::avg_pool2d_backward(a.dy.data(), g, a.dx[0]->data());
                  });
}

Variable zero_pad2d(const Variable& x, int64_t top, int64_t bottom, int64_t left, int64_t right) {
    const Shape& s = x.shape();
    MINNOW_CHECK(s.rank() == 4, ShapeError, "zero_pad2d: expected input (batch, height, width, channels), got {}", s);
    MINNOW_CHECK(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, ValueError,
                 "zero_pad2d: padding must be >= 0, got ({}, {}), ({}, {})", top, bottom, left, right);
    const int64_t N = s[0], H = s[1], W = s[2], C = s[3], OH = H + top + bottom, OW = W + left + right;
    Tensor y = Tensor::zeros({N, OH, OW, C});
    const float* in = x.value().data();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h)
            std::copy_n(in + (n * H + h) * W * C, W * C, y.data() + ((n * OH + h + top) * OW + left) * C);
    return record("zero_pad2d", std::move(y), {x}, [=](const BackwardArgs& a) {
        if (!a.dx[0]) return;
        float* dx = a.dx[0]->data();
        const float* dy = a.dy.data();
        for (int64_t n = 0; n < N; ++n)
            for (int64_t h = 0; h < H; ++h) {
                const float* from = dy + ((n * OH + h + top) * OW + left) * C;
                float* to = dx + (n * H + h) * W * C;
                for (int64_t i = 0; i < W * C; ++i) to[i] += from[i];
            }
    });
}

}  // namespace minnow
