#pragma once
// 2-D max pooling on NHWC tensors; the gradient goes to the position of each window's maximum.

#include <cstdint>

#include "kernels/isa.hpp"
#include "minnow/core/parallel.hpp"

namespace minnow::kernels {

/// Input (N, H, W, C), window (PH, PW), output (N, OH, OW, C). Windows that hang over the
/// padding ("same") only look at the real pixels.
struct PoolGeometry {
    int64_t N, H, W, C, PH, PW, OH, OW, stride_h, stride_w, pad_top, pad_left;

    /// 2x2 windows, stride 2, no padding: an odd last row or column is in no window.
    static PoolGeometry two_by_two(int64_t N, int64_t H, int64_t W, int64_t C) {
        return {.N = N, .H = H, .W = W, .C = C, .PH = 2, .PW = 2, .OH = H / 2, .OW = W / 2, .stride_h = 2,
                .stride_w = 2, .pad_top = 0, .pad_left = 0};
    }
};

/// Output elements a thread scatters gradients to, at least, before the scatter is split.
inline constexpr int64_t kScatterGrain = 1 << 15;

}  // namespace minnow::kernels

// In the AVX2 copy of a kernel source this template, its loop included, is AVX2 code too.
MINNOW_KERNELS_BEGIN

/// The common case (2x2 windows, stride 2, no padding), branch-free so it vectorizes over C: for
/// each window, y = the maximum of value(i, c) over its four input positions i (flat NHWC indices
/// of channel c) and argmax = the first position holding it. `value` reads the input, or computes
/// it (the fused BatchNormalization -> ReLU -> pooling op).
template <class Value>
void max_pool_2x2(const PoolGeometry& g, Value value, float* y, int32_t* argmax) {
    const int64_t C = g.C, row = g.W * C;
    parallel_for(g.N * g.OH, 8, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t n = r / g.OH, oh = r % g.OH;
                const int64_t base = ((n * g.H + 2 * oh) * g.W + 2 * ow) * C;
                float* __restrict out = y + (r * g.OW + ow) * C;
                int32_t* __restrict arg = argmax + (r * g.OW + ow) * C;
                for (int64_t c = 0; c < C; ++c) {
                    const float v1 = value(base + C + c, c), v2 = value(base + row + c, c);
                    const float v3 = value(base + row + C + c, c);
                    float m = value(base + c, c);
                    int32_t at = static_cast<int32_t>(base + c);
                    at = v1 > m ? static_cast<int32_t>(base + C + c) : at;
                    m = v1 > m ? v1 : m;
                    at = v2 > m ? static_cast<int32_t>(base + row + c) : at;
                    m = v2 > m ? v2 : m;
                    at = v3 > m ? static_cast<int32_t>(base + row + C + c) : at;
                    m = v3 > m ? v3 : m;
                    out[c] = m;
                    arg[c] = at;
                }
            }
    });
}

MINNOW_KERNELS_END

namespace minnow::kernels {

/// y = window maxima; argmax[i] = flat input index of output i's maximum (the first on ties).
void max_pool2d_forward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax);
/// dx[argmax[i]] += dy[i]. `disjoint`: no two windows overlap (strides >= pool), so the scatter
/// can be split across threads.
void max_pool2d_backward(const float* dy, const int32_t* argmax, int64_t out_count, float* dx, bool disjoint);
/// The same gradient written (=) into an uninitialized dx of the input's size, every element.
void max_pool2d_backward_assign(const float* dy, const int32_t* argmax, const PoolGeometry& g, float* dx);

/// y = the mean of each window's values inside the input: a window over "same" padding averages
/// only its real pixels, as TensorFlow (so Keras) does.
void avg_pool2d_forward(const float* x, const PoolGeometry& g, float* y);
/// dx += each window's dy / (its count of real pixels), spread over those pixels.
void avg_pool2d_backward(const float* dy, const PoolGeometry& g, float* dx);

/// max_pool2d(relu(x)) for 2x2 windows, stride 2, no padding, without writing relu(x): the same
/// values and argmax (the first position of each window's maximum after the ReLU).
void relu_max_pool_2x2_forward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax);
/// Its gradient: dy to each window's argmax where x > 0 there. `assign`: write every element of an
/// uninitialized dx of the input's size; otherwise add into dx.
void relu_max_pool_2x2_backward(const float* x, const float* dy, const int32_t* argmax, const PoolGeometry& g,
                                float* dx, bool assign);

}  // namespace minnow::kernels
