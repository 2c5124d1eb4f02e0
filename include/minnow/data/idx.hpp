#pragma once
/// IDX files (the MNIST format), plain or gzip-compressed, and image classification datasets
/// made from them.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minnow/data/dataset.hpp"

namespace minnow::data {

/// An unsigned-byte IDX array: its dimensions and its values, row-major.
struct IdxArray {
    std::vector<int64_t> dims;    ///< outermost first, as in the file's header
    std::vector<uint8_t> values;  ///< the product of dims bytes, row-major
};

/// Reads an IDX file of unsigned bytes, plain or gzip. Checks the magic number (two zero bytes,
/// type 0x08, rank), the dimensions, and that the file holds exactly the bytes its header
/// promises; refuses with an IoError naming the file and the problem.
IdxArray read_idx(const std::string& path);

/// Writes an unsigned-byte IDX file (plain, or gzip when the path ends in ".gz").
void write_idx(const std::string& path, const IdxArray& array);

/// Images (N, H, W) and labels (N) kept as bytes; each batch is converted to float in [0, 1].
/// Samples are (H, W, 1) for convolutional models, or (H*W,) when `flatten` is set.
class ImageDataset : public Dataset {
public:
    /// Samples from `images` (N, H, W) and `labels` (N); with `limit` > 0 only the first `limit`
    /// samples. ShapeError or ValueError when the two arrays disagree.
    ImageDataset(std::shared_ptr<const IdxArray> images, std::shared_ptr<const IdxArray> labels, bool flatten,
                 int64_t limit = 0);
    int64_t size() const override { return count_; }
    Shape sample_shape() const override;
    Shape target_shape() const override { return Shape{}; }
    Tensor gather_x(std::span<const int64_t> rows) const override;
    Tensor gather_y(std::span<const int64_t> rows) const override;
    void prefetch(std::span<const int64_t> rows) const override;
    bool concurrent_gather() const override { return true; }
    /// The number of classes (max label + 1).
    int64_t classes() const { return classes_; }
    /// The same samples with the other sample layout.
    std::shared_ptr<ImageDataset> with_flatten(bool flatten) const;

private:
    std::shared_ptr<const IdxArray> images_, labels_;
    bool flatten_;
    int64_t count_, height_, width_, classes_;
};

/// A dataset folder's two splits.
struct ImageFolder {
    std::shared_ptr<ImageDataset> train;  ///< the training split (train-*)
    std::shared_ptr<ImageDataset> test;   ///< the test split (t10k-*)
};

/// Loads a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
/// and t10k-labels-idx1-ubyte (each optionally .gz). `limit` > 0 keeps the first `limit`
/// samples of each split. A missing folder or file says how to get the data.
ImageFolder load_image_folder(const std::string& dir, bool flatten, int64_t limit = 0);

}  // namespace minnow::data
