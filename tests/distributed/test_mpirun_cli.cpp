// The command-line program under mpirun, as a user starts it: the same commands, data-parallel,
// one rank printing and writing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "minnow/core/distributed.hpp"
#include "minnow/models/sequential.hpp"
#include "support/cli.hpp"

namespace fs = std::filesystem;
using minnow::test::run_command;

namespace {

#ifdef MINNOW_MPIEXEC_PATH
// `wrapper` runs mpirun (e.g. under `timeout`).
std::string mpirun(const std::string& program_and_args, const std::string& wrapper = "") {
    return fmt::format("OPENBLAS_NUM_THREADS=1 MINNOW_NUM_THREADS=1 {} {} --allow-run-as-root --oversubscribe --bind-to "
                       "none -np 2 --mca btl self,vader {}",
                       wrapper, MINNOW_MPIEXEC_PATH, program_and_args);
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}
#endif

}  // namespace

TEST_CASE("mpirun -np 2 minnow train: data-parallel, rank 0 prints and saves", "[distributed]") {
#ifndef MINNOW_MPIEXEC_PATH
    WARN("skipped: minnow was built without MPI (MINNOW_MPI=OFF or no MPI found)");
#else
    const fs::path data = minnow::test::mnist_like_folder("mpirun_train", 64, 20);
    const fs::path out = data / "model.safetensors";
    const auto run = run_command(mpirun(fmt::format("{} train --model mlp --data {} --epochs 2 --out {}", MINNOW_CLI_PATH,
                                                    data.string(), out.string())));
    INFO(run.output);
    REQUIRE(run.status == 0);
    CHECK(count(run.output, "Epoch 1/2") == 1);  // one progress bar: rank 0's
    CHECK(count(run.output, "saved ") == 1);
    REQUIRE(fs::exists(out));
    CHECK(fs::exists(out.string() + ".manifest.json"));
    minnow::Sequential model = minnow::load_model(out.string());
    CHECK(model.optimizer().iterations() == 2 * 2);  // 64 images in batches of 32, two epochs
#endif
}

TEST_CASE("mpirun -np 2 minnow compare: both arms data-parallel, one report", "[distributed]") {
#ifndef MINNOW_MPIEXEC_PATH
    WARN("skipped: minnow was built without MPI (MINNOW_MPI=OFF or no MPI found)");
#else
    const fs::path data = minnow::test::mnist_like_folder("mpirun_compare", 64, 20);
    const fs::path out = data / "compare";
    const auto run = run_command(mpirun(fmt::format("{} compare --model mlp --data {} --epochs 1 --out {}",
                                                    MINNOW_CLI_PATH, data.string(), out.string())));
    INFO(run.output);
    REQUIRE(run.status == 0);
    CHECK(fs::exists(out / "history.json"));
    CHECK(fs::exists(out / "curves.svg"));
    CHECK(fs::exists(out / "manifest.json"));
#endif
}

TEST_CASE("mpirun -np 2 minnow lab: the runs dealt to the ranks, the same report as one process", "[distributed]") {
#ifndef MINNOW_MPIEXEC_PATH
    WARN("skipped: minnow was built without MPI (MINNOW_MPI=OFF or no MPI found)");
#else
    const fs::path data = minnow::test::mnist_like_folder("mpirun_lab", 64, 20);
    const std::string args = fmt::format("lab --claims lr,init --preset quick --seeds 2 --data {} --jobs 1", data.string());
    const auto parallel = run_command(mpirun(fmt::format("{} {} --out {}", MINNOW_CLI_PATH, args, (data / "mpi").string())));
    INFO(parallel.output);
    REQUIRE(parallel.status == 0);
    const auto single = run_command(fmt::format("OPENBLAS_NUM_THREADS=1 MINNOW_NUM_THREADS=1 {} {} --out {}",
                                                MINNOW_CLI_PATH, args, (data / "one").string()));
    INFO(single.output);
    REQUIRE(single.status == 0);
    const auto read = [](const fs::path& path) {
        std::ifstream in(path);
        return nlohmann::json::parse(in);
    };
    const nlohmann::json a = read(data / "mpi" / "results.json"), b = read(data / "one" / "results.json");
    REQUIRE(a["runs"].size() == b["runs"].size());
    REQUIRE(a["verdicts"].size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(a["verdicts"][i]["numbers"] == b["verdicts"][i]["numbers"]);
        CHECK(a["verdicts"][i]["verdict"] == b["verdicts"][i]["verdict"]);
    }
    CHECK(fs::exists(data / "mpi" / "report.html"));
#endif
}

TEST_CASE("a failing command under mpirun ends the job with its message", "[distributed]") {
#ifndef MINNOW_MPIEXEC_PATH
    WARN("skipped: minnow was built without MPI (MINNOW_MPI=OFF or no MPI found)");
#else
    const auto run = run_command(
        mpirun(fmt::format("{} train --data /nonexistent/folder --out /tmp/x", MINNOW_CLI_PATH), "timeout 60"));
    INFO(run.output);
    CHECK(run.status != 0);
    CHECK(run.status != 124);  // not the timeout
    CHECK(run.output.find("/nonexistent/folder") != std::string::npos);
#endif
}
