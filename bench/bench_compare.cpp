// The libtorch reference program (../shared/bench/libtorch/train.cpp), run as a child process on
// the same workloads in the same invocation, so minnow's figures can be read as ratios.
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench.hpp"
#include "child_process.hpp"

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

// "0.5,0.25" -> {0.5, 0.25}; the reference prints one value per epoch.
std::vector<double> comma_list(const std::string& text) {
    std::vector<double> values;
    std::istringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) values.push_back(std::stod(item));
    if (values.empty()) throw std::runtime_error("the libtorch reference printed an empty list");
    return values;
}

}  // namespace

nlohmann::json run_libtorch(const std::string& program, const WorkloadSpec& spec) {
    // torch's best setting (../shared/bench/README.md): its own threads, OpenBLAS single-threaded.
    const ChildResult child = run_child({program, "--model", spec.model, "--bn", std::to_string(spec.bn), "--threads",
                                         std::to_string(spec.threads), "--epochs", std::to_string(spec.epochs),
                                         "--data", spec.data_dir},
                                        {"OPENBLAS_NUM_THREADS=1"});
    const auto fields = result_fields(child.output);
    if (!child.ok || fields.empty())
        throw std::runtime_error(fmt::format("the libtorch reference failed:\n{}", child.output));
    return {{"workload", fmt::format("{}-{}", spec.model == "mlp" ? "W1" : "W2", spec.bn ? "BN" : "noBN")},
            {"model", spec.model},
            {"bn", spec.bn},
            {"threads", spec.threads},
            {"epoch_seconds", comma_list(fields.at("epoch_s"))},
            {"train_seconds_per_epoch", std::stod(fields.at("steady_s"))},
            {"inference_samples_per_second", std::stod(fields.at("infer_sps"))},
            {"peak_rss_mb", child.peak_rss_mb},
            {"test_accuracy", comma_list(fields.at("acc")).back()}};
}

}  // namespace minnow::bench
