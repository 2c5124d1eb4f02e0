#pragma once
// Shared pieces of the minnow command-line program: option values checked with the option's
// name in the message, and dataset loading.

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <cxxopts.hpp>

#include "minnow/data/idx.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/experiments/manifest.hpp"

namespace minnow::cli {

/// A command-line mistake: printed with the usage, exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The integer value of option `name`, in [min, max] (the range in the message otherwise).
int64_t int_option(const cxxopts::ParseResult& args, const std::string& name, int64_t min,
                   int64_t max = std::numeric_limits<int64_t>::max());
/// The same for an option kept in an int: max is at most INT_MAX, so nothing is narrowed unchecked.
int int_option_int(const cxxopts::ParseResult& args, const std::string& name, int min,
                   int max = std::numeric_limits<int>::max());
/// The positive floating-point value of option `name`.
double positive_option(const cxxopts::ParseResult& args, const std::string& name);
/// The value of option `name`, one of `allowed` (comma-separated in the message).
std::string choice_option(const cxxopts::ParseResult& args, const std::string& name,
                          const std::vector<std::string>& allowed);

/// Parses argv after the subcommand, turning cxxopts' errors into UsageError.
cxxopts::ParseResult parse(cxxopts::Options& options, int argc, char** argv);

/// How a dataset folder was used: its name (last path component), the sample counts, --limit,
/// and whether it holds the offline subset (a SUBSET file).
experiments::DataDescription describe_data(const std::string& dir, const data::ImageFolder& folder, int64_t limit);

/// Every option the command declares with its value, defaults included ("true"/"false" for flags;
/// options with no default and no value are left out), in declaration order; not help or manifest.
std::vector<std::pair<std::string, std::string>> option_values(const cxxopts::Options& options,
                                                               const cxxopts::ParseResult& args);

/// The manifest of a run that starts now: `command`, argv as given, every option, the data files.
experiments::RunManifest start_manifest(const std::string& command, int argc, char** argv,
                                        const cxxopts::Options& options, const cxxopts::ParseResult& args,
                                        const std::string& data_dir);

/// For `--manifest FILE`: the arguments that rerun the manifest's run (its options, each
/// overridden by the same option given explicitly in `args`), after checking the manifest is of
/// `command` and its data files are unchanged. argv[0] is the command's name.
std::vector<std::string> rerun_arguments(const std::string& command, const cxxopts::ParseResult& args);

/// Applies --threads when given (minnow's threads, which also run the GEMMs); otherwise the environment rules.
void apply_threads(const cxxopts::ParseResult& args);

int run_compare(int argc, char** argv);
int run_train(int argc, char** argv);
int run_evaluate(int argc, char** argv);
int run_summary(int argc, char** argv);
int run_lab(int argc, char** argv);

}  // namespace minnow::cli
