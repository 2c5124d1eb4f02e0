#pragma once
/// Plain (not differentiable) operations on Tensors: broadcasting arithmetic, reductions,
/// reshaping and matrix products. The differentiable versions live in minnow/ops/.

#include <cstdint>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// NumPy broadcasting of two shapes (trailing dimensions aligned; 1 stretches); ShapeError if
/// they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

///@{
/// Elementwise a + b, a - b, a * b, a / b with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
///@}
///@{
/// Elementwise with a scalar.
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
///@}

///@{
/// Operators for add, sub, mul and div, with a tensor or a float on either side.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, float b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, float b) { return add(a, -b); }
inline Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
inline Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
inline Tensor operator/(const Tensor& a, float b) { return mul(a, 1.0f / b); }
inline Tensor operator-(const Tensor& a) { return mul(a, -1.0f); }
///@}

/// dst += src elementwise (same shape).
void add_into(Tensor& dst, const Tensor& src);
/// dst += alpha * src elementwise (same shape).
void axpy_into(Tensor& dst, float alpha, const Tensor& src);

/// Sums `t` (shaped like a broadcast result) down to `shape`, the shape of one of the broadcast's
/// inputs: the gradient of broadcasting.
Tensor sum_to(const Tensor& t, const Shape& shape);
/// Adds sum_to(t, dst.shape()) into dst.
void sum_to_into(Tensor& dst, const Tensor& t);

/// Sum of every element, as a rank-0 tensor (accumulated in double).
Tensor sum(const Tensor& t);
/// Sum along `axis`; the axis is dropped unless keepdims.
Tensor sum(const Tensor& t, int64_t axis, bool keepdims = false);
/// Mean of every element, as a rank-0 tensor.
Tensor mean(const Tensor& t);
/// Mean along `axis`.
Tensor mean(const Tensor& t, int64_t axis, bool keepdims = false);
/// Maximum along `axis`.
Tensor max(const Tensor& t, int64_t axis, bool keepdims = false);
/// Index of the maximum along `axis` (the first one on ties), as float values.
Tensor argmax(const Tensor& t, int64_t axis);

/// The transpose of a 2-D tensor.
Tensor transpose(const Tensor& t);
/// op(a) x op(b) for 2-D a and b through the GEMM seam; op transposes when its flag is set.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

/// Elementwise |a - b| <= atol + rtol * |b| for same-shaped tensors.
bool allclose(const Tensor& a, const Tensor& b, float rtol = 1e-5f, float atol = 1e-8f);

}  // namespace minnow
