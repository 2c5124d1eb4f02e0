// The command-line program, run as a user would: exit codes and messages.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "minnow/data/idx.hpp"
#include "support/cli.hpp"

namespace fs = std::filesystem;

namespace {

using minnow::test::Run;

Run run(const std::string& args) { return minnow::test::run_cli(args); }
fs::path tiny_dataset() { return minnow::test::mnist_like_folder(); }

}  // namespace

TEST_CASE("cli: help, unknown commands and bad option values", "[apps]") {
    CHECK(run("--help").status == 0);
    const Run unknown = run("fly");
    CHECK(unknown.status == 2);
    CHECK_THAT(unknown.output, Catch::Contains("unknown command 'fly'"));
    const Run epochs = run("compare --epochs abc");
    CHECK(epochs.status == 2);
    CHECK_THAT(epochs.output, Catch::Contains("option --epochs: expected an integer in [1, 2147483647], got 'abc'"));
    // Values past int are refused before they are narrowed, never wrapped.
    for (const char* big : {"4294967297", "3000000000"}) {
        const Run wrapped = run(std::string("compare --epochs ") + big);
        CHECK(wrapped.status == 2);
        CHECK_THAT(wrapped.output, Catch::Contains("option --epochs: expected an integer in [1, 2147483647]"));
    }
    const Run threads = run("compare --threads 100000");
    CHECK(threads.status == 2);
    CHECK_THAT(threads.output, Catch::Contains("option --threads: expected an integer in [1, 256], got '100000'"));
    CHECK_THAT(run("compare --lr -1").output, Catch::Contains("option --lr: expected a positive number, got '-1'"));
    CHECK_THAT(run("compare --model rnn").output, Catch::Contains("option --model: expected one of mlp, cnn, got 'rnn'"));
    CHECK_THAT(run("compare --bogus").output, Catch::Contains("bogus"));
    CHECK_THAT(run("compare --norm instance").output,
               Catch::Contains("option --norm: expected one of batch, layer, group, got 'instance'"));
    CHECK(run("summary --model cnn").output.find("Total params: 122,570") != std::string::npos);
    CHECK(run("summary --model mlp --no-bn").output.find("Non-trainable params: 0") != std::string::npos);
}

TEST_CASE("cli: a missing dataset says how to get it; a corrupt file is named", "[apps]") {
    const Run missing = run("compare --data /nonexistent/mnist");
    CHECK(missing.status == 1);
    CHECK_THAT(missing.output, Catch::Contains("/nonexistent/mnist: no such dataset folder; run `make data`") &&
                                   Catch::Contains("--data"));
    const fs::path dir = tiny_dataset();
    std::ofstream(dir / "train-images-idx3-ubyte", std::ios::binary | std::ios::trunc) << "garbage!";
    const Run corrupt = run("compare --data " + dir.string());
    CHECK(corrupt.status == 1);
    CHECK_THAT(corrupt.output, Catch::Contains((dir / "train-images-idx3-ubyte").string()));
}

TEST_CASE("cli: compare, train and evaluate run on a tiny dataset", "[apps]") {
    const fs::path dir = tiny_dataset();
    const fs::path out = fs::temp_directory_path() / "minnow_test_cli_out";
    fs::remove_all(out);
    const Run compare = run("compare --quiet --epochs 2 --batch-size 8 --data " + dir.string() + " --out " + out.string());
    INFO(compare.output);
    REQUIRE(compare.status == 0);
    CHECK_THAT(compare.output, Catch::Contains("Verdict") && Catch::Contains("with_bn"));
    for (const char* f : {"history.csv", "history.json", "curves.svg", "summary.txt"}) CHECK(fs::exists(out / f));

    const fs::path model = out / "cnn.safetensors";
    const Run train = run("train --quiet --model cnn --epochs 1 --batch-size 8 --data " + dir.string() + " --out " +
                          model.string());
    INFO(train.output);
    REQUIRE(train.status == 0);
    const Run evaluate = run("evaluate " + model.string() + " --data " + dir.string());
    INFO(evaluate.output);
    REQUIRE(evaluate.status == 0);
    CHECK_THAT(evaluate.output, Catch::Contains("20 test images: loss") && Catch::Contains("confusion matrix"));
    CHECK(run("evaluate " + (out / "missing.safetensors").string()).status == 1);
}

