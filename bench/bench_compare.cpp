// The libtorch reference program (../shared/bench/libtorch/train.cpp), run as a child process on
// the same workloads in the same invocation, so minnow's figures can be read as ratios.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench.hpp"

extern char** environ;

namespace minnow::bench {

namespace {

// Reads "key=value" fields from the reference's RESULT line.
std::map<std::string, std::string> result_fields(const std::string& output) {
    std::map<std::string, std::string> fields;
    const size_t at = output.rfind("RESULT ");
    if (at == std::string::npos) return fields;
    std::istringstream line(output.substr(at + 7, output.find('\n', at) - at - 7));
    std::string token;
    while (line >> token) {
        const size_t eq = token.find('=');
        if (eq != std::string::npos) fields[token.substr(0, eq)] = token.substr(eq + 1);
    }
    return fields;
}

}  // namespace

nlohmann::json run_libtorch(const std::string& program, const WorkloadSpec& spec) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args{program, "--model", spec.model, "--bn", std::to_string(spec.bn), "--threads",
                                  std::to_string(spec.threads), "--epochs", std::to_string(spec.epochs), "--data",
                                  spec.data_dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // torch's best setting (../shared/bench/README.md): its own threads, OpenBLAS single-threaded.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::string(*e).rfind("OPENBLAS_NUM_THREADS=", 0) != 0) env_strings.emplace_back(*e);
    env_strings.emplace_back("OPENBLAS_NUM_THREADS=1");
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot run {}", program));
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    const auto fields = result_fields(text);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || fields.empty())
        throw std::runtime_error(fmt::format("the libtorch reference failed:\n{}", text));
    return {{"workload", fmt::format("{}-{}", spec.model == "mlp" ? "W1" : "W2", spec.bn ? "BN" : "noBN")},
            {"threads", spec.threads},
            {"train_seconds_per_epoch", std::stod(fields.at("steady_s"))},
            {"inference_samples_per_second", std::stod(fields.at("infer_sps"))},
            {"peak_rss_mb", double(usage.ru_maxrss) / 1024.0},
            {"test_accuracy", fields.at("acc")}};
}

}  // namespace minnow::bench
