#include "minnow/tensor/tensor_ops.hpp"

#include <algorithm>
#include <cmath>

#include "minnow/core/error.hpp"
#include "minnow/tensor/blas.hpp"
#include "tensor/broadcast.hpp"

namespace minnow {

namespace detail {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    const int64_t offset = out.rank() - in.rank();
    std::vector<int64_t> strides(static_cast<size_t>(out.rank()), 0);
    int64_t stride = 1;
    for (int64_t axis = in.rank() - 1; axis >= 0; --axis) {
        const int64_t d = in.dims()[static_cast<size_t>(axis)];
        strides[static_cast<size_t>(axis + offset)] = d == 1 ? 0 : stride;
        stride *= d;
    }
    return strides;
}

}  // namespace detail

Shape broadcast_shapes(const Shape& a, const Shape& b) {
    const int64_t rank = std::max(a.rank(), b.rank());
    std::vector<int64_t> dims(static_cast<size_t>(rank));
    for (int64_t i = 0; i < rank; ++i) {
        const int64_t da = i < rank - a.rank() ? 1 : a.dims()[static_cast<size_t>(i - (rank - a.rank()))];
        const int64_t db = i < rank - b.rank() ? 1 : b.dims()[static_cast<size_t>(i - (rank - b.rank()))];
        MINNOW_CHECK(da == db || da == 1 || db == 1, ShapeError, "cannot broadcast shapes {} and {}", a, b);
        dims[static_cast<size_t>(i)] = da == 1 ? db : da;
    }
    return Shape(std::move(dims));
}

namespace {

template <class Op>
Tensor binary(const Tensor& a, const Tensor& b, Op op) {
    const Shape out_shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape());
    Tensor out(out_shape);
    float* o = out.data();
    const float* pa = a.data();
    const float* pb = b.data();
    const int64_t n = out.numel();
    if (a.shape() == b.shape()) {
        for (int64_t i = 0; i < n; ++i) o[i] = op(pa[i], pb[i]);
    } else if (b.numel() == 1) {
        const float s = pb[0];
        for (int64_t i = 0; i < n; ++i) o[i] = op(pa[i], s);
    } else if (a.numel() == 1) {
        const float s = pa[0];
        for (int64_t i = 0; i < n; ++i) o[i] = op(s, pb[i]);
    } else {
        const auto sa = detail::broadcast_strides(a.shape(), out_shape);
        const auto sb = detail::broadcast_strides(b.shape(), out_shape);
        detail::for_each_broadcast_run(out_shape, sa, sb,
                                       [&](int64_t oo, int64_t ao, int64_t bo, int64_t count, int64_t as, int64_t bs) {
                                           for (int64_t i = 0; i < count; ++i)
                                               o[oo + i] = op(pa[ao + i * as], pb[bo + i * bs]);
                                       });
    }
    return out;
}

template <class Op>
Tensor unary(const Tensor& a, Op op) {
    Tensor out(a.shape());
    const float* pa = a.data();
    float* o = out.data();
    for (int64_t i = 0; i < a.numel(); ++i) o[i] = op(pa[i]);
    return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, [](float x, float y) { return x + y; }); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, [](float x, float y) { return x - y; }); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, [](float x, float y) { return x * y; }); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, [](float x, float y) { return x / y; }); }
Tensor add(const Tensor& a, float b) { return unary(a, [b](float x) { return x + b; }); }
Tensor mul(const Tensor& a, float b) { return unary(a, [b](float x) { return x * b; }); }

void add_into(Tensor& dst, const Tensor& src) { axpy_into(dst, 1.0f, src); }

void axpy_into(Tensor& dst, float alpha, const Tensor& src) {
    MINNOW_CHECK(dst.shape() == src.shape(), ShapeError, "add_into: shapes differ: {} += {}", dst.shape(),
                 src.shape());
    float* d = dst.data();
    const float* s = src.data();
    for (int64_t i = 0; i < dst.numel(); ++i) d[i] += alpha * s[i];
}

void sum_to_into(Tensor& dst, const Tensor& t) {
    const Shape& target = dst.shape();
    MINNOW_CHECK(broadcast_shapes(target, t.shape()) == t.shape(), ShapeError,
                 "sum_to: {} is not a broadcast of {}", t.shape(), target);
    float* d = dst.data();
    const float* s = t.data();
    if (target == t.shape()) {
        for (int64_t i = 0; i < t.numel(); ++i) d[i] += s[i];
        return;
    }
    if (target.numel() == 1) {
        double acc = 0.0;
        for (int64_t i = 0; i < t.numel(); ++i) acc += s[i];
        d[0] += static_cast<float>(acc);
        return;
    }
    const auto st = detail::broadcast_strides(target, t.shape());
    const std::vector<int64_t> unit(st.size(), 0);
    detail::for_each_broadcast_run(t.shape(), st, unit,
                                   [&](int64_t so, int64_t to, int64_t, int64_t count, int64_t ts, int64_t) {
                                       for (int64_t i = 0; i < count; ++i) d[to + i * ts] += s[so + i];
                                   });
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
    Tensor out = Tensor::zeros(shape);
    sum_to_into(out, t);
    return out;
}

