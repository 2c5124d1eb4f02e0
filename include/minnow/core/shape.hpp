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
    int64_t outer = 1, n = 1, inner = 1;
};

/// The dimensions of a row-major tensor, outermost first. A scalar has rank 0.
class Shape {
public:
    /// An unknown dimension (the batch dimension before data arrives); printed as None.
    static constexpr int64_t kNone = -1;

    Shape() = default;
    Shape(std::initializer_list<int64_t> dims);
    explicit Shape(std::vector<int64_t> dims);

    /// Number of dimensions.
    int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
    /// Dimension `axis`; negative axes count from the end (-1 is the last).
    int64_t operator[](int64_t axis) const;
    int64_t& operator[](int64_t axis);
    /// Product of the dimensions (1 for a scalar); ShapeError when it does not fit an int64.
    int64_t numel() const;
    /// Normalizes a possibly negative axis to [0, rank); throws ShapeError when out of range.
    int64_t axis(int64_t axis) const;
    /// This shape as (outer, n, inner) around `axis`.
    AxisSplit split_at(int64_t axis) const;

    const std::vector<int64_t>& dims() const { return dims_; }
    auto begin() const { return dims_.begin(); }
    auto end() const { return dims_.end(); }

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

    bool operator==(const Shape&) const = default;

private:
    std::vector<int64_t> dims_;
};

}  // namespace minnow

template <>
struct fmt::formatter<minnow::Shape> : fmt::formatter<std::string> {
    auto format(const minnow::Shape& s, fmt::format_context& ctx) const {
        return fmt::formatter<std::string>::format(s.str(), ctx);
    }
};
