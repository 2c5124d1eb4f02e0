#pragma once
/// Tensor: float32, row-major, contiguous, 64-byte aligned, with value semantics.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "minnow/core/rng.hpp"
#include "minnow/core/shape.hpp"

namespace minnow {

/// An n-dimensional array of float32 values. Copying copies the data; moving is free.
/// A default-constructed Tensor is undefined (no storage) until assigned.
class Tensor {
public:
    Tensor() = default;
    /// A tensor of `shape` whose values are unspecified (use zeros() when they matter).
    explicit Tensor(Shape shape);
    ~Tensor();
    ///@{
    /// Copies copy the values (a Tensor owns its data); moves leave the source undefined.
    Tensor(const Tensor& other);
    Tensor(Tensor&& other) noexcept;
    Tensor& operator=(const Tensor& other);
    Tensor& operator=(Tensor&& other) noexcept;
    ///@}

    /// All zeros.
    static Tensor zeros(Shape shape);
    /// All ones.
    static Tensor ones(Shape shape);
    /// Every element equal to `value`.
    static Tensor full(Shape shape, float value);
    /// A rank-0 tensor holding `value`.
    static Tensor scalar(float value);
    ///@{
    /// A copy of `values`, which must hold exactly shape.numel() floats.
    static Tensor from_data(Shape shape, std::span<const float> values);
    static Tensor from_data(Shape shape, std::initializer_list<float> values);
    ///@}
    /// 0, 1, ..., n-1 as a vector of shape (n,).
    static Tensor arange(int64_t n);
    /// start, start+step, ... below stop (above stop for a negative step).
    static Tensor arange(float start, float stop, float step = 1.0f);
    /// Uniform in [low, high) drawn from `rng` in row-major order.
    static Tensor uniform(Shape shape, float low, float high, Rng& rng);
    /// Normal with `mean` and `stddev` drawn from `rng` in row-major order.
    static Tensor normal(Shape shape, float mean, float stddev, Rng& rng);

    /// Whether the tensor holds data (a default-constructed one does not).
    bool defined() const { return data_ != nullptr; }
    ///@{
    /// Its shape, rank (number of dimensions) and element count.
    const Shape& shape() const { return shape_; }
    int64_t rank() const { return shape_.rank(); }
    int64_t numel() const { return numel_; }
    ///@}
    /// Dimension `axis` (negative counts from the end).
    int64_t dim(int64_t axis) const { return shape_[axis]; }

    ///@{
    /// The values, row-major: as a pointer, a span or a copied vector.
    float* data() { return data_; }
    const float* data() const { return data_; }
    std::span<float> span() { return {data_, static_cast<size_t>(numel_)}; }
    std::span<const float> span() const { return {data_, static_cast<size_t>(numel_)}; }
    std::vector<float> to_vector() const { return {data_, data_ + numel_}; }
    ///@}

    ///@{
    /// Element at flat row-major index `i` (checked).
    float& flat(int64_t i);
    float flat(int64_t i) const;
    ///@}
    ///@{
    /// Element at a full multi-index (checked).
    float& at(std::initializer_list<int64_t> index);
    float at(std::initializer_list<int64_t> index) const;
    ///@}
    /// The single value of a one-element tensor.
    float item() const;

    ///@{
    /// The same data viewed with another shape of the same element count (a copy for an lvalue).
    Tensor reshape(Shape shape) const&;
    Tensor reshape(Shape shape) &&;
    ///@}
    /// Sets every element to `value`.
    Tensor& fill(float value);
    /// Sets every element to zero.
    Tensor& zero() { return fill(0.0f); }

    /// Rows [begin, end) along the first axis, copied.
    Tensor slice_rows(int64_t begin, int64_t end) const;

    /// A readable rendering: shape and (up to a few dozen) values.
    std::string str() const;

private:
    void release() noexcept;

    Shape shape_;
    int64_t numel_ = 0;
    float* data_ = nullptr;
};

}  // namespace minnow
