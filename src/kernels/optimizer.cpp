#include "kernels/optimizer.hpp"

#include <cmath>

#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// Elements per thread below which one thread updates a whole tensor.
constexpr int64_t kUpdateGrain = 16384;

// Restrict pointers in a function of their own: through a lambda's captures the loop would
// neither vectorize nor keep the coefficients in registers.
template <bool PytorchEpsilon>
void adam_range(float* __restrict w, float* __restrict m, float* __restrict v, const float* __restrict g,
                int64_t begin, int64_t end, const AdamCoefficients c) {
    for (int64_t i = begin; i < end; ++i) {
        m[i] += (g[i] - m[i]) * c.one_minus_b1;
        v[i] += (g[i] * g[i] - v[i]) * c.one_minus_b2;
        const float denom = PytorchEpsilon ? std::sqrt(v[i]) / c.root_b2 + c.eps : std::sqrt(v[i]) + c.eps;
        w[i] -= c.step_size * m[i] / denom;
    }
}

}  // namespace

MINNOW_KERNEL_VARIANT(adam_update)
void adam_update(float* w, float* m, float* v, const float* g, int64_t n, const AdamCoefficients& c,
                 bool pytorch_epsilon) {
    MINNOW_DISPATCH(adam_update, w, m, v, g, n, c, pytorch_epsilon);
    const AdamCoefficients k = c;
    parallel_for(n, kUpdateGrain, [=](int64_t begin, int64_t end) {
        if (pytorch_epsilon)
            adam_range<true>(w, m, v, g, begin, end, k);
        else
            adam_range<false>(w, m, v, g, begin, end, k);
    });
}

MINNOW_KERNELS_END
