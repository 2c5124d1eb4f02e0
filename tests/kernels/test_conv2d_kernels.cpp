// The three Conv2D kernels (im2col + OpenBLAS, implicit GEMM, direct) called directly on the same
// geometries. Conv2D's layer tests check what the dispatch picks against a naive convolution; in
// an AVX2 build it picks im2col for nothing, so here the paths are held to each other.
#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <vector>

#include "kernels/conv2d.hpp"
#include "kernels/isa.hpp"
#include "kernels/pooling.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/ops/spatial.hpp"
#include "minnow/tensor/tensor.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using kernels::ConvGeometry;

namespace {

ConvGeometry geometry(int64_t C, int64_t K, int64_t k, int64_t s, bool same) {
    const int64_t N = 2, H = 7, W = 8;
    const Padding padding = same ? Padding::Same : Padding::Valid;
    const AxisWindow rows = axis_window(H, k, s, padding), cols = axis_window(W, k, s, padding);
    return {N, H, W, C, K, k, k, rows.out, cols.out, s, s, rows.pad_before, cols.pad_before};
}

struct Result {
    Tensor y, dx, dw, db;
};

enum class Path { Im2col, Implicit, Direct };

// Forward, then the backward twice: once writing the gradients and once adding to them, so the
// second half of the result is twice the first.
Result run(Path path, const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& dy) {
    Result r{Tensor({g.rows(), g.K}), Tensor::full({g.N, g.H, g.W, g.C}, 7.0f), Tensor::full({g.patch(), g.K}, 7.0f),
             Tensor::zeros({g.K})};
    Tensor cols({g.rows(), g.patch()});
    for (const bool assign : {true, false}) {
        const kernels::ConvGrads out{r.dx.data(), r.dw.data(), r.db.data(), assign, assign};
        switch (path) {
            case Path::Im2col:
                if (assign) kernels::conv2d_forward(x.data(), w.data(), b.data(), g, cols.data(), r.y.data());
                kernels::conv2d_backward(cols.data(), w.data(), dy.data(), g, out);
                break;
            case Path::Implicit:
                if (assign) kernels::conv2d_implicit_forward(x.data(), w.data(), b.data(), g, r.y.data());
                kernels::conv2d_implicit_backward(x.data(), w.data(), dy.data(), g, out);
                break;
            case Path::Direct:
                if (assign) kernels::conv2d_direct_forward(x.data(), w.data(), b.data(), g, r.y.data());
                kernels::conv2d_direct_backward(x.data(), w.data(), dy.data(), g, out);
                break;
        }
    }
    return r;
}

void check_same(const Result& a, const Result& b) {
    CHECK(allclose(a.y, b.y, 1e-4f, 1e-5f));
    CHECK(allclose(a.dx, b.dx, 1e-4f, 1e-5f));
    CHECK(allclose(a.dw, b.dw, 1e-4f, 1e-5f));
    CHECK(allclose(a.db, b.db, 1e-4f, 1e-5f));
}

// Every path that takes patches of C channels, over kernels 2 and 3, strides 1 and 2, valid and
// same, and the filter counts given.
void check_paths(int64_t C, std::initializer_list<int64_t> filter_counts, std::initializer_list<Path> others) {
    Rng rng(C);
    for (int64_t k : {2, 3})
        for (int64_t s : {1, 2})
            for (bool same : {false, true})
                for (int64_t K : filter_counts) {
                    const ConvGeometry g = geometry(C, K, k, s, same);
                    const Tensor x = Tensor::uniform({g.N, g.H, g.W, C}, -1, 1, rng);
                    const Tensor w = Tensor::uniform({g.patch(), K}, -1, 1, rng);
                    const Tensor b = Tensor::uniform({K}, -1, 1, rng);
                    const Tensor dy = Tensor::uniform({g.rows(), K}, -1, 1, rng);
                    INFO("C=" << C << " K=" << K << " kernel=" << k << " stride=" << s << " same=" << same);
                    const Result reference = run(Path::Im2col, g, x, w, b, dy);
                    for (Path path : others) check_same(run(path, g, x, w, b, dy), reference);
                }
}

// Whether the kernels being run fuse each multiply-add (a build for a CPU with FMA, or the AVX2 +
// FMA copy chosen at run time); the portable copy multiplies, rounds, then adds.
bool kernels_use_fma() {
#if defined(__FMA__)
    return true;
#else
    return kernels::kernel_isa_avx2();
#endif
}

// The direct forward's sums one output at a time: the bias (or 0), then a multiply-add a tap in
// kernel-row order (one FMA where the kernels use them), a tap over the padding adding 0 * w.
Tensor direct_reference(const ConvGeometry& g, const Tensor& x, const Tensor& w, const float* b) {
    const bool fma = kernels_use_fma();
    Tensor y({g.N, g.OH, g.OW, g.K});
    for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oh = 0; oh < g.OH; ++oh)
            for (int64_t ow = 0; ow < g.OW; ++ow)
                for (int64_t k = 0; k < g.K; ++k) {
                    float acc = b != nullptr ? b[k] : 0.0f;
                    for (int64_t kh = 0; kh < g.KH; ++kh)
                        for (int64_t kw = 0; kw < g.KW; ++kw) {
                            const int64_t ih = oh * g.stride_h - g.pad_top + kh, iw = ow * g.stride_w - g.pad_left + kw;
                            const bool inside = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
                            const float xv = inside ? x.data()[(n * g.H + ih) * g.W + iw] : 0.0f;
                            const float wv = w.data()[(kh * g.KW + kw) * g.K + k];
                            if (fma) {
                                acc = std::fma(xv, wv, acc);
                            } else {
                                const float product = xv * wv;  // builds without FMA only: rounded, then added
                                acc += product;
                            }
                        }
                    y.data()[((n * g.OH + oh) * g.OW + ow) * g.K + k] = acc;
                }
    return y;
}

