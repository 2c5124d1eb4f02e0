#pragma once
/// Shape: the dimensions of a tensor, printed the way Keras prints them.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace minnow {

/// A row-major tensor seen around one axis as (outer, n, inner): element k of line (o, i) sits at
/// (o * n + k) * inner + i. Reductions, softmax and their gradients are one loop nest over it.
struct AxisSplit {
    int64_t outer = 1;  ///< the product of the dimensions before the axis
    int64_t n = 1;      ///< the axis' length
    int64_t inner = 1;  ///< the product of the dimensions after it
};

/// The dimensions of a row-major tensor, outermost first. A scalar has rank 0.
class Shape {
public:
    /// An unknown dimension (the batch dimension before data arrives); printed as None.
    static constexpr int64_t kNone = -1;

    Shape() = default;
    /// The given dimensions, outermost first: `Shape{32, 784}`.
    Shape(std::initializer_list<int64_t> dims);
    /// The given dimensions, outermost first.
    explicit Shape(std::vector<int64_t> dims);

    /// Number of dimensions.
    int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
    /// Dimension `axis`; negative axes count from the end (-1 is the last).
    int64_t operator[](int64_t axis) const;
    /// Dimension `axis`, writable; negative axes count from the end.
    int64_t& operator[](int64_t axis);
    /// Product of the dimensions (1 for a scalar); ShapeError when it does not fit an int64.
    int64_t numel() const;
    /// Normalizes a possibly negative axis to [0, rank); throws ShapeError when out of range.
    int64_t axis(int64_t axis) const;
    /// This shape as (outer, n, inner) around `axis`.
    AxisSplit split_at(int64_t axis) const;

    /// The dimensions, outermost first.
    const std::vector<int64_t>& dims() const { return dims_; }
    ///@{
    /// Iteration over the dimensions, outermost first.
    auto begin() const { return dims_.begin(); }
    auto end() const { return dims_.end(); }
    ///@}

    /// The same shape with the first (batch) dimension replaced by `batch`.
    Shape with_batch(int64_t batch) const;
    /// The dimensions after the first: a sample's shape.
    Shape sample() const;
    /// `batch` prepended to this shape.
    Shape batched(int64_t batch) const;

    /// Keras style: `(32, 784)`, `(5,)`, `()`.
    std::string str() const;
    /// Keras style with the batch dimension shown as None: `(None, 26, 26, 32)`.
    std::string batch_str() const;

    /// Same rank and the same dimensions.
    bool operator==(const Shape&) const = default;

private:
    std::vector<int64_t> dims_;
};

}  // namespace minnow

/// \cond
// fmt prints a Shape as "(None, 28, 28, 1)"; not part of minnow's own API reference.
template <>
struct fmt::formatter<minnow::Shape> : fmt::formatter<std::string> {
    auto format(const minnow::Shape& s, fmt::format_context& ctx) const {
        return fmt::formatter<std::string>::format(s.str(), ctx);
    }
};
/// \endcond
