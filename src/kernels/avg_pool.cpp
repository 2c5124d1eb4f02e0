// Average pooling over NHWC windows, forward and backward, one image per task.
#include <algorithm>

#include "kernels/pooling.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

// The window of output (oh, ow) inside the input: rows [h0, h1), columns [w0, w1).
struct Window {
    int64_t h0, h1, w0, w1;
    int64_t count() const { return (h1 - h0) * (w1 - w0); }
};

Window window(const PoolGeometry& g, int64_t oh, int64_t ow) {
    const int64_t h = oh * g.stride_h - g.pad_top, w = ow * g.stride_w - g.pad_left;
    return {std::max<int64_t>(h, 0), std::min(h + g.PH, g.H), std::max<int64_t>(w, 0), std::min(w + g.PW, g.W)};
}

}  // namespace

MINNOW_KERNEL_VARIANT(avg_pool2d_forward)
void avg_pool2d_forward(const float* x, const PoolGeometry& g, float* y) {
    MINNOW_DISPATCH(avg_pool2d_forward, x, g, y);
    const int64_t C = g.C;
    parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
        for (int64_t n = n0; n < n1; ++n)
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    const Window win = window(g, oh, ow);
                    float* out = y + ((n * g.OH + oh) * g.OW + ow) * C;
                    std::fill(out, out + C, 0.0f);
                    for (int64_t h = win.h0; h < win.h1; ++h)
                        for (int64_t w = win.w0; w < win.w1; ++w) {
                            const float* in = x + ((n * g.H + h) * g.W + w) * C;
                            for (int64_t c = 0; c < C; ++c) out[c] += in[c];
                        }
                    const float inv = win.count() > 0 ? 1.0f / float(win.count()) : 0.0f;
                    for (int64_t c = 0; c < C; ++c) out[c] *= inv;
                }
    });
}

MINNOW_KERNEL_VARIANT(avg_pool2d_backward)
void avg_pool2d_backward(const float* dy, const PoolGeometry& g, float* dx) {
    MINNOW_DISPATCH(avg_pool2d_backward, dy, g, dx);
    const int64_t C = g.C;
    // By image: windows of one image may overlap each other, never another image's pixels.
    parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
        for (int64_t n = n0; n < n1; ++n)
            for (int64_t oh = 0; oh < g.OH; ++oh)
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                    const Window win = window(g, oh, ow);
                    if (win.count() == 0) continue;
                    const float inv = 1.0f / float(win.count());
                    const float* grad = dy + ((n * g.OH + oh) * g.OW + ow) * C;
                    for (int64_t h = win.h0; h < win.h1; ++h)
                        for (int64_t w = win.w0; w < win.w1; ++w) {
                            float* d = dx + ((n * g.H + h) * g.W + w) * C;
                            for (int64_t c = 0; c < C; ++c) d[c] += grad[c] * inv;
                        }
                }
    });
}

MINNOW_KERNELS_END
