#include "minnow/ops/linear.hpp"

#include <algorithm>

#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/tensor/blas.hpp"
#include "minnow/tensor/tensor_ops.hpp"

namespace minnow {

namespace {

// Rows from which linear's forward runs in the implicit-GEMM convolution's kernel rather than
// OpenBLAS. Measured at 2 threads: 1000 x 784 -> 128 1.13-1.17 ms against 1.15-1.30, 1000 x 64 -> 32
// 0.03 against 0.07; even at 192 rows; at 32 rows (a training batch) that kernel, which packs W on
// every call and splits by rows of x, was twice as slow. Below it, kernels/dense.cpp's tiles run.
constexpr int64_t kImplicitRows = 256;

// The tiles are kImplicitTileColumns units wide (16; 32 with AVX-512), measured at 16. A layer of fewer units fills one partial tile and still beats
// OpenBLAS (2 threads, 1000 rows: 32 -> 10 0.015 ms against 0.025, 128 -> 10 0.040 against 0.072),
// but a partial last tile after whole ones does not (784 -> 40 0.53 against 0.48, 784 -> 100 1.12
// against 0.93).
bool implicit_forward(const kernels::ConvGeometry& as_conv) {
    const int64_t tile = kernels::kImplicitTileColumns;
    return as_conv.N >= kImplicitRows && (as_conv.K % tile == 0 || as_conv.K < tile) && kernels::use_implicit(as_conv);
}

}  // namespace

Variable matmul(const Variable& a, const Variable& b) {
    return record("matmul", minnow::matmul(a.value(), b.value()), {a, b}, [](const BackwardArgs& g) {
        const Tensor& A = g.x(0);
        const Tensor& B = g.x(1);
        const int64_t M = A.dim(0), K = A.dim(1), N = B.dim(1);
        // dA += dY B^T (M,N)x(N,K); dB += A^T dY (K,M)x(M,N): beta = 1 accumulates in place.
        if (g.dx[0]) blas::gemm(false, true, M, K, N, 1.0f, g.dy.data(), N, B.data(), N, 1.0f, g.dx[0]->data(), K);
        if (g.dx[1]) blas::gemm(true, false, K, N, M, 1.0f, A.data(), K, g.dy.data(), N, 1.0f, g.dx[1]->data(), N);
    });
}

Variable linear(const Variable& x, const Variable& W, const Variable& b) {
    const Tensor& xv = x.value();
    const Tensor& Wv = W.value();
    MINNOW_CHECK(xv.rank() == 2 && Wv.rank() == 2, ShapeError, "linear: expected x (N, in) and W (in, units), got {} and {}",
                 xv.shape(), Wv.shape());
    MINNOW_CHECK(xv.dim(1) == Wv.dim(0), ShapeError, "linear: inner dimensions differ: {} x {}", xv.shape(),
                 Wv.shape());
    const int64_t N = xv.dim(0), K = xv.dim(1), U = Wv.dim(1);
    const bool has_bias = b.defined();
    if (has_bias)
        MINNOW_CHECK(b.value().shape() == Shape{U}, ShapeError, "linear: bias of shape {} for {} units", b.shape(), U);

    Tensor y(Shape{N, U});
    const kernels::ConvGeometry as_conv = kernels::ConvGeometry::pointwise(N, K, U);
    if (implicit_forward(as_conv)) {
        // A 1x1 convolution over N pixels of K channels: the tiles read x in place and start from
        // the bias, where OpenBLAS would pack x first.
        kernels::conv2d_implicit_forward(xv.data(), Wv.data(), has_bias ? b.value().data() : nullptr, as_conv,
                                         y.data());
    } else if (kernels::use_dense_tiles(N, U, kImplicitRows)) {
        // A training batch: register tiles that read x and W in place, threads splitting K as
        // below. OpenBLAS packs both operands on every call, at 32 rows as long as the product.
        kernels::dense_forward(xv.data(), Wv.data(), has_bias ? b.value().data() : nullptr, N, K, U, y.data());
    } else {
        // y = broadcast(b) then y += x W, so the bias costs no extra pass over y.
        if (has_bias) {
            for (int64_t n = 0; n < N; ++n) std::copy_n(b.value().data(), U, y.data() + n * U);
        }
        // At fewer rows than units (a training batch) threads split K, the rows of W: each reads the
        // rows its share of Adam's update and of dW wrote on the same core. Split by units, half of
        // every row of W came from the other core's cache each step (W1-BN 0.36 -> 0.32 s an epoch).
        if (N < U)
            blas::gemm_split_inner(false, N, U, K, 1.0f, xv.data(), K, Wv.data(), U, has_bias ? 1.0f : 0.0f, y.data(), U);
        else
            blas::gemm(false, false, N, U, K, 1.0f, xv.data(), K, Wv.data(), U, has_bias ? 1.0f : 0.0f, y.data(), U);
    }

    std::vector<Variable> inputs{x, W};
    if (has_bias) inputs.push_back(b);
    return record_assigning("linear", std::move(y), std::move(inputs), [N, K, U](const BackwardArgs& g) {
        const float* dy = g.dy.data();
        // beta = 0 writes a fresh gradient, beta = 1 adds to an existing one.
        if (g.dx[0])
            blas::gemm(false, true, N, K, U, 1.0f, dy, U, g.x(1).data(), U, g.assign(0) ? 0.0f : 1.0f, g.dx[0]->data(), K);
        if (g.dx[1] && kernels::use_dense_tiles(N, U, kImplicitRows))
            kernels::dense_weight_gradient(g.x(0).data(), dy, N, K, U, g.dx[1]->data(), g.assign(1));
        else if (g.dx[1])
            blas::gemm(true, false, K, U, N, 1.0f, g.x(0).data(), K, dy, U, g.assign(1) ? 0.0f : 1.0f, g.dx[1]->data(), U);
        if (float* db = g.add_target(2))
            for (int64_t n = 0; n < N; ++n)
                for (int64_t u = 0; u < U; ++u) db[u] += dy[n * U + u];
    });
}

Variable linear_relu(const Variable& x, const Variable& W, const Variable& b) {
    std::vector<Variable> inputs{x, W};
    if (b.defined()) inputs.push_back(b);
    const Shape& xs = x.shape();
    const Shape& ws = W.shape();
    // linear checks the shapes; this path takes only what it would accept.
    const bool shapes_ok = xs.rank() == 2 && ws.rank() == 2 && xs[1] == ws[0] && (!b.defined() || b.shape() == Shape{ws[1]});
    if (needs_graph(inputs) || !shapes_ok || !implicit_forward(kernels::ConvGeometry::pointwise(xs[0], xs[1], ws[1])))
        return relu(linear(x, W, b));
    Tensor y(Shape{xs[0], ws[1]});
    kernels::conv2d_implicit_relu_forward(x.value().data(), W.value().data(), b.defined() ? b.value().data() : nullptr,
                                          kernels::ConvGeometry::pointwise(xs[0], xs[1], ws[1]), y.data());
    return Variable(std::move(y));
}

}  // namespace minnow
