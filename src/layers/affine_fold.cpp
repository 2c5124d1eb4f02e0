#include "layers/affine_fold.hpp"

#include "minnow/core/error.hpp"

namespace minnow::detail {

Tensor fold_kernel(const Tensor& kernel, const Tensor& scale) {
    const int64_t K = scale.numel();
    MINNOW_CHECK(kernel.dim(-1) == K, ShapeError, "fold: kernel {} for {} output channels", kernel.shape(), K);
    Tensor out(kernel.shape());
    for (int64_t i = 0; i < kernel.numel(); ++i) out.data()[i] = kernel.data()[i] * scale.data()[i % K];
    return out;
}

Tensor fold_bias(const Variable& bias, const Tensor& scale, const Tensor& shift) {
    Tensor out(scale.shape());
    for (int64_t k = 0; k < scale.numel(); ++k) {
        const float b = bias.defined() ? bias.value().data()[k] : 0.0f;
        out.data()[k] = b * scale.data()[k] + shift.data()[k];
    }
    return out;
}

}  // namespace minnow::detail
