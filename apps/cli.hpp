#pragma once
// Shared pieces of the minnow command-line program: option values checked with the option's
// name in the message, and dataset loading.

#include <cstdint>
#include <string>

#include <cxxopts.hpp>

#include "minnow/data/idx.hpp"

namespace minnow::cli {

/// A command-line mistake: printed with the usage, exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The integer value of option `name`, at least `min`.
int64_t int_option(const cxxopts::ParseResult& args, const std::string& name, int64_t min);
/// The positive floating-point value of option `name`.
double positive_option(const cxxopts::ParseResult& args, const std::string& name);
/// The value of option `name`, one of `allowed` (comma-separated in the message).
std::string choice_option(const cxxopts::ParseResult& args, const std::string& name,
                          const std::vector<std::string>& allowed);

/// Parses argv after the subcommand, turning cxxopts' errors into UsageError.
cxxopts::ParseResult parse(cxxopts::Options& options, int argc, char** argv);

/// A dataset folder's name for titles: its last path component, marked when it is the offline subset.
std::string dataset_label(const std::string& dir);

/// Applies --threads when given (minnow's threads, which also run the GEMMs); otherwise the environment rules.
void apply_threads(const cxxopts::ParseResult& args);

int run_compare(int argc, char** argv);
int run_train(int argc, char** argv);
int run_evaluate(int argc, char** argv);
int run_summary(int argc, char** argv);

}  // namespace minnow::cli
