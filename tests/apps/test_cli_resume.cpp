// `minnow train --backup-dir`: a training process killed with SIGKILL and started again with the
// same command ends with the model an uninterrupted run writes, byte for byte.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "minnow/io/safetensors.hpp"
#include "support/cli.hpp"

namespace fs = std::filesystem;

namespace {

// The weights of a saved model, by name (the metadata holds the manifest's timestamps, so files
// are compared by their tensors).
std::vector<std::pair<std::string, std::vector<float>>> tensors_of(const fs::path& path) {
    std::vector<std::pair<std::string, std::vector<float>>> out;
    for (const auto& [name, t] : minnow::io::read_safetensors(path.string()).tensors) out.emplace_back(name, t.to_vector());
    return out;
}

// Starts `minnow args...`, output to /dev/null; returns its process id.
pid_t spawn(const std::vector<std::string>& args) {
    std::fflush(stdout);  // or the child would print what Catch has buffered
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::vector<char*> argv;
        std::string program = MINNOW_CLI_PATH;
        argv.push_back(program.data());
        std::vector<std::string> copy = args;
        for (std::string& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::freopen("/dev/null", "w", stdout);
        execv(MINNOW_CLI_PATH, argv.data());
        _exit(127);
    }
    return pid;
}

}  // namespace

TEST_CASE("cli: train killed mid-run and started again with --backup-dir ends as an uninterrupted run", "[apps]") {
    const fs::path data = minnow::test::mnist_like_folder("cli_resume_data", 2000, 100);
    const fs::path dir = fs::temp_directory_path() / "minnow_test_cli_resume";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::vector<std::string> common{"train", "--data", data.string(), "--epochs", "30", "--batch-size", "16",
                                          "--threads", "2", "--quiet"};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = common;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };

    const pid_t reference = spawn(with({"--out", (dir / "reference.safetensors").string()}));
    int status = 0;
    REQUIRE(waitpid(reference, &status, 0) == reference);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));

    const fs::path backup = dir / "backup";
    const std::vector<std::string> resumable =
        with({"--out", (dir / "resumed.safetensors").string(), "--backup-dir", backup.string()});
    const pid_t victim = spawn(resumable);
    // Kill it once the first epoch's backup exists: somewhere in the epochs after.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!fs::exists(backup / "latest.safetensors") && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(kill(victim, SIGKILL) == 0);
    REQUIRE(waitpid(victim, &status, 0) == victim);
    REQUIRE(WIFSIGNALED(status));  // killed, not finished: the test tests something
    CHECK_FALSE(fs::exists(dir / "resumed.safetensors"));

    const pid_t again = spawn(resumable);
    REQUIRE(waitpid(again, &status, 0) == again);
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(tensors_of(dir / "resumed.safetensors") == tensors_of(dir / "reference.safetensors"));
    CHECK_FALSE(fs::exists(backup / "latest.safetensors"));  // removed once the run finished
}
