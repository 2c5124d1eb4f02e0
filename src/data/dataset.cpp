#include "minnow/data/dataset.hpp"

#include <algorithm>

#include "minnow/core/error.hpp"

namespace minnow {

Tensor gather_rows(const Tensor& t, std::span<const int64_t> rows) {
    const int64_t n = t.dim(0);
    const int64_t row_size = n == 0 ? 0 : t.numel() / n;
    Tensor out(t.shape().with_batch(static_cast<int64_t>(rows.size())));
    for (size_t i = 0; i < rows.size(); ++i) {
        MINNOW_CHECK(rows[i] >= 0 && rows[i] < n, ShapeError, "gather: row {} out of range for {} samples", rows[i], n);
        std::copy_n(t.data() + rows[i] * row_size, row_size, out.data() + static_cast<int64_t>(i) * row_size);
    }
    return out;
}

TensorDataset::TensorDataset(Tensor x, Tensor y)
    : x_owned_(std::move(x)), y_owned_(std::move(y)), x_(&x_owned_), y_(&y_owned_) {
    check();
}

TensorDataset::TensorDataset(const Tensor* x, const Tensor* y) : x_(x), y_(y) { check(); }

std::shared_ptr<TensorDataset> TensorDataset::view(const Tensor& x, const Tensor& y) {
    return std::shared_ptr<TensorDataset>(new TensorDataset(&x, &y));
}

void TensorDataset::check() const {
    MINNOW_CHECK(x_->defined() && x_->rank() >= 1, ShapeError, "dataset: x must be a batch of samples, got {}",
                 x_->defined() ? x_->shape().str() : "nothing");
    if (y_->defined()) {
        MINNOW_CHECK(y_->rank() >= 1, ShapeError, "dataset: y must have a sample axis, got {}", y_->shape());
        MINNOW_CHECK(x_->dim(0) == y_->dim(0), ValueError,
                     "dataset: x and y have different numbers of samples: x {} has {}, y {} has {}", x_->shape(),
                     x_->dim(0), y_->shape(), y_->dim(0));
    }
}

Shape TensorDataset::target_shape() const { return y_->defined() ? y_->shape().sample() : Shape{}; }

Tensor TensorDataset::gather_x(std::span<const int64_t> rows) const { return gather_rows(*x_, rows); }

void TensorDataset::prefetch(std::span<const int64_t> rows) const {
    const int64_t n = x_->dim(0);
    if (n == 0) return;
    const int64_t row = x_->numel() / n;
    for (int64_t r : rows)
        if (r >= 0 && r < n) prefetch_bytes(x_->data() + r * row, row * static_cast<int64_t>(sizeof(float)));
}

void prefetch_bytes(const void* data, int64_t bytes) {
    // One prefetch a cache line, into L2 (locality 2): a batch is needed a step later, after the
    // step's own data has passed through L1.
    constexpr int64_t kLine = 64;
    const char* p = static_cast<const char*>(data);
    for (int64_t offset = 0; offset < bytes; offset += kLine) __builtin_prefetch(p + offset, 0, 2);
}

Tensor TensorDataset::gather_y(std::span<const int64_t> rows) const {
    MINNOW_CHECK(y_->defined(), ValueError, "dataset: this dataset has no targets (y)");
    return gather_rows(*y_, rows);
}

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, int64_t begin, int64_t end)
    : base_(std::move(base)), begin_(begin), end_(end) {
    MINNOW_CHECK(0 <= begin && begin <= end && end <= base_->size(), ValueError,
                 "SubsetDataset: range [{}, {}) outside the {} samples", begin, end, base_->size());
}

std::vector<int64_t> SubsetDataset::shifted(std::span<const int64_t> rows) const {
    std::vector<int64_t> out(rows.begin(), rows.end());
    for (int64_t& r : out) r += begin_;
    return out;
}

Tensor SubsetDataset::gather_x(std::span<const int64_t> rows) const { return base_->gather_x(shifted(rows)); }
Tensor SubsetDataset::gather_y(std::span<const int64_t> rows) const { return base_->gather_y(shifted(rows)); }
void SubsetDataset::prefetch(std::span<const int64_t> rows) const { base_->prefetch(shifted(rows)); }

}  // namespace minnow
