#include "minnow/data/idx.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <zlib.h>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"

namespace minnow::data {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr uint64_t kMaxBytes = uint64_t{1} << 31;  // far above any IDX dataset; refuses absurd headers
constexpr uint64_t kFirstChunk = uint64_t{64} << 10;
constexpr uint64_t kReadChunk = uint64_t{16} << 20;
// Images per thread below which converting a gather to floats stays on one thread.
constexpr int64_t kConvertGrain = 64;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw IoError(fmt::format("{}: {}", path, problem));
}

// gzread reads gzip and plain files alike.
class GzFile {
public:
    explicit GzFile(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
        if (file_ == nullptr) fail(path, "cannot open (missing or unreadable)");
    }
    ~GzFile() {
        if (file_ != nullptr) gzclose(file_);
    }
    GzFile(const GzFile&) = delete;
    GzFile& operator=(const GzFile&) = delete;

    // Whether the file is read as it is (not gzip).
    bool direct() { return gzdirect(file_) == 1; }

    // Reads up to n bytes; returns how many, failing on a decompression error.
    size_t read(void* dst, size_t n) {
        size_t done = 0;
        while (done < n) {
            const auto chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
            const int got = gzread(file_, static_cast<char*>(dst) + done, chunk);
            if (got < 0) {
                int code = 0;
                fail(path_, fmt::format("corrupt compressed data ({})", gzerror(file_, &code)));
            }
            if (got == 0) break;
            done += static_cast<size_t>(got);
        }
        return done;
    }

private:
    std::string path_;
    gzFile file_;
};

}  // namespace

IdxArray read_idx(const std::string& path) {
    GzFile in(path);
    uint8_t magic[4];
    if (in.read(magic, 4) != 4) fail(path, "too short for an IDX header");
    if (magic[0] != 0 || magic[1] != 0)
        fail(path, fmt::format("wrong magic number {:02x}{:02x}{:02x}{:02x}: not an IDX file", magic[0], magic[1],
                               magic[2], magic[3]));
    if (magic[2] != kUnsignedByte)
        fail(path, fmt::format("element type 0x{:02x} is not supported (only unsigned bytes, 0x08)", magic[2]));
    const int rank = magic[3];
    if (rank < 1 || rank > 4) fail(path, fmt::format("rank {} is not an image or label array", rank));
    IdxArray out;
    uint64_t count = 1;
    for (int i = 0; i < rank; ++i) {
        uint8_t b[4];
        if (in.read(b, 4) != 4) fail(path, "truncated header (dimensions missing)");
        const uint64_t d = (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | b[3];
        out.dims.push_back(static_cast<int64_t>(d));
        count *= d;
        if (count > kMaxBytes) fail(path, fmt::format("dimensions {} are implausibly large", fmt::join(out.dims, "x")));
    }
    // Memory follows the data, not the header's promise: a plain file's size is checked first,
    // a compressed one is read in bounded chunks that stop at the first shortfall.
    const uint64_t header_bytes = 4 + 4 * uint64_t(rank);
    if (in.direct()) {
        const uint64_t size = std::filesystem::file_size(path);
        if (size < header_bytes + count)
            fail(path, fmt::format("truncated: the header promises {} bytes of data ({}), the file holds {}", count,
                                   fmt::join(out.dims, "x"), size - header_bytes));
    }
    size_t got = 0;
    while (got < count) {
        // Chunks grow with what has arrived (64 KiB, then as much again, up to 16 MiB), so a short
        // stream costs memory in proportion to its own length, not to the header's promise.
        const uint64_t step = std::clamp<uint64_t>(got, kFirstChunk, kReadChunk);
        const size_t chunk = static_cast<size_t>(std::min<uint64_t>(count - got, step));
        out.values.resize(got + chunk);
        const size_t n = in.read(out.values.data() + got, chunk);
        got += n;
        if (n < chunk) break;
    }
    if (got != count)
        fail(path, fmt::format("truncated: the header promises {} bytes of data ({}), the file holds {}", count,
                               fmt::join(out.dims, "x"), got));
    uint8_t extra;
    if (in.read(&extra, 1) != 0) fail(path, fmt::format("holds more data than its header promises ({} bytes)", count));
    return out;
}

void write_idx(const std::string& path, const IdxArray& array) {
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    gzFile f = gzopen(path.c_str(), gz ? "wb6" : "wbT");
    if (f == nullptr) fail(path, "cannot create");
    std::vector<uint8_t> header{0, 0, kUnsignedByte, static_cast<uint8_t>(array.dims.size())};
    for (int64_t d : array.dims)
        for (int shift : {24, 16, 8, 0}) header.push_back(static_cast<uint8_t>((d >> shift) & 0xff));
    const bool ok =
        gzwrite(f, header.data(), static_cast<unsigned>(header.size())) == static_cast<int>(header.size()) &&
        (array.values.empty() ||
         gzwrite(f, array.values.data(), static_cast<unsigned>(array.values.size())) ==
             static_cast<int>(array.values.size()));
    if (gzclose(f) != Z_OK || !ok) fail(path, "write failed");
}

ImageDataset::ImageDataset(std::shared_ptr<const IdxArray> images, std::shared_ptr<const IdxArray> labels,
                           bool flatten, int64_t limit)
    : images_(std::move(images)), labels_(std::move(labels)), flatten_(flatten) {
    MINNOW_CHECK(images_->dims.size() == 3, ShapeError, "images: expected (count, height, width), got rank {}",
                 images_->dims.size());
    MINNOW_CHECK(labels_->dims.size() == 1, ShapeError, "labels: expected (count,), got rank {}", labels_->dims.size());
    MINNOW_CHECK(images_->dims[0] == labels_->dims[0], ValueError, "{} images but {} labels", images_->dims[0],
                 labels_->dims[0]);
    count_ = limit > 0 ? std::min(limit, images_->dims[0]) : images_->dims[0];
    height_ = images_->dims[1];
    width_ = images_->dims[2];
    const auto top = std::max_element(labels_->values.begin(), labels_->values.end());
    classes_ = top == labels_->values.end() ? 0 : int64_t{*top} + 1;
}

Shape ImageDataset::sample_shape() const { return flatten_ ? Shape{height_ * width_} : Shape{height_, width_, 1}; }

Tensor ImageDataset::gather_x(std::span<const int64_t> rows) const {
    for (int64_t r : rows)
        MINNOW_CHECK(r >= 0 && r < count_, ShapeError, "images: row {} out of range for {} samples", r, count_);
    const int64_t pixels = height_ * width_;
    Tensor x(sample_shape().batched(static_cast<int64_t>(rows.size())));
    // A chunk of 1000 images gathered whole (predict of a model with a layer of the user's) is 3 MB
    // of floats to write, bound by memory: both cores share it. A training batch is below the
    // grain and stays on the calling thread; a part of a chunk already runs on a thread of its own.
    parallel_for(static_cast<int64_t>(rows.size()), kConvertGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const uint8_t* src = images_->values.data() + rows[static_cast<size_t>(i)] * pixels;
            float* dst = x.data() + i * pixels;
            for (int64_t p = 0; p < pixels; ++p) dst[p] = static_cast<float>(src[p]) * (1.0f / 255.0f);
        }
    });
    return x;
}

