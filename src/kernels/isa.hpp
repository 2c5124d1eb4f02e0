#pragma once
// Kernels for two instruction sets in one portable build. A package cannot build with
// -march=native, yet most CPUs it runs on have AVX2 and FMA. With MINNOW_KERNEL_VARIANTS (a
// portable build on x86-64) CMake compiles each dispatched kernel source twice: once as it is,
// in minnow::kernels, and once with MINNOW_KERNEL_COPY_AVX2, in minnow::kernels::avx2 with AVX2
// and FMA code generation switched on for the functions between MINNOW_KERNELS_BEGIN and
// MINNOW_KERNELS_END. Each public kernel of such a source is preceded by MINNOW_KERNEL_VARIANT(name)
// and begins with MINNOW_DISPATCH(name, its arguments): in the first copy that calls the second
// when the process runs the AVX2 kernels (kernel_isa_avx2()).
//
// The target switch is a pragma, not a compiler flag, so that the standard library's inline
// functions and templates (included before MINNOW_KERNELS_BEGIN) keep portable code: a copy
// compiled with -mavx2 could be the one the linker keeps for the whole program. For the same reason
// helpers in kernel headers are either always inlined (MINNOW_KERNEL_INLINE) or defined inside their
// own BEGIN/END region.
//
// A build with -march=native, or not on x86-64, has one copy and no dispatch.

namespace minnow::kernels {

enum class KernelIsa { portable, avx2 };

/// True when the dispatched kernels run their AVX2 + FMA copy (chosen once from the CPU and
/// MINNOW_KERNEL_ISA; see select_kernel_isa).
bool kernel_isa_avx2();

/// Runs the given copy from now on (tests compare the two). Throws std::invalid_argument when this
/// build has no such copy or the CPU cannot run it.
void select_kernel_isa(KernelIsa isa);

/// Whether this build holds the AVX2 copy at all.
bool kernel_variants_built();

}  // namespace minnow::kernels

#define MINNOW_KERNEL_INLINE [[gnu::always_inline]] inline

// Before a loop whose iterations never touch one another's data, which GCC cannot prove. Nothing for
// clang: it warns on GCC's ivdep, and its own assume_safety warns wherever it then does not
// vectorize (any -O1 build).
#if defined(__clang__)
#define MINNOW_LOOP_INDEPENDENT
#else
#define MINNOW_LOOP_INDEPENDENT _Pragma("GCC ivdep")
#endif

// Whether the code being compiled may use AVX2 and FMA: the AVX2 copy, or a build whose flags
// allow them. (The target pragma does not define __AVX2__ for the preprocessor.)
#if defined(MINNOW_KERNEL_COPY_AVX2) || (defined(__AVX2__) && defined(__FMA__))
#define MINNOW_KERNEL_HAS_AVX2 1
#else
#define MINNOW_KERNEL_HAS_AVX2 0
#endif

#if defined(MINNOW_KERNEL_COPY_AVX2)
#if defined(__clang__)
#define MINNOW_KERNELS_BEGIN                                                                            \
    _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)") \
        namespace minnow::kernels::avx2 {
#define MINNOW_KERNELS_END \
    }                      \
    _Pragma("clang attribute pop")
#else
#define MINNOW_KERNELS_BEGIN \
    _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")") namespace minnow::kernels::avx2 {
#define MINNOW_KERNELS_END \
    }                      \
    _Pragma("GCC pop_options")
#endif
#define MINNOW_KERNEL_VARIANT(name)
#define MINNOW_DISPATCH(name, ...)
#elif defined(MINNOW_KERNEL_VARIANTS)
#define MINNOW_KERNELS_BEGIN namespace minnow::kernels {
#define MINNOW_KERNELS_END }
#define MINNOW_KERNEL_VARIANT(name) \
    namespace avx2 {                \
    decltype(::minnow::kernels::name) name;  \
    }
#define MINNOW_DISPATCH(name, ...) \
    if (::minnow::kernels::kernel_isa_avx2()) return avx2::name(__VA_ARGS__)
#else
#define MINNOW_KERNELS_BEGIN namespace minnow::kernels {
#define MINNOW_KERNELS_END }
#define MINNOW_KERNEL_VARIANT(name)
#define MINNOW_DISPATCH(name, ...)
#endif
