#pragma once
// 2-D max pooling on NHWC tensors; the gradient goes to the position of each window's maximum.

#include <cstdint>

namespace minnow::kernels {

/// Input (N, H, W, C), window (PH, PW), output (N, OH, OW, C). Windows that hang over the
/// padding ("same") only look at the real pixels.
struct PoolGeometry {
    int64_t N, H, W, C, PH, PW, OH, OW, stride_h, stride_w, pad_top, pad_left;
};

/// y = window maxima; argmax[i] = flat input index of output i's maximum (the first on ties).
void max_pool2d_forward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax);
/// dx[argmax[i]] += dy[i]. `disjoint`: no two windows overlap (strides >= pool), so the scatter
/// can be split across threads.
void max_pool2d_backward(const float* dy, const int32_t* argmax, int64_t out_count, float* dx, bool disjoint);
/// The same gradient written (=) into an uninitialized dx of the input's size, every element.
void max_pool2d_backward_assign(const float* dy, const int32_t* argmax, const PoolGeometry& g, float* dx);

}  // namespace minnow::kernels
