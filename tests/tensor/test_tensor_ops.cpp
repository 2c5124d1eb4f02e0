#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/tensor/blas.hpp"
#include "minnow/tensor/tensor_ops.hpp"

using namespace minnow;

namespace {
// The reference product, one multiply-add at a time in double.
Tensor naive_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    const int64_t M = ta ? a.dim(1) : a.dim(0), K = ta ? a.dim(0) : a.dim(1), N = tb ? b.dim(0) : b.dim(1);
    Tensor c({M, N});
    for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
            double acc = 0;
            for (int64_t k = 0; k < K; ++k)
                acc += double(ta ? a.at({k, i}) : a.at({i, k})) * double(tb ? b.at({j, k}) : b.at({k, j}));
            c.at({i, j}) = static_cast<float>(acc);
        }
    return c;
}
}  // namespace

TEST_CASE("matmul: matches a naive triple loop for all transposes and odd sizes", "[tensor][blas]") {
    Rng rng(11);
    for (int64_t M : {1, 7, 33, 129})
        for (int64_t N : {1, 7, 129})
            for (int64_t K : {1, 33, 129})
                for (bool ta : {false, true})
                    for (bool tb : {false, true}) {
                        const Tensor a = ta ? Tensor::uniform({K, M}, -1, 1, rng) : Tensor::uniform({M, K}, -1, 1, rng);
                        const Tensor b = tb ? Tensor::uniform({N, K}, -1, 1, rng) : Tensor::uniform({K, N}, -1, 1, rng);
                        INFO("M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb);
                        CHECK(allclose(matmul(a, b, ta, tb), naive_matmul(a, b, ta, tb), 1e-4f, 1e-4f));
                    }
}

TEST_CASE("gemm_split_inner: threads' partial products over K add up to the product", "[tensor][blas]") {
    // A Dense layer's forward at batch 32 (784 -> 128), large enough for two threads to split K, and
    // an odd K whose last share is ragged; beta 0 and 1 (the bias preloaded into C).
    const int saved = num_threads();
    Rng rng(12);
    for (int threads : {1, 2})
        for (int64_t K : {784, 1601})
            for (bool ta : {false, true})
                for (float beta : {0.0f, 1.0f}) {
                    set_num_threads(threads);
                    const int64_t M = 32, N = 128;
                    const Tensor a = ta ? Tensor::uniform({K, M}, -1, 1, rng) : Tensor::uniform({M, K}, -1, 1, rng);
                    const Tensor b = Tensor::uniform({K, N}, -1, 1, rng);
                    const Tensor c0 = Tensor::uniform({M, N}, -1, 1, rng);
                    Tensor c = c0;
                    blas::gemm_split_inner(ta, M, N, K, 1.0f, a.data(), ta ? M : K, b.data(), N, beta, c.data(), N);
                    Tensor expected = naive_matmul(a, b, ta, false);
                    if (beta != 0.0f)
                        for (int64_t i = 0; i < expected.numel(); ++i) expected.data()[i] += c0.data()[i];
                    INFO("threads=" << threads << " K=" << K << " ta=" << ta << " beta=" << beta);
                    CHECK(allclose(c, expected, 1e-4f, 1e-3f));
                }
    set_num_threads(saved);
}

TEST_CASE("matmul: mismatched inner dimensions name both shapes", "[tensor][blas]") {
    try {
        (void)matmul(Tensor::zeros({32, 784}), Tensor::zeros({100, 128}));
        FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
        CHECK(std::string(e.what()) == "matmul: inner dimensions differ: (32, 784) x (100, 128)");
    }
}

TEST_CASE("broadcasting: trailing vector, scalar, and general", "[tensor]") {
    const Tensor m = Tensor::from_data({2, 3}, {1, 2, 3, 4, 5, 6});
    const Tensor bias = Tensor::from_data({3}, {10, 20, 30});
    CHECK((m + bias).to_vector() == std::vector<float>{11, 22, 33, 14, 25, 36});
    CHECK((m * Tensor::scalar(2)).to_vector() == std::vector<float>{2, 4, 6, 8, 10, 12});
    CHECK((m - 1.0f).to_vector() == std::vector<float>{0, 1, 2, 3, 4, 5});
    const Tensor col = Tensor::from_data({2, 1}, {1, 2});
    CHECK((m / col).to_vector() == std::vector<float>{1, 2, 3, 2, 2.5f, 3});
    const Tensor row = Tensor::from_data({1, 3}, {1, 2, 3});
    CHECK((col * row).shape() == Shape{2, 3});
    CHECK((col * row).to_vector() == std::vector<float>{1, 2, 3, 2, 4, 6});
    CHECK(broadcast_shapes({4, 1, 3}, {5, 1}) == Shape{4, 5, 3});
}

TEST_CASE("broadcasting: incompatible shapes are refused with both shapes", "[tensor]") {
    try {
        (void)(Tensor::zeros({2, 3}) + Tensor::zeros({4}));
        FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
        CHECK(std::string(e.what()) == "cannot broadcast shapes (2, 3) and (4,)");
    }
}

TEST_CASE("sum_to: reverses a broadcast", "[tensor]") {
    const Tensor g = Tensor::arange(6).reshape({2, 3});
    CHECK(sum_to(g, {3}).to_vector() == std::vector<float>{3, 5, 7});
    CHECK(sum_to(g, {2, 1}).to_vector() == std::vector<float>{3, 12});
    CHECK(sum_to(g, {}).item() == 15.0f);
    CHECK(sum_to(g, {1, 3}).to_vector() == std::vector<float>{3, 5, 7});
}

TEST_CASE("reductions along an axis", "[tensor]") {
    const Tensor t = Tensor::from_data({2, 3}, {1, 5, 3, 4, 2, 6});
    CHECK(sum(t, 0).to_vector() == std::vector<float>{5, 7, 9});
    CHECK(sum(t, -1).to_vector() == std::vector<float>{9, 12});
    CHECK(sum(t, 1, true).shape() == Shape{2, 1});
    CHECK(mean(t, 1).to_vector() == std::vector<float>{3, 4});
    CHECK(max(t, 1).to_vector() == std::vector<float>{5, 6});
    CHECK(argmax(t, 1).to_vector() == std::vector<float>{1, 2});
    CHECK(argmax(t, 0).to_vector() == std::vector<float>{1, 0, 1});
    CHECK(sum(t).item() == 21.0f);
    CHECK(mean(t).item() == 3.5f);
    CHECK_THROWS_AS(sum(t, 2), ShapeError);
}

TEST_CASE("transpose of a 2-D tensor", "[tensor]") {
    const Tensor t = Tensor::arange(6).reshape({2, 3});
    const Tensor tt = transpose(t);
    CHECK(tt.shape() == Shape{3, 2});
    CHECK(tt.to_vector() == std::vector<float>{0, 3, 1, 4, 2, 5});
    CHECK_THROWS_AS(transpose(Tensor::zeros({2, 2, 2})), ShapeError);
}
