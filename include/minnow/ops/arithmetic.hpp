#pragma once
/// Differentiable elementwise arithmetic (with broadcasting), reductions and reshapes.

#include <cstdint>

#include "minnow/autograd/variable.hpp"

namespace minnow {

///@{
/// a + b, a - b, a * b, a / b with NumPy broadcasting; the gradient of a broadcast input is
/// summed over the axes it was stretched along.
Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
///@}
///@{
/// With a constant scalar.
Variable add(const Variable& a, float b);
Variable mul(const Variable& a, float b);
///@}

///@{
/// Operators for add, sub, mul and div, with Variables or a float on either side.
inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator+(const Variable& a, float b) { return add(a, b); }
inline Variable operator+(float a, const Variable& b) { return add(b, a); }
inline Variable operator-(const Variable& a, float b) { return add(a, -b); }
inline Variable operator*(const Variable& a, float b) { return mul(a, b); }
inline Variable operator*(float a, const Variable& b) { return mul(b, a); }
inline Variable operator/(const Variable& a, float b) { return mul(a, 1.0f / b); }
inline Variable operator-(const Variable& a) { return mul(a, -1.0f); }
///@}

/// Sum of all elements (a scalar).
Variable sum(const Variable& x);
/// Sum along `axis`, dropped unless keepdims.
Variable sum(const Variable& x, int64_t axis, bool keepdims = false);
/// Mean of all elements (a scalar).
Variable mean(const Variable& x);
/// Mean along `axis`.
Variable mean(const Variable& x, int64_t axis, bool keepdims = false);

/// The same values with another shape of the same element count (one dimension may be -1).
Variable reshape(const Variable& x, const Shape& shape);
/// (N, d1, d2, ...) -> (N, d1 * d2 * ...).
Variable flatten(const Variable& x);

/// Elementwise sqrt, exp, log, square (useful to compose custom layers).
Variable sqrt(const Variable& x);
///@{
/// Elementwise exp, natural log and square.
Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable square(const Variable& x);
///@}

}  // namespace minnow
