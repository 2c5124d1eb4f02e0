#include "minnow/core/distributed.hpp"
#include "minnow/experiments/manifest.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "minnow/core/build_info.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/io/md5.hpp"
#include "minnow/io/safetensors.hpp"
#include "minnow/tensor/blas.hpp"

namespace minnow::experiments {

namespace fs = std::filesystem;

std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<DataFile> dataset_files(const std::string& dir) {
    std::vector<DataFile> files;
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"})
        for (const std::string& candidate : {std::string(name), std::string(name) + ".gz"}) {
            const fs::path p = fs::path(dir) / candidate;
            if (!fs::is_regular_file(p)) continue;
            files.push_back({p.string(), static_cast<int64_t>(fs::file_size(p)), io::md5_file(p.string())});
            break;
        }
    return files;
}

std::string manifest_json(const RunManifest& m) {
    const BuildInfo& build = build_info();
    nlohmann::ordered_json j;
    j["command"] = m.command;
    j["command_line"] = m.command_line;
    nlohmann::ordered_json options = nlohmann::ordered_json::object();
    for (const auto& [name, value] : m.options) options[name] = value;
    j["options"] = options;
    j["data_files"] = nlohmann::json::array();
    for (const DataFile& f : m.data_files) j["data_files"].push_back({{"path", f.path}, {"bytes", f.bytes}, {"md5", f.md5}});
    j["started"] = m.started;
    j["finished"] = m.finished.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m.finished);
    j["minnow"] = {{"version", build.version}, {"git_commit", build.git_commit}};
    j["build"] = {{"compiler", build.compiler}, {"flags", build.flags}, {"build_type", build.build_type},
                  {"kernels_compiled_for", build.isa}, {"kernels_running", kernel_path()}};
    j["machine"] = {{"cpu", cpu_model()}, {"cpu_isa", cpu_isa()}};
    j["blas"] = {{"config", blas::config()}, {"threads_per_gemm_block", blas::num_threads()}};
    j["threads"] = num_threads();
    return j.dump(2) + "\n";
}

void write_manifest(const RunManifest& manifest, const std::string& dir) {
    if (!distributed::is_writer()) return;  // in an MPI job, rank 0 writes
    write_manifest_file(manifest, (fs::path(dir) / "manifest.json").string());
}

void write_manifest_file(const RunManifest& manifest, const std::string& path) {
    if (!distributed::is_writer()) return;  // in an MPI job, rank 0 writes
    io::write_file_atomic(path, manifest_json(manifest));
}

RunManifest read_manifest(const std::string& path) {
    MINNOW_CHECK(fs::is_regular_file(path), IoError, "{}: no such manifest file", path);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    RunManifest m;
    try {
        const nlohmann::json j = nlohmann::json::parse(text.str());
        m.command = j.at("command").get<std::string>();
        m.command_line = j.at("command_line").get<std::vector<std::string>>();
        for (const auto& [name, value] : j.at("options").items()) m.options.emplace_back(name, value.get<std::string>());
        for (const auto& f : j.at("data_files"))
            m.data_files.push_back({f.at("path").get<std::string>(), f.at("bytes").get<int64_t>(),
                                    f.at("md5").get<std::string>()});
        m.started = j.value("started", std::string());
        m.finished = j.at("finished").is_string() ? j.at("finished").get<std::string>() : std::string();
        m.threads = j.value("threads", 0);
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: not a minnow run manifest: {}", path, e.what()));
    }
    return m;
}

std::string option_value(const RunManifest& manifest, const std::string& name) {
    for (const auto& [key, value] : manifest.options)
        if (key == name) return value;
    return {};
}

void check_data_files(const RunManifest& manifest) {
    for (const DataFile& f : manifest.data_files) {
        MINNOW_CHECK(fs::is_regular_file(f.path), IoError, "{}: the manifest's data file is missing", f.path);
        const auto bytes = static_cast<int64_t>(fs::file_size(f.path));
        MINNOW_CHECK(bytes == f.bytes, IoError, "{}: {} bytes now, the manifest recorded {}", f.path, bytes, f.bytes);
        const std::string md5 = io::md5_file(f.path);
        MINNOW_CHECK(md5 == f.md5, IoError, "{}: MD5 {} now, the manifest recorded {}", f.path, md5, f.md5);
    }
}

}  // namespace minnow::experiments
