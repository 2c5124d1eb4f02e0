#pragma once
/// Run manifests: what a run was (program, build, machine, options, data) written beside its
/// outputs as manifest.json, so it can be understood, compared and run again.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace minnow::experiments {

/// A data file a run read.
struct DataFile {
    std::string path;   ///< as given
    int64_t bytes = 0;  ///< its size
    std::string md5;    ///< of its bytes as stored (compressed, for a .gz)
};

/// One run's manifest. The environment (minnow version and commit, compiler and flags, CPU model,
/// the ISA compiled for and the CPU's, BLAS configuration and core type, thread counts) is read
/// when it is written.
struct RunManifest {
    std::string command;                                       ///< "compare", "train", "lab", ...
    std::vector<std::string> command_line;                     ///< argv, exactly as given
    std::vector<std::pair<std::string, std::string>> options;  ///< every option with its value, defaults included
    std::vector<DataFile> data_files;                          ///< every data file read
    std::string started;   ///< UTC, ISO 8601
    std::string finished;  ///< empty while the run is going
    /// The thread count the run had (read back from the environment section; 0 if absent). A rerun
    /// uses it: products can differ in the last bits between thread counts.
    int threads = 0;
};

/// The current time in UTC as ISO 8601 ("2026-12-01T20:15:04Z").
std::string utc_now();

/// The four IDX files of a dataset folder (as load_image_folder finds them), with sizes and MD5.
std::vector<DataFile> dataset_files(const std::string& dir);

/// The manifest as JSON text, environment included.
std::string manifest_json(const RunManifest& manifest);
/// Writes `dir`/manifest.json atomically.
void write_manifest(const RunManifest& manifest, const std::string& dir);
/// Writes the manifest to `path` atomically (for runs whose output is a file, not a folder).
void write_manifest_file(const RunManifest& manifest, const std::string& path);
/// Reads a manifest written by write_manifest (command, command line, options, data files and
/// times; the environment is not read back). IoError naming the file and the problem otherwise.
RunManifest read_manifest(const std::string& path);

/// The value of `name` in the manifest's options, or empty.
std::string option_value(const RunManifest& manifest, const std::string& name);

/// Checks that every data file the manifest names still has its recorded size and MD5: IoError
/// naming the file, the recorded and the current values otherwise.
void check_data_files(const RunManifest& manifest);

}  // namespace minnow::experiments
