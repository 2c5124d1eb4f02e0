#pragma once
/// Dataset: where fit(), evaluate() and predict() draw their batches from.

#include <cstdint>
#include <memory>
#include <span>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// A sized collection of (x, y) samples. Datasets may store samples compactly (uint8 images)
/// and convert only the rows of a batch.
class Dataset {
public:
    virtual ~Dataset() = default;
    /// Number of samples.
    virtual int64_t size() const = 0;
    /// The shape of one x sample, e.g. (28, 28, 1).
    virtual Shape sample_shape() const = 0;
    /// The shape of one y sample: () for integer labels, (C,) for one-hot rows.
    virtual Shape target_shape() const = 0;
    /// Whether the dataset has targets (predict() needs none).
    virtual bool has_targets() const { return true; }
    /// The x rows `rows`, as a (rows.size(), sample...) tensor.
    virtual Tensor gather_x(std::span<const int64_t> rows) const = 0;
    /// The y rows `rows`, as a (rows.size(), target...) tensor.
    virtual Tensor gather_y(std::span<const int64_t> rows) const = 0;
    /// A hint that gather_x will soon be asked for `rows`: fit() gives the next batch's rows before
    /// each step, so a dataset in memory can start bringing them into the cache while the step
    /// runs. Does nothing unless a dataset overrides it; it must not change what it holds.
    virtual void prefetch(std::span<const int64_t> rows) const { (void)rows; }
    /// Whether gather_x may run on several threads at once, each for rows of its own. predict()
    /// and evaluate() then split a large chunk of rows between the threads, each gathering and
    /// running its part where its core keeps it cached. False unless a dataset overrides it:
    /// a dataset that reads through shared state (a file position, a cache) keeps the default.
    virtual bool concurrent_gather() const { return false; }
};

/// A dataset over float tensors x (N, ...) and y (N, ...) or y undefined. Holds the tensors it is
/// given; TensorDataset::view() refers to tensors owned elsewhere instead (they must outlive it).
class TensorDataset : public Dataset {
public:
    /// A dataset holding `x` (N, ...) and `y` (N, ...), or y undefined (no targets); ShapeError or
    /// ValueError when they are not batches of the same length.
    TensorDataset(Tensor x, Tensor y);
    /// A dataset that reads `x` and `y` in place, without copying them.
    static std::shared_ptr<TensorDataset> view(const Tensor& x, const Tensor& y);

    int64_t size() const override { return x_->dim(0); }
    Shape sample_shape() const override { return x_->shape().sample(); }
    Shape target_shape() const override;
    bool has_targets() const override { return y_->defined(); }
    Tensor gather_x(std::span<const int64_t> rows) const override;
    Tensor gather_y(std::span<const int64_t> rows) const override;
    void prefetch(std::span<const int64_t> rows) const override;
    bool concurrent_gather() const override { return true; }

private:
    TensorDataset(const Tensor* x, const Tensor* y);
    void check() const;

    Tensor x_owned_, y_owned_;
    const Tensor* x_;
    const Tensor* y_;
};

/// Samples [begin, end) of another dataset (validation_split's tail, for instance).
class SubsetDataset : public Dataset {
public:
    /// Samples [begin, end) of `base` (kept alive); ValueError when the range is not within it.
    SubsetDataset(std::shared_ptr<const Dataset> base, int64_t begin, int64_t end);
    int64_t size() const override { return end_ - begin_; }
    Shape sample_shape() const override { return base_->sample_shape(); }
    Shape target_shape() const override { return base_->target_shape(); }
    bool has_targets() const override { return base_->has_targets(); }
    Tensor gather_x(std::span<const int64_t> rows) const override;
    Tensor gather_y(std::span<const int64_t> rows) const override;
    void prefetch(std::span<const int64_t> rows) const override;
    bool concurrent_gather() const override { return base_->concurrent_gather(); }

private:
    std::vector<int64_t> shifted(std::span<const int64_t> rows) const;
    std::shared_ptr<const Dataset> base_;
    int64_t begin_, end_;
};

/// Copies the rows `rows` of `t` (N, ...) into a new (rows.size(), ...) tensor.
Tensor gather_rows(const Tensor& t, std::span<const int64_t> rows);

/// Asks the CPU to bring `bytes` bytes at `data` into its cache (prefetch instructions; no effect
/// on the values). For Dataset::prefetch.
void prefetch_bytes(const void* data, int64_t bytes);

}  // namespace minnow
