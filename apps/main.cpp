// The minnow command-line program: parses a subcommand and hands over to the library.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "minnow/minnow.hpp"

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "help";
    try {
        if (command == "version" || command == "--version") {
            fmt::print("minnow 0.1.0\nOpenBLAS: {}\n", minnow::blas::config());
            return 0;
        }
        fmt::print("usage: minnow <command> [options]\n\ncommands:\n  version   print the version and BLAS configuration\n");
        return command == "help" || command == "--help" ? 0 : 2;
    } catch (const minnow::Error& e) {
        fmt::print(stderr, "minnow: {}\n", e.what());
        return 1;
    }
}
