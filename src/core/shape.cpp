#include "minnow/core/shape.hpp"

#include "minnow/core/error.hpp"

namespace minnow {

Shape::Shape(std::initializer_list<int64_t> dims) : dims_(dims) {
    for (int64_t d : dims_)
        MINNOW_CHECK(d >= kNone, ShapeError, "Shape: negative dimension in {}", str());
}

Shape::Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {
    for (int64_t d : dims_)
        MINNOW_CHECK(d >= kNone, ShapeError, "Shape: negative dimension in {}", str());
}

int64_t Shape::axis(int64_t axis) const {
    const int64_t r = rank();
    MINNOW_CHECK(axis >= -r && axis < r, ShapeError, "axis {} is out of range for shape {} of rank {}",
                 axis, str(), r);
    return axis < 0 ? axis + r : axis;
}

AxisSplit Shape::split_at(int64_t a) const {
    const int64_t ax = axis(a);
    AxisSplit v;
    for (int64_t i = 0; i < ax; ++i) v.outer *= dims_[static_cast<size_t>(i)];
    for (int64_t i = ax + 1; i < rank(); ++i) v.inner *= dims_[static_cast<size_t>(i)];
    v.n = dims_[static_cast<size_t>(ax)];
    return v;
}

int64_t Shape::operator[](int64_t a) const { return dims_[static_cast<size_t>(axis(a))]; }
int64_t& Shape::operator[](int64_t a) { return dims_[static_cast<size_t>(axis(a))]; }

int64_t Shape::numel() const {
    int64_t n = 1;
    for (int64_t d : dims_)
        // A shape read from a file or a config can be anything: refuse a product that wraps.
        MINNOW_CHECK(!__builtin_mul_overflow(n, d, &n), ShapeError, "shape {} has more elements than an int64 counts",
                     str());
    return n;
}

Shape Shape::with_batch(int64_t batch) const {
    MINNOW_CHECK(rank() > 0, ShapeError, "a scalar shape has no batch dimension");
    Shape s = *this;
    s.dims_[0] = batch;
    return s;
}

Shape Shape::sample() const {
    MINNOW_CHECK(rank() > 0, ShapeError, "a scalar shape has no batch dimension");
    return Shape(std::vector<int64_t>(dims_.begin() + 1, dims_.end()));
}

Shape Shape::batched(int64_t batch) const {
    std::vector<int64_t> d;
    d.reserve(dims_.size() + 1);
    d.push_back(batch);
    d.insert(d.end(), dims_.begin(), dims_.end());
    return Shape(std::move(d));
}

static std::string join(const std::vector<std::string>& parts) {
    if (parts.size() == 1) return "(" + parts[0] + ",)";
    return fmt::format("({})", fmt::join(parts, ", "));
}

std::string Shape::str() const {
    std::vector<std::string> parts;
    for (int64_t d : dims_) parts.push_back(d == kNone ? "None" : std::to_string(d));
    return join(parts);
}

std::string Shape::batch_str() const {
    std::vector<std::string> parts;
    for (size_t i = 0; i < dims_.size(); ++i) parts.push_back(i == 0 ? "None" : std::to_string(dims_[i]));
    return join(parts);
}

}  // namespace minnow
