// The three Conv2D kernels (im2col + OpenBLAS, implicit GEMM, direct) called directly on the same
// geometries. Conv2D's layer tests check what the dispatch picks against a naive convolution; in
// an AVX2 build it picks im2col for nothing, so here the paths are held to each other.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "kernels/conv2d.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/ops/spatial.hpp"
#include "minnow/tensor/tensor.hpp"
#include "minnow/tensor/tensor_ops.hpp"

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
