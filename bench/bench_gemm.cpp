// GFLOP/s of the GEMM seam at the shapes of a batch-32 MLP step and one 512^3 product.
#include <fmt/format.h>

#include "bench.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/tensor/blas.hpp"
#include "minnow/tensor/tensor.hpp"

namespace minnow::bench {

namespace {

void gemm_row(std::vector<Row>& rows, const std::string& what, bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
    Rng rng(1);
    const Tensor A = ta ? Tensor::uniform({K, M}, -1, 1, rng) : Tensor::uniform({M, K}, -1, 1, rng);
    const Tensor B = tb ? Tensor::uniform({N, K}, -1, 1, rng) : Tensor::uniform({K, N}, -1, 1, rng);
    Tensor C = Tensor::zeros({M, N});
    const double ms = time_ms([&] {
        blas::gemm(ta, tb, M, N, K, 1.0f, A.data(), A.dim(1), B.data(), B.dim(1), 0.0f, C.data(), N);
    });
    const double flops = 2.0 * double(M) * double(N) * double(K);
    rows.push_back({"gemm", fmt::format("{} ({}x{}{} . {}x{}{})", what, ta ? K : M, ta ? M : K, ta ? "^T" : "",
                                        tb ? N : K, tb ? K : N, tb ? "^T" : ""),
                    ms, flops / (ms * 1e-3) / 1e9});
}

}  // namespace

void bench_gemm(std::vector<Row>& rows) {
    // Dense 784 -> 128 at batch 32: forward x W, then dW = x^T dy and dx = dy W^T.
    gemm_row(rows, "mlp fwd  x W", false, false, 32, 128, 784);
    gemm_row(rows, "mlp bwd  dW = x^T dy", true, false, 784, 128, 32);
    gemm_row(rows, "mlp bwd  dx = dy W^T", false, true, 32, 784, 128);
    // W2's conv2 at batch 32 (3872 output pixels, 3x3x32 patches, 64 filters): y = cols W,
    // dW = cols^T dy, dcols = dy W^T. These three are 90% of W2's FLOPs.
    gemm_row(rows, "conv2 fwd  cols W", false, false, 3872, 64, 288);
    gemm_row(rows, "conv2 bwd  dW = cols^T dy", true, false, 288, 64, 3872);
    gemm_row(rows, "conv2 bwd  dcols = dy W^T", false, true, 3872, 288, 64);
    gemm_row(rows, "square 512^3", false, false, 512, 512, 512);
}

}  // namespace minnow::bench
