// The training-memory estimate against the peak resident memory the program really reaches.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sys/resource.h>
#include <sys/wait.h>

#include "minnow/data/idx.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/models/memory_estimate.hpp"

namespace fs = std::filesystem;
using namespace minnow;

namespace {

// Runs the CLI and returns the peak resident memory of the largest child so far (bytes).
int64_t run_and_peak(const std::string& args) {
    const std::string command = std::string(MINNOW_CLI_PATH) + " " + args + " > /dev/null 2>&1";
    const int status = std::system(command.c_str());
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);
    return int64_t(usage.ru_maxrss) * 1024;
}

fs::path images(int64_t n) {
    const auto dir = fs::temp_directory_path() / "minnow_test_memory_data";
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* prefix : {"train", "t10k"}) {
        data::IdxArray x{{n, 28, 28}, std::vector<uint8_t>(static_cast<size_t>(n * 784))}, y{{n}, {}};
        for (int64_t i = 0; i < n; ++i) {
            y.values.push_back(static_cast<uint8_t>(i % 10));
            for (int64_t p = 0; p < 784; ++p) x.values[static_cast<size_t>(i * 784 + p)] = static_cast<uint8_t>((i * 7 + p) % 256);
        }
        data::write_idx((dir / (std::string(prefix) + "-images-idx3-ubyte")).string(), x);
        data::write_idx((dir / (std::string(prefix) + "-labels-idx1-ubyte")).string(), y);
    }
    return dir;
}

}  // namespace

TEST_CASE("memory estimate: within 25% of the peak memory a CNN step takes", "[apps][memory]") {
    const fs::path dir = images(4096);
    const fs::path out = fs::temp_directory_path() / "minnow_test_memory" / "m.safetensors";
    // A batch of 32 first: the program and the data; then a batch of 4096 on top of them.
    const int64_t small = run_and_peak("train --quiet --model cnn --epochs 1 --batch-size 32 --limit 512 --data " +
                                       dir.string() + " --out " + out.string());
    const int64_t large = run_and_peak("train --quiet --model cnn --epochs 1 --batch-size 4096 --data " + dir.string() +
                                       " --out " + out.string());
    const Sequential model = experiments::build_network(experiments::ModelKind::Cnn, true);
    const int64_t estimated = estimate_training_memory(model, 4096).total() - estimate_training_memory(model, 32).total();
    const int64_t measured = large - small;
    INFO("estimated " << estimated / 1000000 << " MB, measured " << measured / 1000000 << " MB over a batch of 32");
    CHECK(double(estimated) >= 0.75 * double(measured));
    CHECK(double(estimated) <= 1.25 * double(measured));
}

TEST_CASE("memory estimate: fit refuses a batch that does not fit, naming the estimate and the batch that does",
          "[apps][memory]") {
    Sequential model = experiments::build_network(experiments::ModelKind::Cnn, true);
    model.compile("adam", "sparse_categorical_crossentropy");
    const MemoryEstimate e = estimate_training_memory(model, 4096);
    CHECK(e.activations > e.backward);
    CHECK(e.parameters > 0);
    const int64_t limit = 100'000'000;
    const int64_t fits = largest_batch_that_fits(model, limit);
    CHECK(estimate_training_memory(model, fits).total() <= limit);
    CHECK(estimate_training_memory(model, fits + 1).total() > limit);
    Rng rng(1);
    const Tensor x = Tensor::uniform({4096, 28, 28, 1}, 0, 1, rng);
    const Tensor y = Tensor::zeros({4096});
    CHECK_THROWS_WITH(model.fit(x, y, {.batch_size = 4096, .verbose = 0, .memory_limit = limit}),
                      Catch::Contains("a training step at batch_size 4096 needs about") &&
                          Catch::Contains("more than the 100 MB allowed") &&
                          Catch::Contains(fmt::format("the largest batch size that fits is {}", fits)));
}
