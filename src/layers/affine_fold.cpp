#include "layers/affine_fold.hpp"

#include "minnow/core/error.hpp"

namespace minnow::detail {

std::shared_ptr<Layer> with_folded_weights(std::shared_ptr<Layer> copy, const Shape& input_shape,
                                           const Variable& kernel, const Variable& bias, const Tensor& scale,
                                           const Tensor& shift) {
    const Tensor& w = kernel.value();
    const int64_t K = scale.numel();
    MINNOW_CHECK(w.dim(-1) == K, ShapeError, "fold: kernel {} for {} output channels", w.shape(), K);
    Tensor folded_kernel(w.shape());
    for (int64_t i = 0; i < w.numel(); ++i) folded_kernel.data()[i] = w.data()[i] * scale.data()[i % K];
    Tensor folded_bias(scale.shape());
    for (int64_t k = 0; k < K; ++k) {
        const float b = bias.defined() ? bias.value().data()[k] : 0.0f;
        folded_bias.data()[k] = b * scale.data()[k] + shift.data()[k];
    }
    copy->ensure_built(input_shape);
    copy->set_weights({std::move(folded_kernel), std::move(folded_bias)});
    return copy;
}

}  // namespace minnow::detail
