#pragma once
// Eight floats as one value (GCC/Clang vector extension): AVX registers with -march=native, pairs
// of SSE registers without; and the widest vector the build targets. The helpers are always inlined: see kernels/isa.hpp. Arithmetic on v8 is element-wise; a float operand is broadcast.

#include <cstdint>
#include <cstring>

#include "kernels/isa.hpp"

// Inside a kernels region, like the kernels: in the AVX2 copy the helpers are compiled for AVX2
// too (clang rejects passing a vector to a function compiled without AVX), and each copy has its
// own (kernels/isa.hpp).
MINNOW_KERNELS_BEGIN

typedef float v8 __attribute__((vector_size(32)));

MINNOW_KERNEL_INLINE v8 load8(const float* p) {
    v8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
MINNOW_KERNEL_INLINE void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }

// The widest vector the build targets: 16 floats (one AVX-512 register) where the compiler may use
// AVX-512 (-march=native on such a CPU), else v8. For the kernels whose register tiles scale with
// the width (the implicit-GEMM convolution).
#if defined(__AVX512F__)
typedef float vw __attribute__((vector_size(64)));
#else
typedef v8 vw;
#endif
inline constexpr int kWideLanes = static_cast<int>(sizeof(vw) / sizeof(float));
MINNOW_KERNEL_INLINE vw loadw(const float* p) {
    vw v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
MINNOW_KERNEL_INLINE void storew(float* p, vw v) { std::memcpy(p, &v, sizeof v); }

// 32-bit integer lanes as wide as vw: what its comparisons give.
typedef int32_t vwi __attribute__((vector_size(sizeof(vw))));

// relu_value (kernels/activation.hpp) on each lane: v > 0 ? v : 0, so NaN and -0 give +0. The
// sign test's mask keeps v's bits or none.
MINNOW_KERNEL_INLINE vw relu_lanes(vw v) { return reinterpret_cast<vw>(reinterpret_cast<vwi>(v) & (v > vw{})); }

MINNOW_KERNELS_END