// relu_max_pool_2x2_forward of a convolution's output y.
Tensor relu_pool_reference(const ConvGeometry& g, const Tensor& y) {
    const kernels::PoolGeometry p = kernels::PoolGeometry::two_by_two(g.N, g.OH, g.OW, g.K);
    Tensor pooled({g.N, p.OH, p.OW, g.K});
    std::vector<int32_t> argmax(static_cast<size_t>(pooled.numel()));
    kernels::relu_max_pool_2x2_forward(y.data(), p, pooled.data(), argmax.data());
    return pooled;
}

}  // namespace

TEST_CASE("conv2d kernels: implicit GEMM equals im2col + GEMM, forward and gradients", "[kernels]") {
    check_paths(3, {1, 10, 16, 21, 32}, {Path::Implicit});
}

TEST_CASE("conv2d kernels: direct and implicit GEMM equal im2col + GEMM on small patches", "[kernels]") {
    check_paths(1, {1, 10, 33}, {Path::Direct, Path::Implicit});
}

TEST_CASE("conv2d kernels: implicit GEMM's dW summed by threads over their pixels equals one thread's", "[kernels]") {
    // 968 output pixels: enough for two threads to take half each and add their partial dW in order.
    // Each dW element sums 968 products in float, so it is held to an absolute 1e-3 (its values
    // reach 50; leaving out a thread's half moves them by tens).
    const int64_t saved = num_threads();
    const ConvGeometry g{8, 13, 13, 32, 64, 3, 3, 11, 11, 1, 1, 0, 0};
    Rng rng(7);
    const Tensor x = Tensor::uniform({g.N, g.H, g.W, g.C}, -1, 1, rng);
    const Tensor w = Tensor::uniform({g.patch(), g.K}, -1, 1, rng);
    const Tensor b = Tensor::uniform({g.K}, -1, 1, rng);
    const Tensor dy = Tensor::uniform({g.rows(), g.K}, -1, 1, rng);
    set_num_threads(1);
    const Result one = run(Path::Implicit, g, x, w, b, dy);
    const Result reference = run(Path::Im2col, g, x, w, b, dy);
    set_num_threads(2);
    const Result two = run(Path::Implicit, g, x, w, b, dy);
    set_num_threads(static_cast<int>(saved));
    CHECK(allclose(one.dw, reference.dw, 1e-4f, 1e-3f));
    CHECK(allclose(two.dw, reference.dw, 1e-4f, 1e-3f));
    CHECK(allclose(two.dw, one.dw, 1e-4f, 1e-3f));
    CHECK(allclose(two.db, reference.db, 1e-4f, 1e-3f));
}

TEST_CASE("conv2d kernels: the direct forward of 3x3 kernels over one channel sums in its order, to the bit",
          "[kernels]") {
    // conv1's shape, which AVX-512 builds run with the kernel held in registers, in tiles of up to
    // 2 x 8 pixels: widths that split into tiles of every size, odd heights (a last tile of one
    // row), whole vectors of filters, valid and same, with and without a bias, on 1 and 2 threads.
    const int64_t saved = num_threads();
    Rng rng(11);
    for (const int threads : {1, 2})
        for (const auto& [H, W] : {std::pair<int64_t, int64_t>{28, 28}, {7, 8}, {9, 13}, {5, 21}, {4, 3}, {3, 12}})
            for (const int64_t K : {16, 32, 48})
                for (const bool same : {false, true})
                    for (const bool with_bias : {true, false}) {
                        const Padding padding = same ? Padding::Same : Padding::Valid;
                        const AxisWindow rows = axis_window(H, 3, 1, padding), cols = axis_window(W, 3, 1, padding);
                        const ConvGeometry g{3, H, W, 1, K, 3, 3, rows.out, cols.out, 1, 1, rows.pad_before, cols.pad_before};
                        const Tensor x = Tensor::uniform({g.N, H, W, 1}, -1, 1, rng);
                        const Tensor w = Tensor::uniform({9, K}, -1, 1, rng);
                        const Tensor b = Tensor::uniform({K}, -1, 1, rng);
                        const float* bias = with_bias ? b.data() : nullptr;
                        INFO("H=" << H << " W=" << W << " K=" << K << " same=" << same << " bias=" << with_bias
                                  << " threads=" << threads);
                        set_num_threads(threads);
                        Tensor y({g.N, g.OH, g.OW, K});
                        kernels::conv2d_direct_forward(x.data(), w.data(), bias, g, y.data());
                        const Tensor expected = direct_reference(g, x, w, bias);
                        CHECK(test::identical(y, expected));
                        Tensor pooled({g.N, g.OH / 2, g.OW / 2, K});
                        kernels::conv2d_direct_relu_max_pool_forward(x.data(), w.data(), bias, g, pooled.data(), nullptr);
                        CHECK(test::identical(pooled, relu_pool_reference(g, expected)));
                    }
    set_num_threads(static_cast<int>(saved));
}
