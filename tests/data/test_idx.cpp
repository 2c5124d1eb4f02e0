#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/data/idx.hpp"

using namespace minnow;
using minnow::test::temp_dir;
namespace fs = std::filesystem;

namespace {


data::IdxArray images(int64_t n) {
    data::IdxArray a{{n, 3, 2}, {}};
    for (int64_t i = 0; i < n * 6; ++i) a.values.push_back(static_cast<uint8_t>(i * 7 % 256));
    return a;
}

data::IdxArray labels(int64_t n) {
    data::IdxArray a{{n}, {}};
    for (int64_t i = 0; i < n; ++i) a.values.push_back(static_cast<uint8_t>(i % 4));
    return a;
}

std::string bytes_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_folder(const fs::path& dir, bool gz, int64_t train_labels = 5) {
    const std::string ext = gz ? ".gz" : "";
    data::write_idx((dir / ("train-images-idx3-ubyte" + ext)).string(), images(5));
    data::write_idx((dir / ("train-labels-idx1-ubyte" + ext)).string(), labels(train_labels));
    data::write_idx((dir / ("t10k-images-idx3-ubyte" + ext)).string(), images(3));
    data::write_idx((dir / ("t10k-labels-idx1-ubyte" + ext)).string(), labels(3));
}

}  // namespace

TEST_CASE("IDX: reads what it wrote, plain and gzip", "[data][idx]") {
    const auto dir = temp_dir("idx_good");
    for (const std::string name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
        data::write_idx((dir / name).string(), images(4));
        const data::IdxArray back = data::read_idx((dir / name).string());
        CHECK(back.dims == std::vector<int64_t>{4, 3, 2});
        CHECK(back.values == images(4).values);
    }
    // The header is the documented big-endian layout: 0, 0, 0x08, rank, then each dimension.
    const std::string raw = bytes_of(dir / "a-idx3-ubyte");
    CHECK(raw.substr(0, 8) == std::string("\x00\x00\x08\x03\x00\x00\x00\x04", 8));
    CHECK(raw.size() == 4 + 3 * 4 + 24);
}

TEST_CASE("IDX: refuses wrong magic, truncation, extra data and absurd sizes", "[data][idx]") {
    const auto dir = temp_dir("idx_bad");
    const fs::path good = dir / "good";
    data::write_idx(good.string(), images(4));
    const std::string raw = bytes_of(good);
    auto refuses = [&](const std::string& name, const std::string& content, const std::string& why) {
        const fs::path p = dir / name;
        std::ofstream(p, std::ios::binary) << content;
        try {
            (void)data::read_idx(p.string());
            FAIL("expected IoError for " << name);
        } catch (const IoError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith(p.string()) && Catch::Contains(why));
        }
    };
    refuses("magic", "\x01\x02" + raw.substr(2), "wrong magic number");
    std::string float_type = raw;
    float_type[2] = '\x0d';
    refuses("float_type", float_type, "element type 0x0d is not supported");
    refuses("truncated", raw.substr(0, raw.size() - 5), "truncated: the header promises 24 bytes");
    refuses("header_cut", raw.substr(0, 9), "truncated header");
    refuses("extra", raw + "x", "more data than its header promises");
    refuses("empty", "", "too short");
    std::string huge = raw;
    huge[4] = '\x7f';
    refuses("huge", huge, "implausibly large");
    // A truncated gzip stream.
    data::write_idx((dir / "g.gz").string(), images(50));
    const std::string gz = bytes_of(dir / "g.gz");
    refuses("cut.gz", gz.substr(0, gz.size() / 2), "");
}

TEST_CASE("image folder: counts must agree; batches scale to [0, 1]", "[data][idx]") {
    const auto dir = temp_dir("idx_folder");
    write_folder(dir, true);
    const data::ImageFolder f = data::load_image_folder(dir.string(), false);
    CHECK(f.train->size() == 5);
    CHECK(f.test->size() == 3);
    CHECK(f.train->sample_shape() == Shape{3, 2, 1});
    CHECK(f.train->classes() == 4);
    const std::vector<int64_t> rows{4, 0};
    const Tensor x = f.train->gather_x(rows);
    CHECK(x.shape() == Shape{2, 3, 2, 1});
    CHECK(x.flat(0) == Approx(float(24 * 7 % 256) / 255.0f));
    CHECK(f.train->gather_y(rows).to_vector() == std::vector<float>{0, 0});
    CHECK(f.train->with_flatten(true)->gather_x(rows).shape() == Shape{2, 6});
    CHECK(data::load_image_folder(dir.string(), true, 2).train->size() == 2);

    const auto mismatch = temp_dir("idx_mismatch");
    write_folder(mismatch, false, 4);
    CHECK_THROWS_WITH(data::load_image_folder(mismatch.string(), false),
                      Catch::Contains("train-labels-idx1-ubyte: holds 4 labels but") &&
                          Catch::Contains("holds 5 images"));
    CHECK_THROWS_WITH(data::load_image_folder((dir / "nope").string(), false),
                      Catch::Contains("no such dataset folder; run `make data`"));
    fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
    CHECK_THROWS_WITH(data::load_image_folder(dir.string(), false),
                      Catch::Contains("no t10k-labels-idx1-ubyte (or t10k-labels-idx1-ubyte.gz)") &&
                          Catch::Contains("make data"));
}

TEST_CASE("image folder: a gather large enough to split across threads converts every row", "[data][idx]") {
    const auto dir = temp_dir("idx_large");
    const int64_t n = 301;
    data::write_idx((dir / "train-images-idx3-ubyte").string(), images(n));
    data::write_idx((dir / "train-labels-idx1-ubyte").string(), labels(n));
    data::write_idx((dir / "t10k-images-idx3-ubyte").string(), images(3));
    data::write_idx((dir / "t10k-labels-idx1-ubyte").string(), labels(3));
    const data::ImageFolder f = data::load_image_folder(dir.string(), true);
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < n; ++i) rows.push_back((i * 37 + 11) % n);  // every row once, out of order
    const int threads = num_threads();
    for (int t : {1, 2}) {
        set_num_threads(t);
        const Tensor x = f.train->gather_x(rows);
        REQUIRE(x.shape() == Shape{n, 6});
        int64_t wrong = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t p = 0; p < 6; ++p)
                wrong += x.at({i, p}) != float((rows[size_t(i)] * 6 + p) * 7 % 256) * (1.0f / 255.0f);
        CHECK(wrong == 0);
    }
    rows.back() = n;
    CHECK_THROWS_WITH(f.train->gather_x(rows), Catch::Contains("images: row 301 out of range for 301 samples"));
    set_num_threads(threads);
}