namespace {
std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

TEST_CASE("cli: compare writes a manifest, and a rerun from it gives a byte-identical history.csv", "[apps]") {
    const fs::path dir = tiny_dataset();
    const fs::path first = fs::temp_directory_path() / "minnow_test_cli_manifest_a";
    const fs::path second = fs::temp_directory_path() / "minnow_test_cli_manifest_b";
    fs::remove_all(first);
    fs::remove_all(second);
    const Run a = run("compare --quiet --epochs 2 --batch-size 8 --seeds 2 --recalibrate --threads 2 --data " +
                      dir.string() + " --out " + first.string());
    INFO(a.output);
    REQUIRE(a.status == 0);
    const auto manifest = nlohmann::json::parse(read_file(first / "manifest.json"));
    CHECK(manifest["command"] == "compare");
    CHECK(manifest["options"]["epochs"] == "2");
    CHECK(manifest["options"]["limit"] == "0");
    CHECK(manifest["options"]["recalibrate"] == "true");
    CHECK(manifest["data_files"].size() == 4);
    CHECK(manifest["data_files"][0]["md5"].get<std::string>().size() == 32);
    CHECK(manifest["minnow"]["git_commit"].is_string());
    CHECK(manifest["threads"] == 2);
    CHECK(manifest["finished"].is_string());
    for (const char* key : {"compiler", "flags", "kernels_compiled_for"}) CHECK(manifest["build"][key].is_string());
    CHECK(manifest["machine"]["cpu"].is_string());
    CHECK(manifest["blas"]["config"].is_string());

    const Run b = run("compare --manifest " + (first / "manifest.json").string() + " --out " + second.string());
    INFO(b.output);
    REQUIRE(b.status == 0);
    CHECK_THAT(b.output, Catch::Contains("rerunning"));
    CHECK(read_file(second / "history.csv") == read_file(first / "history.csv"));
    const auto rerun = nlohmann::json::parse(read_file(second / "manifest.json"));
    CHECK(rerun["options"]["out"] == second.string());

    // A run that left the thread count to the environment is rerun at the count it had.
    auto without_threads = manifest;
    without_threads["options"].erase("threads");
    const fs::path edited = first / "manifest-no-threads.json";
    std::ofstream(edited) << without_threads.dump(2);
    const Run c = run("compare --manifest " + edited.string() + " --out " + second.string() + " --epochs 1");
    INFO(c.output);
    REQUIRE(c.status == 0);
    CHECK_THAT(c.output, Catch::Contains("--threads=2"));

    // Changed data is refused, naming the file.
    minnow::data::IdxArray labels{{20}, std::vector<uint8_t>(20, 1)};
    minnow::data::write_idx((dir / "t10k-labels-idx1-ubyte.gz").string(), labels);
    const Run changed = run("compare --manifest " + (first / "manifest.json").string() + " --out " + second.string());
    CHECK(changed.status == 1);
    CHECK_THAT(changed.output, Catch::Contains("t10k-labels-idx1-ubyte.gz: ") && Catch::Contains("the manifest recorded"));
}

TEST_CASE("cli: an output that cannot be written fails before training", "[apps]") {
    const fs::path dir = tiny_dataset();
    const Run compare = run("compare --epochs 50 --data " + dir.string() + " --out /etc/hostname/m");
    CHECK(compare.status == 1);
    CHECK_THAT(compare.output, Catch::Contains("/etc/hostname/m") && !Catch::Contains("Epoch 1/"));
    const Run train = run("train --epochs 50 --data " + dir.string() + " --out /etc/hostname/m/model.safetensors");
    CHECK(train.status == 1);
    CHECK_THAT(train.output, Catch::Contains("/etc/hostname/m") && !Catch::Contains("Epoch 1/"));
}

TEST_CASE("cli: bad model files and diverging training end in a message and an exit code, never an abort", "[apps]") {
    const fs::path regressions = fs::path(MINNOW_FUZZ_REGRESSIONS) / "model";
    for (const char* name : {"dense-2-40-units.safetensors", "input-empty-batch-shape.safetensors",
                             "shape-overflows-int64.safetensors", "config-wrong-type.safetensors"}) {
        const Run r = run("evaluate " + (regressions / name).string());
        INFO(r.output);
        CHECK(r.status == 1);
        CHECK_THAT(r.output, Catch::Contains((regressions / name).string()));
    }
    CHECK_THAT(run("evaluate " + (regressions / "dense-2-40-units.safetensors").string()).output,
               Catch::Contains("units must be an integer in [1, 16777216], got 1099511627776"));
    const Run folder = run("evaluate " + fs::temp_directory_path().string());
    CHECK(folder.status == 1);
    CHECK_THAT(folder.output, Catch::Contains("is a folder, not a model or weights file"));

    // A diverging run says where, exits non-zero and leaves the previous model as it was.
    const fs::path dir = tiny_dataset();
    const fs::path model = fs::temp_directory_path() / "minnow_test_cli_diverge" / "m.safetensors";
    fs::remove_all(model.parent_path());
    REQUIRE(run("train --quiet --epochs 1 --batch-size 8 --data " + dir.string() + " --out " + model.string()).status == 0);
    const std::string before = read_file(model);
    const Run diverged = run("train --quiet --epochs 2 --batch-size 8 --lr 1e30 --data " + dir.string() + " --out " +
                             model.string());
    CHECK(diverged.status == 1);
    CHECK_THAT(diverged.output, Catch::Contains("training diverged: the loss became NaN or infinite at epoch 1, batch") &&
                                    Catch::Contains("was not written"));
    CHECK(read_file(model) == before);
}
