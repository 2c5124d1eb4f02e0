#pragma once
// Conv2D on NHWC tensors, three ways: direct kernels for small patches, implicit-GEMM register
// tiles for larger ones, and im2col + OpenBLAS GEMMs in builds without AVX2 and FMA.

#include <cstdint>

#include "kernels/isa.hpp"

namespace minnow::kernels {

/// Every size of one convolution. Input (N, H, W, C), kernel (KH, KW, C, K), output (N, OH, OW, K);
/// pad_top / pad_left are the rows and columns of zeros implied above and left of the input.
struct ConvGeometry {
    int64_t N, H, W, C, K, KH, KW, OH, OW, stride_h, stride_w, pad_top, pad_left;

    int64_t patch() const { return KH * KW * C; }   // one im2col row
    int64_t rows() const { return N * OH * OW; }     // im2col rows = output pixels

    /// A 1x1 convolution over `pixels` pixels of C channels into K filters: what a Dense layer
    /// computes on `pixels` rows.
    static ConvGeometry pointwise(int64_t pixels, int64_t C, int64_t K) {
        return {.N = pixels, .H = 1, .W = 1, .C = C, .K = K, .KH = 1, .KW = 1, .OH = 1, .OW = 1, .stride_h = 1,
                .stride_w = 1, .pad_top = 0, .pad_left = 0};
    }
};

/// Calls fn(offset of the tap's C input values in x, tap index kh * KW + kw) for every tap of
/// output pixel (n, oh, ow) that falls inside the input (taps over the padding are skipped).
template <class Fn>
MINNOW_KERNEL_INLINE void for_pixel_taps(const ConvGeometry& g, int64_t n, int64_t oh, int64_t ow, Fn&& fn) {
    for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.stride_h - g.pad_top + kh;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + kw;
            if (iw < 0 || iw >= g.W) continue;
            fn(((n * g.H + ih) * g.W + iw) * g.C, kh * g.KW + kw);
        }
    }
}

/// cols (N*OH*OW, KH*KW*C): row (n, oh, ow) holds the input patch under the kernel, zero where
/// the patch overlaps the padding. NHWC makes each (kh, kw) step one contiguous run of C floats.
void im2col(const float* x, const ConvGeometry& g, float* cols);
/// dx += the patches of dcols added back to the pixels they came from, for images n_begin ..
/// n_end - 1 (dcols holds only their rows); with `assign`, dx is uninitialized and each image is
/// zeroed just before its patches are added.
void col2im_add(const float* dcols, const ConvGeometry& g, int64_t n_begin, int64_t n_end, float* dx, bool assign);

/// Whether the direct kernels beat im2col + GEMM: a small patch (conv1's 3x3x1 = 9) makes a GEMM
/// with K = 9, far below OpenBLAS' efficient range, and an im2col that copies single floats.
constexpr int64_t kMaxDirectPatch = 16;
inline bool use_direct(const ConvGeometry& g) { return g.patch() <= kMaxDirectPatch; }

/// Direct convolution: y[p, :] = b + sum over taps of x[tap] * W[tap, :], vectorized over the
/// filters. No im2col buffer.
void conv2d_direct_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y);
/// The direct convolution, then relu, then 2x2 max pooling (stride 2, valid) of its output:
/// y (N, OH / 2, OW / 2, K), the same values as the three one after the other, without writing the
/// convolution's output to memory. With `window` (else null), for the backward, each pooled
/// output's code: which pixel of its window held relu_max_pool_2x2_forward's argmax (0 top-left,
/// 1 top-right, 2 bottom-left, 3 bottom-right), or kNoGradient where the maximum was not positive
/// and the ReLU passes no gradient. A byte, not the argmax's int32 and the output both: the
/// backward reads a quarter of the memory.
void conv2d_direct_relu_max_pool_forward(const float* x, const float* w, const float* b, const ConvGeometry& g,
                                         float* y, uint8_t* window);
inline constexpr uint8_t kNoGradient = 4;
/// Where a convolution's backward puts its gradients. Each pointer may be null (no gradient
/// wanted). dx and dw are written (=) when their assign flag is set, else added to (+=); db is
/// always added to.
struct ConvGrads {
    float* dx = nullptr;
    float* dw = nullptr;
    float* db = nullptr;
    bool assign_dx = false;
    bool assign_dw = false;
};

/// Direct backward: dw = sum over pixels of x[tap] * dy[p, :]; dx = W[tap, :] . dy[p, :] summed
/// over taps; db = sum of dy over pixels.
void conv2d_direct_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                            const ConvGrads& out);
/// dW and db of conv2d_direct_relu_max_pool_forward from the pooled gradient dy and the window
/// codes: the bits of relu_max_pool_2x2_backward and then conv2d_direct_backward, without the
/// convolution's output or its gradient in memory. No dx (out.dx is ignored): for a convolution
/// whose input needs no gradient, such as a model's first layer.
void conv2d_direct_relu_max_pool_backward(const float* x, const float* dy, const uint8_t* window,
                                          const ConvGeometry& g, const ConvGrads& out);

/// The implicit-GEMM tiles' width in filters (or a Dense layer's units): two of the widest vectors
/// the build targets (32 with AVX-512, else 16). A filter count that is not a multiple of it leaves
/// the last tile partial.
#if defined(__AVX512F__)
constexpr int64_t kImplicitTileColumns = 32;
#else
constexpr int64_t kImplicitTileColumns = 16;
#endif
/// Whether the implicit-GEMM kernels run this convolution: larger patches than the direct kernels
/// take, in a build with AVX2 and FMA.
bool use_implicit(const ConvGeometry& g);
/// Implicit GEMM: y = im2col(x) W + b and its backward without the im2col matrix, in register tiles
/// that read each window where it lies in x. Padding runs on a zero-padded copy of x.
void conv2d_implicit_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y);
/// relu(conv2d_implicit_forward), the ReLU applied as each tile is stored (relu_value's numbers).
void conv2d_implicit_relu_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* y);
void conv2d_implicit_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                              const ConvGrads& out);

/// db += the sums of dy's (rows, K) over its rows.
void add_bias_gradient(const float* dy, int64_t rows, int64_t K, float* db);

/// y = im2col(x) W + b, with cols (N*OH*OW, KH*KW*C) left filled for the backward pass.
void conv2d_forward(const float* x, const float* w, const float* b, const ConvGeometry& g, float* cols, float* y);
/// dx = col2im(dy W^T), dw = cols^T dy, db = sums of dy over pixels, written or added as `out`
/// says.
void conv2d_backward(const float* cols, const float* w, const float* dy, const ConvGeometry& g,
                     const ConvGrads& out);

}  // namespace minnow::kernels
