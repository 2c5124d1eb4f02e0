#pragma once
// Running the command-line program as a user would, and the MNIST-shaped folders it reads.

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "minnow/data/idx.hpp"

namespace minnow::test {

struct Run {
    int status;          // the exit status, -1 if killed by a signal
    std::string output;  // stdout and stderr together
};

/// Runs a shell command line, its stderr joined to its stdout.
inline Run run_command(const std::string& command_line) {
    const std::string command = command_line + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    std::array<char, 4096> buf{};
    while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// The minnow CLI with `args`; `env`: variable assignments for its environment
/// ("MINNOW_KERNEL_ISA=portable").
inline Run run_cli(const std::string& args, const std::string& env = "") {
    return run_command(env + " " + std::string(MINNOW_CLI_PATH) + " " + args);
}

/// An MNIST-shaped folder (28x28 images, labels 0-9) under the temporary directory, made afresh:
/// `train` training and `test` test images, each class's images lit at one pixel.
inline std::filesystem::path mnist_like_folder(const std::string& name = "cli_data", int64_t train = 40,
                                               int64_t test = 20) {
    const auto dir = std::filesystem::temp_directory_path() / ("minnow_test_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& prefix, int64_t n) {
        data::IdxArray images{{n, 28, 28}, {}}, labels{{n}, {}};
        for (int64_t i = 0; i < n; ++i) {
            labels.values.push_back(static_cast<uint8_t>(i % 10));
            for (int p = 0; p < 784; ++p) images.values.push_back(static_cast<uint8_t>(p == i % 10 ? 255 : (p * 13 + i) % 64));
        }
        data::write_idx((dir / (prefix + "-images-idx3-ubyte")).string(), images);
        data::write_idx((dir / (prefix + "-labels-idx1-ubyte.gz")).string(), labels);
    };
    write("train", train);
    write("t10k", test);
    return dir;
}

}  // namespace minnow::test