namespace {

// The shape a reduction along `axis` leaves: the axis dropped, or kept as 1.
Shape reduced_shape(const Shape& s, int64_t axis, bool keepdims) {
    const int64_t ax = s.axis(axis);
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < s.rank(); ++i) {
        if (i != ax) dims.push_back(s[i]);
        else if (keepdims) dims.push_back(1);
    }
    return Shape(std::move(dims));
}

template <class Init, class Step, class Finish>
Tensor reduce(const Tensor& t, int64_t axis, bool keepdims, Init init, Step step, Finish finish) {
    const AxisSplit v = t.shape().split_at(axis);
    Tensor out(reduced_shape(t.shape(), axis, keepdims));
    const float* p = t.data();
    for (int64_t o = 0; o < v.outer; ++o)
        for (int64_t i = 0; i < v.inner; ++i) {
            auto acc = init(p[o * v.n * v.inner + i]);
            for (int64_t k = 0; k < v.n; ++k) acc = step(acc, p[(o * v.n + k) * v.inner + i], k);
            out.data()[o * v.inner + i] = finish(acc, v.n);
        }
    return out;
}

}  // namespace

Tensor sum(const Tensor& t) {
    double acc = 0.0;
    for (float v : t.span()) acc += v;
    return Tensor::scalar(static_cast<float>(acc));
}

Tensor mean(const Tensor& t) {
    MINNOW_CHECK(t.numel() > 0, ShapeError, "mean: empty tensor of shape {}", t.shape());
    double acc = 0.0;
    for (float v : t.span()) acc += v;
    return Tensor::scalar(static_cast<float>(acc / static_cast<double>(t.numel())));
}

Tensor sum(const Tensor& t, int64_t axis, bool keepdims) {
    return reduce(
        t, axis, keepdims, [](float) { return 0.0; }, [](double a, float x, int64_t) { return a + x; },
        [](double a, int64_t) { return static_cast<float>(a); });
}

Tensor mean(const Tensor& t, int64_t axis, bool keepdims) {
    MINNOW_CHECK(t.rank() > 0 && t.dim(axis) > 0, ShapeError, "mean: empty axis {} of shape {}", axis, t.shape());
    return reduce(
        t, axis, keepdims, [](float) { return 0.0; }, [](double a, float x, int64_t) { return a + x; },
        [](double a, int64_t n) { return static_cast<float>(a / static_cast<double>(n)); });
}

Tensor max(const Tensor& t, int64_t axis, bool keepdims) {
    MINNOW_CHECK(t.rank() > 0 && t.dim(axis) > 0, ShapeError, "max: empty axis {} of shape {}", axis, t.shape());
    return reduce(
        t, axis, keepdims, [](float first) { return first; },
        [](float a, float x, int64_t) { return std::max(a, x); }, [](float a, int64_t) { return a; });
}

Tensor argmax(const Tensor& t, int64_t axis) {
    MINNOW_CHECK(t.rank() > 0 && t.dim(axis) > 0, ShapeError, "argmax: empty axis {} of shape {}", axis, t.shape());
    struct Best {
        float value;
        int64_t index;
    };
    return reduce(
        t, axis, false, [](float first) { return Best{first, 0}; },
        [](Best b, float x, int64_t k) { return x > b.value ? Best{x, k} : b; },
        [](Best b, int64_t) { return static_cast<float>(b.index); });
}

Tensor transpose(const Tensor& t) {
    MINNOW_CHECK(t.rank() == 2, ShapeError, "transpose: expected a 2-D tensor, got {}", t.shape());
    const int64_t rows = t.dim(0), cols = t.dim(1);
    Tensor out(Shape{cols, rows});
    for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) out.data()[j * rows + i] = t.data()[i * cols + j];
    return out;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
    MINNOW_CHECK(a.rank() == 2 && b.rank() == 2, ShapeError, "matmul: expected 2-D operands, got {} x {}",
                 a.shape(), b.shape());
    const int64_t M = trans_a ? a.dim(1) : a.dim(0);
    const int64_t K = trans_a ? a.dim(0) : a.dim(1);
    const int64_t Kb = trans_b ? b.dim(1) : b.dim(0);
    const int64_t N = trans_b ? b.dim(0) : b.dim(1);
    MINNOW_CHECK(K == Kb, ShapeError, "matmul: inner dimensions differ: {}{} x {}{}", a.shape(), trans_a ? "^T" : "",
                 b.shape(), trans_b ? "^T" : "");
    Tensor out(Shape{M, N});
    blas::gemm(trans_a, trans_b, M, N, K, 1.0f, a.data(), a.dim(1), b.data(), b.dim(1), 0.0f, out.data(), N);
    return out;
}

bool allclose(const Tensor& a, const Tensor& b, float rtol, float atol) {
    if (a.shape() != b.shape()) return false;
    for (int64_t i = 0; i < a.numel(); ++i) {
        const float x = a.data()[i], y = b.data()[i];
        if (!(std::fabs(x - y) <= atol + rtol * std::fabs(y))) return false;
    }
    return true;
}

}  // namespace minnow
