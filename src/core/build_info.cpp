#include "minnow/core/build_info.hpp"

#include <fstream>

#include "core/build_info_values.hpp"

namespace minnow {

namespace {

std::string compiled_isa() {
    std::string isa;
    auto add = [&](const char* name) { isa += isa.empty() ? name : std::string(" ") + name; };
#if defined(__SSE2__)
    add("SSE2");
#endif
#if defined(__AVX2__)
    add("AVX2");
#endif
#if defined(__FMA__)
    add("FMA");
#endif
#if defined(__AVX512F__)
    add("AVX-512F");
#endif
    return isa.empty() ? "portable" : isa;
}

}  // namespace

const BuildInfo& build_info() {
    static const BuildInfo info{MINNOW_VERSION_STRING, detail::kGitCommit, detail::kCompiler, detail::kCompileFlags,
                                detail::kBuildType,    compiled_isa()};
    return info;
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return "unknown";
}

std::string cpu_isa() {
    std::string isa;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    auto add = [&](bool has, const char* name) {
        if (has) isa += isa.empty() ? name : std::string(" ") + name;
    };
    add(__builtin_cpu_supports("sse2"), "SSE2");
    add(__builtin_cpu_supports("avx2"), "AVX2");
    add(__builtin_cpu_supports("fma"), "FMA");
    add(__builtin_cpu_supports("avx512f"), "AVX-512F");
#endif
    return isa.empty() ? "none known" : isa;
}

}  // namespace minnow
