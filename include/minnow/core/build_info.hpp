#pragma once
/// What this build of minnow is and the machine it runs on: for run manifests and `minnow version`.

#include <string>

#include "minnow/version.hpp"

namespace minnow {

/// How the library was built.
struct BuildInfo {
    std::string version;     ///< MINNOW_VERSION_STRING
    std::string git_commit;  ///< the commit built ("-dirty" when tracked files differed), or "unknown"
    std::string compiler;    ///< compiler name and version
    std::string flags;       ///< the compile flags of the build type, -march included
    std::string build_type;  ///< Release, Debug, ...
    std::string isa;         ///< the instruction sets the kernels were compiled for, e.g. "AVX2 FMA"
};
/// This build's information, read once.
const BuildInfo& build_info();

/// The CPU's model name ("AMD EPYC 7B13"), from /proc/cpuinfo; "unknown" where there is none.
std::string cpu_model();
/// The vector instruction sets the CPU offers among those minnow can use, e.g. "AVX2 FMA AVX-512F".
std::string cpu_isa();

/// The kernels this process runs: "native (...)" in a -march=native build; in a portable x86-64
/// build "avx2+fma" or "portable", chosen at the first kernel call from the CPU, with the reason
/// (the environment variable MINNOW_KERNEL_ISA=portable|avx2 forces one).
std::string kernel_path();

}  // namespace minnow
