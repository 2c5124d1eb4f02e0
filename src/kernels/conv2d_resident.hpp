#pragma once
// The resident-weights kernels of conv1's shape (conv2d_resident.cpp), in builds with AVX2. Declared
// inside a kernels region: each instruction-set copy of the direct kernels calls its own
// (kernels/isa.hpp); the portable copy has none.

#include "kernels/conv2d.hpp"
#include "kernels/isa.hpp"

#if MINNOW_KERNEL_HAS_AVX2

MINNOW_KERNELS_BEGIN

/// Whether the direct forward kernels hand this convolution to the resident-weights ones: a 3x3
/// kernel over one input channel, stride 1, whole vectors of filters.
bool use_resident(const ConvGeometry& g);
/// conv2d_direct_forward's and conv2d_direct_relu_max_pool_forward's results, to the bit.
void conv2d_resident_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y);
void conv2d_resident_relu_max_pool_forward(const float* x, const float* w, const float* b, const ConvGeometry& g,
                                           float* y, uint8_t* window);

MINNOW_KERNELS_END

#endif
