// The Dense layer's register-tile kernels (forward and weight gradient at a training batch) called
// directly against a naive product, at one and two threads. Dense's layer tests check what linear()
// picks; these hold the split over K to the same sums whatever the rows, K and the thread count.
#include <catch2/catch.hpp>

#include <initializer_list>

#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/tensor/tensor.hpp"
#include "minnow/tensor/tensor_ops.hpp"

using namespace minnow;

namespace {

// y[n, u] = b[u] + sum over k of x[n, k] w[k, u], in double.
Tensor naive_forward(const Tensor& x, const Tensor& w, const Tensor* b) {
    const int64_t N = x.dim(0), K = x.dim(1), U = w.dim(1);
    Tensor y({N, U});
    for (int64_t n = 0; n < N; ++n)
        for (int64_t u = 0; u < U; ++u) {
            double sum = b != nullptr ? b->data()[u] : 0.0;
            for (int64_t k = 0; k < K; ++k) sum += double(x.data()[n * K + k]) * w.data()[k * U + u];
            y.data()[n * U + u] = float(sum);
        }
    return y;
}

// dw[k, u] = sum over n of x[n, k] dy[n, u], in double.
Tensor naive_weight_gradient(const Tensor& x, const Tensor& dy) {
    const int64_t N = x.dim(0), K = x.dim(1), U = dy.dim(1);
    Tensor dw({K, U});
    for (int64_t k = 0; k < K; ++k)
        for (int64_t u = 0; u < U; ++u) {
            double sum = 0;
            for (int64_t n = 0; n < N; ++n) sum += double(x.data()[n * K + k]) * dy.data()[n * U + u];
            dw.data()[k * U + u] = float(sum);
        }
    return dw;
}

// Whether this build runs the tiles at all (an AVX2 build or copy); says so where it does not.
bool tiles_in_use() {
    if (kernels::use_dense_tiles(32, kernels::kImplicitTileColumns, 256)) return true;
    WARN("this build runs Dense on OpenBLAS (no AVX2): the register-tile kernels are not used");
    return false;
}

}  // namespace

TEST_CASE("dense kernels: forward and dW against a naive product at 1 and 2 threads", "[kernels][dense]") {
    const int64_t tile = kernels::kImplicitTileColumns;
    if (!tiles_in_use()) return;
    const int saved = num_threads();
    Rng rng(21);
    // W1's first layer (784 -> 128: two threads split K, the last share ragged at 1601), rows that
    // leave the last tile of 6 partial (7, 33), and a K smaller than one split block (5).
    for (int threads : {1, 2})
        for (int64_t N : {7, 32, 33})
            for (int64_t K : {5, 784, 1601})
                for (int64_t U : {tile, 4 * tile}) {
                    set_num_threads(threads);
                    INFO("threads=" << threads << " N=" << N << " K=" << K << " U=" << U);
                    const Tensor x = Tensor::uniform({N, K}, -1, 1, rng);
                    const Tensor w = Tensor::uniform({K, U}, -1, 1, rng);
                    const Tensor b = Tensor::uniform({U}, -1, 1, rng);
                    const Tensor dy = Tensor::uniform({N, U}, -1, 1, rng);

                    Tensor y = Tensor::full({N, U}, 7.0f);  // written, not added to
                    kernels::dense_forward(x.data(), w.data(), b.data(), N, K, U, y.data());
                    CHECK(allclose(y, naive_forward(x, w, &b), 1e-4f, 1e-3f));
                    kernels::dense_forward(x.data(), w.data(), nullptr, N, K, U, y.data());
                    CHECK(allclose(y, naive_forward(x, w, nullptr), 1e-4f, 1e-3f));

                    const Tensor expected = naive_weight_gradient(x, dy);
                    Tensor dw = Tensor::full({K, U}, 7.0f);
                    kernels::dense_weight_gradient(x.data(), dy.data(), N, K, U, dw.data(), true);
                    CHECK(allclose(dw, expected, 1e-4f, 1e-3f));
                    kernels::dense_weight_gradient(x.data(), dy.data(), N, K, U, dw.data(), false);  // adds
                    CHECK(allclose(dw, expected * 2.0f, 1e-4f, 2e-3f));
                }
    set_num_threads(saved);
}

TEST_CASE("dense kernels: the same result run to run at two threads", "[kernels][dense]") {
    const int64_t tile = kernels::kImplicitTileColumns;
    if (!tiles_in_use()) return;
    const int saved = num_threads();
    set_num_threads(2);
    Rng rng(22);
    const Tensor x = Tensor::uniform({32, 784}, -1, 1, rng), w = Tensor::uniform({784, 4 * tile}, -1, 1, rng);
    Tensor first({32, 4 * tile}), again({32, 4 * tile});
    kernels::dense_forward(x.data(), w.data(), nullptr, 32, 784, 4 * tile, first.data());
    for (int i = 0; i < 5; ++i) {
        kernels::dense_forward(x.data(), w.data(), nullptr, 32, 784, 4 * tile, again.data());
        CHECK(again.to_vector() == first.to_vector());
    }
    set_num_threads(saved);
}

TEST_CASE("dense kernels: run only where every row of W holds whole tiles", "[kernels][dense]") {
    const int64_t tile = kernels::kImplicitTileColumns;
    CHECK_FALSE(kernels::use_dense_tiles(32, tile + 1, 256));  // a load would run past W's last row
    CHECK_FALSE(kernels::use_dense_tiles(32, 10, 256));
    CHECK_FALSE(kernels::use_dense_tiles(256, tile, 256));  // large batches: the implicit-GEMM path
    CHECK_FALSE(kernels::use_dense_tiles(0, tile, 256));
}
