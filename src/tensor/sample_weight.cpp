#include "minnow/tensor/sample_weight.hpp"

#include <cmath>

#include "minnow/core/error.hpp"

namespace minnow {

const float* check_sample_weight(const char* who, const Tensor& sample_weight, int64_t rows) {
    if (!sample_weight.defined()) return nullptr;
    const bool shape_ok = (sample_weight.rank() == 1 && sample_weight.dim(0) == rows) ||
                          (sample_weight.rank() == 2 && sample_weight.dim(0) == rows && sample_weight.dim(1) == 1);
    MINNOW_CHECK(shape_ok, ShapeError, "{}: expected sample_weight of shape ({},) or ({}, 1), got {}", who, rows, rows,
                 sample_weight.shape());
    for (int64_t i = 0; i < rows; ++i)
        MINNOW_CHECK(std::isfinite(sample_weight.data()[i]), ValueError, "{}: sample_weight {} at index {} is not finite",
                     who, sample_weight.data()[i], i);
    return sample_weight.data();
}

}  // namespace minnow
