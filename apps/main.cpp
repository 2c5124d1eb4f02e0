// The minnow command-line program: picks the subcommand and hands over to it.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include <fmt/format.h>

#include "cli.hpp"
#include "minnow/core/build_info.hpp"
#include "minnow/minnow.hpp"

namespace {

constexpr const char* kUsage = R"(usage: minnow <command> [options]

commands:
  compare    train the same network with and without BatchNormalization, side by side
  lab        test each claim the BatchNormalization tutorials make, with seeds, in one report
  train      train one network and save it
  evaluate   evaluate a saved model on a dataset's test split (loss, accuracy, confusion matrix)
  summary    print a seed network's summary
  version    print the version, the build and the BLAS configuration

`minnow <command> --help` lists a command's options.
)";

}  // namespace

namespace {

int run(const std::string& command, int argc, char** argv) {
    try {
        if (command == "compare") return minnow::cli::run_compare(argc - 1, argv + 1);
        if (command == "lab") return minnow::cli::run_lab(argc - 1, argv + 1);
        if (command == "train") return minnow::cli::run_train(argc - 1, argv + 1);
        if (command == "evaluate") return minnow::cli::run_evaluate(argc - 1, argv + 1);
        if (command == "summary") return minnow::cli::run_summary(argc - 1, argv + 1);
        if (command == "version" || command == "--version") {
            const minnow::BuildInfo& b = minnow::build_info();
            fmt::print("minnow {} ({})\nbuilt with {} {}, {}\nkernels: {}\nthis CPU: {} ({})\n"
                       "OpenBLAS: {}; minnow threads: {}\nMPI: {}\n",
                       b.version, b.git_commit, b.compiler, b.flags, b.build_type, minnow::kernel_path(),
                       minnow::cpu_model(), minnow::cpu_isa(), minnow::blas::config(), minnow::num_threads(),
                       minnow::distributed::available()
                           ? fmt::format("yes; this process is rank {} of {}", minnow::distributed::rank(),
                                         minnow::distributed::size())
                           : std::string("not built in (MINNOW_MPI=OFF or no MPI found)"));
            return 0;
        }
        if (command == "help" || command == "--help" || command == "-h") {
            fmt::print("{}", kUsage);
            return 0;
        }
        fmt::print(stderr, "minnow: unknown command '{}'\n\n{}", command, kUsage);
        return 2;
    } catch (const minnow::cli::UsageError& e) {
        fmt::print(stderr, "minnow {}: {}\n(see `minnow {} --help`)\n", command, e.what(), command);
        return 2;
    } catch (const minnow::Error& e) {
        fmt::print(stderr, "minnow {}: {}\n", command, e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "minnow {}: out of memory (a model, batch or file larger than this machine can hold)\n",
                   command);
        return 1;
    } catch (const std::exception& e) {
        // Anything else is a bug of minnow's: still a message and an exit code, never an abort.
        fmt::print(stderr, "minnow {}: internal error: {}\n", command, e.what());
        return 1;
    } catch (...) {
        fmt::print(stderr, "minnow {}: internal error (an unknown exception)\n", command);
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Under mpirun, one process per rank: only rank 0 prints (errors reach stderr from any), and a
    // rank that fails ends the whole job, which would otherwise wait for it.
    minnow::distributed::init(argc, argv);
    if (!minnow::distributed::is_writer()) (void)std::freopen("/dev/null", "w", stdout);
    const std::string command = argc > 1 ? argv[1] : "help";
    const int code = run(command, argc, argv);
    if (code != 0 && minnow::distributed::size() > 1)
        minnow::distributed::abort(fmt::format("'minnow {}' failed; ending the job", command), code);
    minnow::distributed::finalize();
    return code;
}
