#include "minnow/ops/arithmetic.hpp"

#include <algorithm>
#include <cmath>

#include "minnow/core/error.hpp"
#include "minnow/tensor/tensor_ops.hpp"

namespace minnow {

Variable add(const Variable& a, const Variable& b) {
    return record("add", minnow::add(a.value(), b.value()), {a, b}, [](const BackwardArgs& g) {
        if (g.dx[0]) sum_to_into(*g.dx[0], g.dy);
        if (g.dx[1]) sum_to_into(*g.dx[1], g.dy);
    });
}

Variable sub(const Variable& a, const Variable& b) {
    return record("sub", minnow::sub(a.value(), b.value()), {a, b}, [](const BackwardArgs& g) {
        if (g.dx[0]) sum_to_into(*g.dx[0], g.dy);
        if (g.dx[1]) sum_to_into(*g.dx[1], -g.dy);
    });
}

Variable mul(const Variable& a, const Variable& b) {
    return record("mul", minnow::mul(a.value(), b.value()), {a, b}, [](const BackwardArgs& g) {
        if (g.dx[0]) sum_to_into(*g.dx[0], minnow::mul(g.dy, g.x(1)));
        if (g.dx[1]) sum_to_into(*g.dx[1], minnow::mul(g.dy, g.x(0)));
    });
}

Variable div(const Variable& a, const Variable& b) {
    // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -y/b.
    return record("div", minnow::div(a.value(), b.value()), {a, b}, [](const BackwardArgs& g) {
        if (g.dx[0]) sum_to_into(*g.dx[0], minnow::div(g.dy, g.x(1)));
        if (g.dx[1]) sum_to_into(*g.dx[1], -minnow::div(minnow::mul(g.dy, g.y), g.x(1)));
    });
}

Variable add(const Variable& a, float b) {
    return record("add_scalar", minnow::add(a.value(), b), {a},
                  [](const BackwardArgs& g) { add_into(*g.dx[0], g.dy); });
}

Variable mul(const Variable& a, float b) {
    return record("mul_scalar", minnow::mul(a.value(), b), {a},
                  [b](const BackwardArgs& g) { axpy_into(*g.dx[0], b, g.dy); });
}

namespace {

// Adds scale * dy (dy of shape x with `axis` reduced, or a scalar when axis is absent) to every
// element of dx along the reduced axis.
void spread(const Tensor& dy, Tensor& dx, int64_t outer, int64_t n, int64_t inner, float scale) {
    const float* g = dy.data();
    float* d = dx.data();
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < n; ++k)
            for (int64_t i = 0; i < inner; ++i) d[(o * n + k) * inner + i] += scale * g[o * inner + i];
}

}  // namespace

Variable sum(const Variable& x) {
    const int64_t n = x.value().numel();
    return record("sum", minnow::sum(x.value()), {x},
                  [n](const BackwardArgs& g) { spread(g.dy, *g.dx[0], 1, n, 1, 1.0f); });
}

Variable mean(const Variable& x) {
    const int64_t n = x.value().numel();
    MINNOW_CHECK(n > 0, ShapeError, "mean: empty tensor of shape {}", x.shape());
    return record("mean", minnow::mean(x.value()), {x},
                  [n](const BackwardArgs& g) { spread(g.dy, *g.dx[0], 1, n, 1, 1.0f / static_cast<float>(n)); });
}

Variable sum(const Variable& x, int64_t axis, bool keepdims) {
    const AxisSplit v = x.shape().split_at(axis);
    return record("sum", minnow::sum(x.value(), axis, keepdims), {x},
                  [v](const BackwardArgs& g) { spread(g.dy, *g.dx[0], v.outer, v.n, v.inner, 1.0f); });
}

Variable mean(const Variable& x, int64_t axis, bool keepdims) {
    const AxisSplit v = x.shape().split_at(axis);
    return record("mean", minnow::mean(x.value(), axis, keepdims), {x}, [v](const BackwardArgs& g) {
        spread(g.dy, *g.dx[0], v.outer, v.n, v.inner, 1.0f / static_cast<float>(v.n));
    });
}

Variable reshape(const Variable& x, const Shape& shape) {
    return record_assigning("reshape", x.value().reshape(shape), {x}, [](const BackwardArgs& g) {
        // Same element order under another shape: the flat values.
        float* d = g.dx[0]->data();
        const float* dy = g.dy.data();
        if (g.assign(0)) {
            std::copy_n(dy, g.dy.numel(), d);
            return;
        }
        for (int64_t i = 0; i < g.dy.numel(); ++i) d[i] += dy[i];
    });
}

Variable flatten(const Variable& x) {
    MINNOW_CHECK(x.value().rank() >= 1, ShapeError, "flatten: expected a batch of samples, got a scalar");
    const int64_t n = x.value().dim(0);
    return reshape(x, Shape{n, n == 0 ? 0 : x.value().numel() / n});
}

namespace {

// f applied elementwise; df(x, y) is f'(x) given x and y = f(x).
template <class Forward, class Derivative>
Variable elementwise(const char* name, const Variable& x, Forward f, Derivative df) {
    const Tensor& xv = x.value();
    Tensor y(xv.shape());
    for (int64_t i = 0; i < xv.numel(); ++i) y.data()[i] = f(xv.data()[i]);
    return record(name, std::move(y), {x}, [df](const BackwardArgs& g) {
        float* d = g.dx[0]->data();
        const float* xs = g.x(0).data();
        for (int64_t i = 0; i < g.dy.numel(); ++i) d[i] += g.dy.data()[i] * df(xs[i], g.y.data()[i]);
    });
}

}  // namespace

Variable sqrt(const Variable& x) {
    return elementwise("sqrt", x, [](float v) { return std::sqrt(v); }, [](float, float y) { return 0.5f / y; });
}

Variable exp(const Variable& x) {
    return elementwise("exp", x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

Variable log(const Variable& x) {
    return elementwise("log", x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

Variable square(const Variable& x) {
    return elementwise("square", x, [](float v) { return v * v; }, [](float v, float) { return 2.0f * v; });
}

}  // namespace minnow
