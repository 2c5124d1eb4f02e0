#pragma once
// The lab's files: each run's result.json and manifest.json under out/runs/, and results.json.

#include <string>

#include <nlohmann/json.hpp>

#include "minnow/experiments/lab.hpp"

namespace minnow::experiments::detail {

/// out/runs/<claim>/<point>/<arm>/<seed>, each part reduced to letters, digits and ._=- .
std::string run_folder(const std::string& out, const RunSpec& spec);

nlohmann::ordered_json spec_json(const RunSpec& spec);
RunSpec spec_from_json(const nlohmann::json& j);
nlohmann::ordered_json run_json(const RunResult& run);
RunResult run_from_json(const nlohmann::json& j);

/// Writes the run's result.json and manifest.json (atomically; result.json last, so its
/// presence means the run finished).
void write_run(const RunResult& run, const std::string& out, const LabOptions& options);
/// Reads a result.json; IoError naming the file otherwise.
RunResult read_run_result(const std::string& path);

}  // namespace minnow::experiments::detail
