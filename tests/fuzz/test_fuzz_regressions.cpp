// Every input the fuzzers (or the probes before them) found that once crashed, hung or ran out
// of memory, replayed through the loaders: each must end in a result or a minnow::Error.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>

#include "minnow/core/error.hpp"
#include "minnow/data/idx.hpp"
#include "minnow/models/sequential.hpp"

namespace fs = std::filesystem;

namespace {
std::vector<fs::path> inputs(const char* kind) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(fs::path(MINNOW_FUZZ_REGRESSIONS) / kind))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}
}  // namespace

TEST_CASE("fuzz regressions: IDX inputs are read or refused, quickly", "[fuzz]") {
    const auto files = inputs("idx");
    REQUIRE(files.size() >= 2);
    for (const fs::path& f : files) {
        INFO(f.string());
        const auto start = std::chrono::steady_clock::now();
        try {
            (void)minnow::data::read_idx(f.string());
        } catch (const minnow::IoError& e) {
            CHECK_THAT(e.what(), Catch::Contains(f.string()));
        }
        // A header that promises gigabytes is refused before they are allocated or read.
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    }
}

TEST_CASE("fuzz regressions: model inputs are loaded or refused, naming the file", "[fuzz]") {
    const auto files = inputs("model");
    REQUIRE(files.size() >= 6);
    for (const fs::path& f : files) {
        INFO(f.string());
        try {
            (void)minnow::load_model(f.string());
        } catch (const minnow::Error& e) {
            CHECK_THAT(e.what(), Catch::Contains(f.string()));
            // Named by key, not by dumping the whole architecture.
            CHECK(std::string(e.what()).size() < 600);
        }
    }
}
