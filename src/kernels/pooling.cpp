#include "kernels/pooling.hpp"

#include <algorithm>
#include <limits>

#include "kernels/activation.hpp"
#include "minnow/core/parallel.hpp"
#include "kernels/isa.hpp"

MINNOW_KERNELS_BEGIN

namespace {

bool is_plain_2x2(const PoolGeometry& g) {
    return g.PH == 2 && g.PW == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_top == 0 && g.pad_left == 0 &&
           g.OH * 2 <= g.H && g.OW * 2 <= g.W;
}

// One window row's gradient for C channels: dy where the maximum was (and, with Relu, where the
// ReLU's input x was positive), zero elsewhere. Restrict pointers in a function of their own: in
// the lambda below the Relu loop would not vectorize.
template <bool Relu>
void window_gradient(const int32_t* __restrict arg, const float* __restrict dy, int32_t position,
                     const float* __restrict x, float* __restrict dx, int32_t C) {
    for (int32_t c = 0; c < C; ++c) {
        const float d = arg[c] == position + c ? dy[c] : 0.0f;
        if constexpr (Relu) dx[c] = relu_gradient(x[c], d);
        else dx[c] = d;
    }
}

// Writes every input pixel's gradient once: each window's four pixels, then zeros for the odd last
// row and column no window covers. With Relu, the gradient of max_pool2d(relu(x)).
template <bool Relu>
void max_pool_2x2_backward_assign(const float* dy, const int32_t* argmax, const PoolGeometry& g, float* dx,
                                  const float* relu_input) {
    const int64_t C = g.C, row = g.W * C;
    parallel_for(g.N * g.OH, 8, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / g.OH, oh = r % g.OH;
            const int64_t top = (n * g.H + 2 * oh) * g.W * C;
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t o = (r * g.OW + ow) * C;
                for (const int64_t at : {top + 2 * ow * C, top + 2 * ow * C + C, top + 2 * ow * C + row,
                                         top + 2 * ow * C + row + C})
                    window_gradient<Relu>(argmax + o, dy + o, static_cast<int32_t>(at),
                                          Relu ? relu_input + at : nullptr, dx + at, static_cast<int32_t>(C));
            }
            for (int64_t h = 2 * oh; h < 2 * oh + 2; ++h)  // the odd last column
                std::fill(dx + (n * g.H + h) * row + 2 * g.OW * C, dx + (n * g.H + h + 1) * row, 0.0f);
            if (oh == g.OH - 1)  // rows below the last window
                std::fill(dx + (n * g.H + 2 * g.OH) * row, dx + (n + 1) * g.H * row, 0.0f);
        }
    });
}

}  // namespace

MINNOW_KERNEL_VARIANT(max_pool2d_backward_assign)
void max_pool2d_backward_assign(const float* dy, const int32_t* argmax, const PoolGeometry& g, float* dx) {
    MINNOW_DISPATCH(max_pool2d_backward_assign, dy, argmax, g, dx);
    if (is_plain_2x2(g)) {
        max_pool_2x2_backward_assign<false>(dy, argmax, g, dx, nullptr);
        return;
    }
    std::fill(dx, dx + g.N * g.H * g.W * g.C, 0.0f);
    max_pool2d_backward(dy, argmax, g.N * g.OH * g.OW * g.C, dx, g.stride_h >= g.PH && g.stride_w >= g.PW);
}

MINNOW_KERNEL_VARIANT(max_pool2d_forward)
void max_pool2d_forward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax) {
    MINNOW_DISPATCH(max_pool2d_forward, x, g, y, argmax);
    if (is_plain_2x2(g)) {
        max_pool_2x2(g, [x](int64_t i, int64_t) { return x[i]; }, y, argmax);
        return;
    }
    const int64_t C = g.C;
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t h0 = std::max<int64_t>(oh * g.stride_h - g.pad_top, 0);
            const int64_t h1 = std::min(oh * g.stride_h - g.pad_top + g.PH, g.H);
            for (int64_t ow = 0; ow < g.OW; ++ow) {
                const int64_t w0 = std::max<int64_t>(ow * g.stride_w - g.pad_left, 0);
                const int64_t w1 = std::min(ow * g.stride_w - g.pad_left + g.PW, g.W);
                float* out = y + ((n * g.OH + oh) * g.OW + ow) * C;
                int32_t* arg = argmax + ((n * g.OH + oh) * g.OW + ow) * C;
                std::fill(out, out + C, -std::numeric_limits<float>::infinity());
                // Channel-innermost: each pixel of the window is one contiguous run of C floats.
                for (int64_t h = h0; h < h1; ++h)
                    for (int64_t w = w0; w < w1; ++w) {
                        const int64_t base = ((n * g.H + h) * g.W + w) * C;
                        for (int64_t c = 0; c < C; ++c)
                            if (x[base + c] > out[c] || (h == h0 && w == w0)) {
                                out[c] = x[base + c];
                                arg[c] = static_cast<int32_t>(base + c);
                            }
                    }
            }
        }
}

MINNOW_KERNEL_VARIANT(max_pool2d_backward)
void max_pool2d_backward(const float* dy, const int32_t* argmax, int64_t out_count, float* dx, bool disjoint) {
    MINNOW_DISPATCH(max_pool2d_backward, dy, argmax, out_count, dx, disjoint);
    // Windows that do not overlap send their gradients to distinct inputs: safe to split.
    if (!disjoint) {
        for (int64_t i = 0; i < out_count; ++i) dx[argmax[i]] += dy[i];
        return;
    }
    parallel_for(out_count, kScatterGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) dx[argmax[i]] += dy[i];
    });
}

MINNOW_KERNEL_VARIANT(relu_max_pool_2x2_forward)
void relu_max_pool_2x2_forward(const float* x, const PoolGeometry& g, float* y, int32_t* argmax) {
    MINNOW_DISPATCH(relu_max_pool_2x2_forward, x, g, y, argmax);
    // The values relu would have written, computed where the pooling reads them.
    max_pool_2x2(g, [x](int64_t i, int64_t) { return relu_value(x[i]); }, y, argmax);
}

MINNOW_KERNEL_VARIANT(relu_max_pool_2x2_backward)
void relu_max_pool_2x2_backward(const float* x, const float* dy, const int32_t* argmax, const PoolGeometry& g,
                                float* dx, bool assign) {
    MINNOW_DISPATCH(relu_max_pool_2x2_backward, x, dy, argmax, g, dx, assign);
    // relu's gradient passes where its input was positive; a window whose values were all <= 0
    // sends nothing back, as max_pool2d(relu(x)) would.
    if (assign) {
        max_pool_2x2_backward_assign<true>(dy, argmax, g, dx, x);
        return;
    }
    parallel_for(g.N * g.OH * g.OW * g.C, kScatterGrain, [&](int64_t begin, int64_t end) {
        // A select, not a branch: the sign of x at the maxima is a coin toss the predictor loses.
        for (int64_t i = begin; i < end; ++i) dx[argmax[i]] += relu_gradient(x[argmax[i]], dy[i]);
    });
}

MINNOW_KERNELS_END
