#pragma once
// Eight floats as one value (GCC/Clang vector extension): AVX registers with -march=native, pairs
// of SSE registers without. Arithmetic on v8 is element-wise; a float operand is broadcast.

#include <cstring>

namespace minnow::kernels {

typedef float v8 __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
    v8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace minnow::kernels
