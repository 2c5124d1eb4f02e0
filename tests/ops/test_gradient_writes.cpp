// The built-in ops write a gradient they are first to reach (no zero-fill) and add to one that
// already holds another branch's contribution. Single-use gradients are checked with each op; here
// every input and weight is used twice, so the second contribution takes the adding path.
#include <catch2/catch.hpp>

#include "minnow/ops/activations.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/conv2d.hpp"
#include "minnow/ops/linear.hpp"
#include "minnow/ops/normalization.hpp"
#include "minnow/ops/pooling.hpp"
#include "minnow/testing/gradcheck.hpp"

using namespace minnow;

namespace {

void check_twice(const std::function<Variable()>& f, const std::vector<Variable>& wrt,
                 const testing::GradcheckOptions& options = {}) {
    const auto result = testing::gradcheck([&] { return f() + f() * 0.5f; }, wrt, options);
    INFO(result.message);
    CHECK(result.ok);
}

}  // namespace

TEST_CASE("gradients: each op adds to a gradient another branch already wrote", "[ops]") {
    Rng rng(31);
    Variable images(Tensor::uniform({2, 6, 7, 3}, -1, 1, rng), true);
    Variable one_channel(Tensor::uniform({2, 6, 7, 1}, -1, 1, rng), true);
    Variable rows(Tensor::uniform({4, 5}, -1, 1, rng), true);
    Variable kernel3(Tensor::uniform({3, 3, 3, 4}, -1, 1, rng), true);
    Variable kernel1(Tensor::uniform({3, 3, 1, 33}, -1, 1, rng), true);
    Variable kernel16(Tensor::uniform({3, 3, 3, 16}, -1, 1, rng), true);
    Variable bias4(Tensor::uniform({4}, -1, 1, rng), true);
    Variable bias16(Tensor::uniform({16}, -1, 1, rng), true);
    Variable bias33(Tensor::uniform({33}, -1, 1, rng), true);
    Variable W(Tensor::uniform({5, 3}, -1, 1, rng), true);
    Variable b(Tensor::uniform({3}, -1, 1, rng), true);
    Variable gamma(Tensor::uniform({3}, 0.5, 1.5, rng), true);
    Variable beta(Tensor::uniform({3}, -1, 1, rng), true);

    SECTION("relu") { check_twice([&] { return relu(images); }, {images}); }
    SECTION("max_pool2d, 2x2 over odd sizes and 3x3 stride 2") {
        check_twice([&] { return max_pool2d(images); }, {images});
        check_twice([&] { return max_pool2d(images, 3, 2, Padding::Same); }, {images});
    }
    SECTION("relu_max_pool2d, odd sizes") { check_twice([&] { return relu_max_pool2d(images); }, {images}); }
    // A convolution is linear in each argument, so a larger step costs no truncation error and
    // keeps float32 rounding (about 1e-3 of the differences at h = 1e-3, at these sizes) below the
    // tolerance: at h = 1e-3 the implicit-GEMM case missed it by 3% in an -O1 build.
    const testing::GradcheckOptions linear_in_each{.step = 1e-2};
    SECTION("conv2d, 4 filters: a partial implicit-GEMM tile (im2col in builds without AVX2)") {
        check_twice([&] { return conv2d(images, kernel3, bias4); }, {images, kernel3, bias4}, linear_in_each);
    }
    SECTION("conv2d, implicit GEMM, valid and same") {
        check_twice([&] { return conv2d(images, kernel16, bias16); }, {images, kernel16, bias16}, linear_in_each);
        check_twice([&] { return conv2d(images, kernel16, bias16, 1, Padding::Same); }, {images, kernel16, bias16},
                    linear_in_each);
    }
    SECTION("conv2d, direct kernel") {
        check_twice([&] { return conv2d(one_channel, kernel1, bias33); }, {one_channel, kernel1, bias33},
                    linear_in_each);
    }
    SECTION("linear") { check_twice([&] { return linear(rows, W, b); }, {rows, W, b}); }
    SECTION("batch_norm_train") {
        BatchStatistics stats;
        check_twice([&] { return batch_norm_train(images, gamma, beta, 1e-3f, stats); }, {images, gamma, beta});
    }
    SECTION("batch_norm_relu_train") {
        BatchStatistics stats;
        check_twice([&] { return batch_norm_relu_train(images, gamma, beta, 1e-3f, stats); }, {images, gamma, beta});
    }
    SECTION("batch_norm_relu_max_pool_train") {
        BatchStatistics stats;
        check_twice([&] { return batch_norm_relu_max_pool_train(images, gamma, beta, 1e-3f, stats); },
                    {images, gamma, beta});
    }
    SECTION("reshape") { check_twice([&] { return reshape(rows, Shape{20}); }, {rows}); }
}
