#include "cli.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>

#include "minnow/core/parallel.hpp"

namespace minnow::cli {

int64_t int_option(const cxxopts::ParseResult& args, const std::string& name, int64_t min) {
    const std::string text = args[name].as<std::string>();
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min)
        throw UsageError(fmt::format("option --{}: expected an integer >= {}, got '{}'", name, min, text));
    return value;
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

std::string dataset_label(const std::string& dir) {
    namespace fs = std::filesystem;
    fs::path p = fs::path(dir).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    std::string label = p.filename().string();
    if (fs::exists(p / "SUBSET")) label += " (offline subset)";
    return label;
}

void apply_threads(const cxxopts::ParseResult& args) {
    if (args.count("threads")) set_num_threads(static_cast<int>(int_option(args, "threads", 1)));
}

}  // namespace minnow::cli
