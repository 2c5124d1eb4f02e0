#pragma once
// The optimizers' elementwise updates: in a training step of a small network the Adam update of
// every weight is a tenth of the time, so it is a kernel (compiled for AVX2 too, kernels/isa.hpp).

#include <cstdint>

namespace minnow::kernels {

/// Adam's per-step constants.
struct AdamCoefficients {
    float one_minus_b1, one_minus_b2, eps;
    float step_size;       ///< Keras: lr * sqrt(1 - b2^t) / (1 - b1^t); PyTorch: lr / (1 - b1^t)
    float root_b2 = 1.0f;  ///< PyTorch only: sqrt(1 - b2^t), dividing sqrt(v) before epsilon
};

/// For each of the n elements: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
/// w -= step_size * m / (sqrt(v) + eps), or with `pytorch_epsilon` / (sqrt(v) / root_b2 + eps).
/// Element by element, so splitting it across threads does not change a bit of the result.
void adam_update(float* w, float* m, float* v, const float* g, int64_t n, const AdamCoefficients& c,
                 bool pytorch_epsilon);

}  // namespace minnow::kernels