void ImageDataset::prefetch(std::span<const int64_t> rows) const {
    const int64_t pixels = height_ * width_;
    for (int64_t r : rows)
        if (r >= 0 && r < count_) prefetch_bytes(images_->values.data() + r * pixels, pixels);
}

Tensor ImageDataset::gather_y(std::span<const int64_t> rows) const {
    Tensor y(Shape{static_cast<int64_t>(rows.size())});
    for (size_t i = 0; i < rows.size(); ++i) {
        MINNOW_CHECK(rows[i] >= 0 && rows[i] < count_, ShapeError, "labels: row {} out of range", rows[i]);
        y.data()[i] = labels_->values[static_cast<size_t>(rows[i])];
    }
    return y;
}

std::shared_ptr<ImageDataset> ImageDataset::with_flatten(bool flatten) const {
    return std::make_shared<ImageDataset>(images_, labels_, flatten, count_);
}

namespace {

std::string find_file(const std::string& dir, const std::string& name) {
    namespace fs = std::filesystem;
    for (const std::string& candidate : {name, name + ".gz"})
        if (fs::exists(fs::path(dir) / candidate)) return (fs::path(dir) / candidate).string();
    throw IoError(fmt::format("{}: no {} (or {}.gz) in this dataset folder; run `make data` to prepare the datasets, "
                              "or pass --data with a folder holding the four IDX files",
                              dir, name, name));
}

std::shared_ptr<ImageDataset> load_split(const std::string& dir, const std::string& prefix, bool flatten,
                                         int64_t limit) {
    const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
    const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
    auto images = std::make_shared<IdxArray>(read_idx(images_path));
    auto labels = std::make_shared<IdxArray>(read_idx(labels_path));
    if (images->dims.size() != 3) fail(images_path, fmt::format("expected 3 dimensions, found {}", images->dims.size()));
    if (labels->dims.size() != 1) fail(labels_path, fmt::format("expected 1 dimension, found {}", labels->dims.size()));
    if (images->dims[0] != labels->dims[0])
        fail(labels_path, fmt::format("holds {} labels but {} holds {} images", labels->dims[0], images_path,
                                      images->dims[0]));
    return std::make_shared<ImageDataset>(images, labels, flatten, limit);
}

}  // namespace

ImageFolder load_image_folder(const std::string& dir, bool flatten, int64_t limit) {
    MINNOW_CHECK(std::filesystem::is_directory(dir), IoError,
                 "{}: no such dataset folder; run `make data` to prepare data/mnist and data/fashion-mnist, or pass "
                 "--data with a folder holding the four IDX files",
                 dir);
    return {load_split(dir, "train", flatten, limit), load_split(dir, "t10k", flatten, limit)};
}

}  // namespace minnow::data
