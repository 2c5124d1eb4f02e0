#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>

#include "minnow/core/parallel.hpp"
#include "minnow/experiments/manifest.hpp"

namespace minnow::cli {

int64_t int_option(const cxxopts::ParseResult& args, const std::string& name, int64_t min, int64_t max) {
    const std::string text = args[name].as<std::string>();
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::string range = max == std::numeric_limits<int64_t>::max() ? fmt::format(">= {}", min)
                                                                           : fmt::format("in [{}, {}]", min, max);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        throw UsageError(fmt::format("option --{}: expected an integer {}, got '{}'", name, range, text));
    return value;
}

int int_option_int(const cxxopts::ParseResult& args, const std::string& name, int min, int max) {
    return static_cast<int>(int_option(args, name, min, max));
}

double positive_option(const cxxopts::ParseResult& args, const std::string& name) {
    const std::string text = args[name].as<std::string>();
    size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !(value > 0) || !std::isfinite(value))
        throw UsageError(fmt::format("option --{}: expected a positive number, got '{}'", name, text));
    return value;
}

std::string choice_option(const cxxopts::ParseResult& args, const std::string& name,
                          const std::vector<std::string>& allowed) {
    const std::string value = args[name].as<std::string>();
    for (const auto& a : allowed)
        if (a == value) return value;
    throw UsageError(fmt::format("option --{}: expected one of {}, got '{}'", name, fmt::join(allowed, ", "), value));
}

cxxopts::ParseResult parse(cxxopts::Options& options, int argc, char** argv) {
    try {
        return options.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& e) {
        throw UsageError(e.what());
    }
}

experiments::DataDescription describe_data(const std::string& dir, const data::ImageFolder& folder, int64_t limit) {
    namespace fs = std::filesystem;
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    return {.name = p.filename().string(),
            .train_samples = folder.train->size(),
            .test_samples = folder.test->size(),
            .limit = limit,
            .subset = fs::exists(p / "SUBSET")};
}

std::vector<std::pair<std::string, std::string>> option_values(const cxxopts::Options& options,
                                                               const cxxopts::ParseResult& args) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& group : options.groups())
        for (const auto& o : options.group_help(group).options) {
            const std::string name = o.l.empty() ? o.s : o.l.back();
            if (name == "help" || name == "manifest") continue;
            if (o.is_boolean) {
                out.emplace_back(name, args.count(name) ? "true" : "false");
            } else if (args.count(name) || o.has_default) {
                out.emplace_back(name, args[name].as<std::string>());
            }
        }
    return out;
}

experiments::RunManifest start_manifest(const std::string& command, int argc, char** argv,
                                        const cxxopts::Options& options, const cxxopts::ParseResult& args,
                                        const std::string& data_dir) {
    experiments::RunManifest m;
    m.command = command;
    m.command_line.emplace_back("minnow");
    for (int i = 0; i < argc; ++i) m.command_line.emplace_back(argv[i]);
    m.options = option_values(options, args);
    m.data_files = experiments::dataset_files(data_dir);
    m.started = experiments::utc_now();
    return m;
}

std::vector<std::string> rerun_arguments(const std::string& command, const cxxopts::ParseResult& args) {
    const std::string path = args["manifest"].as<std::string>();
    const experiments::RunManifest m = experiments::read_manifest(path);
    if (m.command != command)
        throw UsageError(fmt::format("option --manifest: {} is a manifest of `minnow {}`, not of `minnow {}`", path,
                                     m.command, command));
    experiments::check_data_files(m);
    std::vector<std::pair<std::string, std::string>> merged = m.options;
    for (const auto& kv : args.arguments()) {
        if (kv.key() == "manifest") continue;
        bool replaced = false;
        for (auto& [name, value] : merged)
            if (name == kv.key()) value = kv.value(), replaced = true;
        if (!replaced) merged.emplace_back(kv.key(), kv.value());
    }
    // The recorded thread count, unless the manifest's options or this command line set one:
    // results are identical at one thread count, not across them.
    const bool threads_set = std::any_of(merged.begin(), merged.end(), [](const auto& kv) { return kv.first == "threads"; });
    if (!threads_set && m.threads > 0) merged.emplace_back("threads", std::to_string(m.threads));
    std::vector<std::string> argv{command};
    for (const auto& [name, value] : merged) {
        if (value == "false") continue;  // a flag not given
        argv.push_back(value == "true" ? "--" + name : "--" + name + "=" + value);
    }
    return argv;
}

void apply_threads(const cxxopts::ParseResult& args) {
    if (args.count("threads")) set_num_threads(int_option_int(args, "threads", 1, kMaxThreads));
}

}  // namespace minnow::cli
