#pragma once
// Eight floats as one value (GCC/Clang vector extension): AVX registers with -march=native, pairs
// of SSE registers without. The helpers are always inlined: see kernels/isa.hpp. Arithmetic on v8 is element-wise; a float operand is broadcast.

#include <cstring>

#include "kernels/isa.hpp"

namespace minnow::kernels {

typedef float v8 __attribute__((vector_size(32)));

MINNOW_KERNEL_INLINE v8 load8(const float* p) {
    v8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
MINNOW_KERNEL_INLINE void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace minnow::kernels
