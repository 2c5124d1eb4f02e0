#include "minnow/tensor/tensor.hpp"

#include <limits>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/tensor/allocator.hpp"

namespace minnow {

namespace {
std::size_t bytes_for(int64_t numel) { return static_cast<std::size_t>(numel) * sizeof(float); }
}  // namespace

Tensor::Tensor(Shape shape) : shape_(std::move(shape)), numel_(shape_.numel()) {
    for (int64_t d : shape_)
        MINNOW_CHECK(d >= 0, ShapeError, "Tensor: shape {} has an unknown (None) dimension", shape_);
    MINNOW_CHECK(numel_ <= std::numeric_limits<int64_t>::max() / int64_t(sizeof(float)), ShapeError,
                 "Tensor: shape {} needs more bytes than a size counts", shape_);
    data_ = static_cast<float*>(allocator::allocate(bytes_for(numel_)));
}

Tensor::~Tensor() { release(); }

void Tensor::release() noexcept {
    allocator::release(data_, bytes_for(numel_));
    data_ = nullptr;
}

Tensor::Tensor(const Tensor& other) : shape_(other.shape_), numel_(other.numel_) {
    if (other.data_ == nullptr) return;
    data_ = static_cast<float*>(allocator::allocate(bytes_for(numel_)));
    std::memcpy(data_, other.data_, bytes_for(numel_));
}

Tensor::Tensor(Tensor&& other) noexcept
    : shape_(std::move(other.shape_)), numel_(other.numel_), data_(other.data_) {
    other.data_ = nullptr;
    other.numel_ = 0;
    other.shape_ = Shape();
}

Tensor& Tensor::operator=(const Tensor& other) {
    if (this == &other) return *this;
    if (other.data_ != nullptr && data_ != nullptr &&
        allocator::bucket_size(bytes_for(numel_)) == allocator::bucket_size(bytes_for(other.numel_))) {
        // Same bucket: reuse the block we hold instead of a release/allocate pair.
        std::memcpy(data_, other.data_, bytes_for(other.numel_));
        shape_ = other.shape_;
        numel_ = other.numel_;
        return *this;
    }
    Tensor copy(other);
    return *this = std::move(copy);
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
    if (this == &other) return *this;
    release();
    shape_ = std::move(other.shape_);
    numel_ = other.numel_;
    data_ = other.data_;
    other.data_ = nullptr;
    other.numel_ = 0;
    other.shape_ = Shape();
    return *this;
}

Tensor Tensor::zeros(Shape shape) { return full(std::move(shape), 0.0f); }
Tensor Tensor::ones(Shape shape) { return full(std::move(shape), 1.0f); }

Tensor Tensor::full(Shape shape, float value) {
    Tensor t(std::move(shape));
    t.fill(value);
    return t;
}

Tensor Tensor::scalar(float value) { return full(Shape{}, value); }

Tensor Tensor::from_data(Shape shape, std::span<const float> values) {
    MINNOW_CHECK(static_cast<int64_t>(values.size()) == shape.numel(), ShapeError,
                 "Tensor::from_data: shape {} needs {} values, got {}", shape, shape.numel(), values.size());
    Tensor t(std::move(shape));
    std::copy(values.begin(), values.end(), t.data_);
    return t;
}

Tensor Tensor::from_data(Shape shape, std::initializer_list<float> values) {
    return from_data(std::move(shape), std::span<const float>(values.begin(), values.size()));
}

Tensor Tensor::arange(int64_t n) {
    MINNOW_CHECK(n >= 0, ValueError, "Tensor::arange: n must be >= 0, got {}", n);
    Tensor t(Shape{n});
    for (int64_t i = 0; i < n; ++i) t.data_[i] = static_cast<float>(i);
    return t;
}

Tensor Tensor::arange(float start, float stop, float step) {
    MINNOW_CHECK(step != 0.0f && std::isfinite(step), ValueError, "Tensor::arange: invalid step {}", step);
    const auto n = static_cast<int64_t>(std::max(0.0, std::ceil((double(stop) - start) / step)));
    Tensor t(Shape{n});
    for (int64_t i = 0; i < n; ++i) t.data_[i] = start + static_cast<float>(i) * step;
    return t;
}

Tensor Tensor::uniform(Shape shape, float low, float high, Rng& rng) {
    MINNOW_CHECK(low <= high, ValueError, "Tensor::uniform: low={} is above high={}", low, high);
    Tensor t(std::move(shape));
    for (float& v : t.span()) v = rng.uniform(low, high);
    return t;
}

Tensor Tensor::normal(Shape shape, float mean, float stddev, Rng& rng) {
    MINNOW_CHECK(stddev >= 0.0f, ValueError, "Tensor::normal: stddev must be >= 0, got {}", stddev);
    Tensor t(std::move(shape));
    for (float& v : t.span()) v = rng.normal(mean, stddev);
    return t;
}

float& Tensor::flat(int64_t i) {
    MINNOW_CHECK(i >= 0 && i < numel_, ShapeError, "Tensor: flat index {} out of range for shape {}", i, shape_);
    return data_[i];
}

float Tensor::flat(int64_t i) const { return const_cast<Tensor*>(this)->flat(i); }

float& Tensor::at(std::initializer_list<int64_t> index) {
    MINNOW_CHECK(static_cast<int64_t>(index.size()) == rank(), ShapeError,
                 "Tensor::at: {} indices for shape {} of rank {}", index.size(), shape_, rank());
    int64_t offset = 0;
    int64_t axis = 0;
    for (int64_t i : index) {
        const int64_t d = shape_[axis];
        MINNOW_CHECK(i >= 0 && i < d, ShapeError, "Tensor::at: index {} out of range for axis {} of shape {}", i,
                     axis, shape_);
        offset = offset * d + i;
        ++axis;
    }
    return data_[offset];
}

float Tensor::at(std::initializer_list<int64_t> index) const { return const_cast<Tensor*>(this)->at(index); }

float Tensor::item() const {
    MINNOW_CHECK(numel_ == 1, ShapeError, "Tensor::item: needs exactly one element, shape is {}", shape_);
    return data_[0];
}

Tensor Tensor::reshape(Shape shape) const& {
    Tensor copy(*this);
    return std::move(copy).reshape(std::move(shape));
}

Tensor Tensor::reshape(Shape shape) && {
    // One dimension may be -1 (None): it takes whatever the others leave.
    int64_t known = 1;
    int64_t infer_axis = -1;
    for (int64_t a = 0; a < shape.rank(); ++a) {
        if (shape[a] == Shape::kNone) {
            MINNOW_CHECK(infer_axis < 0, ShapeError, "reshape: more than one -1 in target shape {}", shape);
            infer_axis = a;
        } else {
            known *= shape[a];
        }
    }
    if (infer_axis >= 0) {
        MINNOW_CHECK(known > 0 && numel_ % known == 0, ShapeError,
                     "reshape: cannot reshape {} ({} elements) into {}", shape_, numel_, shape);
        shape[infer_axis] = numel_ / known;
    }
    MINNOW_CHECK(shape.numel() == numel_, ShapeError,
                 "reshape: cannot reshape {} ({} elements) into {} ({} elements)", shape_, numel_, shape,
                 shape.numel());
    Tensor out(std::move(*this));
    out.shape_ = std::move(shape);
    return out;
}

Tensor& Tensor::fill(float value) {
    // Zeroing a large gradient is a pass over memory like any other: both cores share it.
    parallel_for(numel_, 1 << 18, [&](int64_t begin, int64_t end) { std::fill(data_ + begin, data_ + end, value); });
    return *this;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t end) const {
    MINNOW_CHECK(rank() >= 1, ShapeError, "slice_rows: a scalar has no rows");
    const int64_t rows = shape_[0];
    MINNOW_CHECK(0 <= begin && begin <= end && end <= rows, ShapeError,
                 "slice_rows: range [{}, {}) is outside the {} rows of {}", begin, end, rows, shape_);
    const int64_t row_size = rows == 0 ? 0 : numel_ / rows;
    Tensor out(shape_.with_batch(end - begin));
    std::copy(data_ + begin * row_size, data_ + end * row_size, out.data_);
    return out;
}

std::string Tensor::str() const {
    if (!defined()) return "Tensor(undefined)";
    constexpr int64_t kShown = 32;
    std::string values;
    for (int64_t i = 0; i < std::min(numel_, kShown); ++i) values += fmt::format("{}{:.6g}", i ? ", " : "", data_[i]);
    if (numel_ > kShown) values += ", ...";
    return fmt::format("Tensor(shape={}, [{}])", shape_, values);
}

}  // namespace minnow
