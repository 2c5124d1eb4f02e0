#include "kernels/isa.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "minnow/core/build_info.hpp"

namespace minnow::kernels {

namespace {

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

// MINNOW_KERNEL_ISA: unset or "auto" (the CPU decides), "portable" or "avx2"; anything else is an
// error in every build, so a typo is not silently ignored.
std::string requested_isa() {
    const char* v = std::getenv("MINNOW_KERNEL_ISA");
    const std::string requested = v == nullptr || *v == '\0' ? "auto" : v;
    if (requested != "auto" && requested != "portable" && requested != "avx2")
        throw std::invalid_argument("MINNOW_KERNEL_ISA: expected auto, portable or avx2, got '" + requested + "'");
    return requested;
}

struct Selection {
    std::atomic<bool> avx2{false};
    std::string why;
};

Selection& selection() {
    static Selection* s = [] {
        auto* sel = new Selection;  // never destroyed: kernels may run from static destructors' threads
        const std::string requested = requested_isa();
        if (!kernel_variants_built()) return sel;
        if (requested == "portable") {
            sel->why = "MINNOW_KERNEL_ISA=portable";
        } else if (!cpu_has_avx2_fma()) {
            if (requested == "avx2")
                throw std::invalid_argument("MINNOW_KERNEL_ISA=avx2: this CPU has no AVX2 and FMA");
            sel->why = "the CPU has no AVX2 and FMA";
        } else {
            sel->avx2 = true;
            sel->why = requested == "avx2" ? "MINNOW_KERNEL_ISA=avx2" : "the CPU has AVX2 and FMA";
        }
        return sel;
    }();
    return *s;
}

}  // namespace

bool kernel_variants_built() {
#if defined(MINNOW_KERNEL_VARIANTS)
    return true;
#else
    return false;
#endif
}

bool kernel_isa_avx2() { return selection().avx2.load(std::memory_order_relaxed); }

void select_kernel_isa(KernelIsa isa) {
    Selection& s = selection();
    if (isa == KernelIsa::avx2 && !kernel_variants_built())
        throw std::invalid_argument("select_kernel_isa: this build has no AVX2 copy of the kernels");
    if (isa == KernelIsa::avx2 && !cpu_has_avx2_fma())
        throw std::invalid_argument("select_kernel_isa: this CPU has no AVX2 and FMA");
    s.avx2 = isa == KernelIsa::avx2;
    s.why = "select_kernel_isa";
}

}  // namespace minnow::kernels

namespace minnow {

std::string kernel_path() {
    if (!kernels::kernel_variants_built()) {
        const std::string isa = build_info().isa;
        const bool native = build_info().flags.find("-march=native") != std::string::npos;
        std::string path = native ? "native (" + isa + ", -march=native at build time)" : "portable (" + isa + ", one copy)";
        if (const std::string requested = kernels::requested_isa(); requested != "auto")
            path += "; MINNOW_KERNEL_ISA=" + requested + " has no effect on a build with one copy";
        return path;
    }
    const auto& s = kernels::selection();
    return (kernels::kernel_isa_avx2() ? "avx2+fma" : "portable") + std::string(" (chosen at run time: ") + s.why + ")";
}

}  // namespace minnow
