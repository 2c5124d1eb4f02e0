#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/rng.hpp"
#include "minnow/ops/activations.hpp"
#include "minnow/ops/linear.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using minnow::test::random_leaf;

TEST_CASE("gradcheck: matmul", "[ops]") {
    Variable a = random_leaf({3, 5}, 1);
    Variable b = random_leaf({5, 2}, 2);
    REQUIRE_GRADCHECK([&] { return matmul(a, b); }, {a, b});
}

TEST_CASE("gradcheck: linear with and without bias", "[ops]") {
    Variable x = random_leaf({4, 3}, 3);
    Variable W = random_leaf({3, 5}, 4);
    Variable b = random_leaf({5}, 5);
    REQUIRE_GRADCHECK([&] { return linear(x, W, b); }, {x, W, b});
    REQUIRE_GRADCHECK([&] { return linear(x, W, Variable()); }, {x, W});
}

TEST_CASE("linear equals x W + b", "[ops]") {
    const Tensor x = Tensor::from_data({2, 2}, {1, 2, 3, 4});
    const Tensor W = Tensor::from_data({2, 3}, {1, 0, -1, 2, 1, 0});
    const Tensor b = Tensor::from_data({3}, {0.5f, -0.5f, 1});
    const Tensor y = linear(Variable(x), Variable(W), Variable(b)).value();
    CHECK(y.to_vector() == std::vector<float>{5.5f, 1.5f, 0.0f, 11.5f, 3.5f, -2.0f});
}

TEST_CASE("linear and matmul name mismatched shapes", "[ops]") {
    Variable x(Tensor::zeros({32, 784}));
    Variable W(Tensor::zeros({100, 128}));
    CHECK_THROWS_WITH(matmul(x, W), "matmul: inner dimensions differ: (32, 784) x (100, 128)");
    CHECK_THROWS_AS(linear(x, W, Variable()), ShapeError);
    CHECK_THROWS_WITH(linear(Variable(Tensor::zeros({2, 3})), Variable(Tensor::zeros({3, 4})),
                             Variable(Tensor::zeros({5}))),
                      Catch::Contains("(5,)"));
}

TEST_CASE("linear: batches large enough for the tiled kernel still equal x W + b", "[ops]") {
    // 300 rows take the implicit-GEMM tiles in AVX2 builds (from 256 rows and 17 inputs, units a
    // multiple of 16 or fewer than 16, in one partial tile); 40 units, 5 inputs and 20 rows stay
    // on OpenBLAS. All must agree with a double-precision product.
    Rng rng(7);
    for (const auto& [rows, in, units] : {std::tuple{300, 37, 32}, {301, 784, 16}, {300, 5, 48}, {300, 64, 10},
                                          {301, 37, 1}, {300, 37, 40}, {20, 37, 32}}) {
        const Tensor x = Tensor::uniform({rows, in}, -1, 1, rng);
        const Tensor W = Tensor::uniform({in, units}, -1, 1, rng);
        const Tensor b = Tensor::uniform({units}, -1, 1, rng);
        for (const bool with_bias : {true, false}) {
            const Tensor y = linear(Variable(x), Variable(W), with_bias ? Variable(b) : Variable()).value();
            REQUIRE(y.shape() == Shape{rows, units});
            double worst = 0;
            for (int64_t n = 0; n < rows; ++n)
                for (int64_t u = 0; u < units; ++u) {
                    double expected = with_bias ? b.flat(u) : 0.0;
                    for (int64_t k = 0; k < in; ++k) expected += double(x.at({n, k})) * W.at({k, u});
                    worst = std::max(worst, std::abs(expected - y.at({n, u})));
                }
            INFO(rows << " x " << in << " -> " << units << (with_bias ? " with bias" : ""));
            CHECK(worst < 1e-4);
        }
    }
}

TEST_CASE("linear_relu equals relu(linear) to the bit, with and without a graph", "[ops]") {
    // Without a graph, 300 rows run the ReLU inside the implicit-GEMM tiles (AVX2 builds); 20 rows,
    // 40 units (a partial tile after whole ones) and a graph run the two ops. Values at exactly
    // zero and NaN go through relu_value's v > 0 ? v : 0 in both.
    Rng rng(11);
    for (const auto& [rows, in, units] : {std::tuple{300, 37, 32}, {301, 784, 16}, {300, 64, 10}, {300, 37, 40},
                                          {20, 37, 32}}) {
        Tensor x = Tensor::uniform({rows, in}, -1, 1, rng);
        const Tensor W = Tensor::uniform({in, units}, -1, 1, rng);
        const Tensor b = Tensor::uniform({units}, -1, 1, rng);
        for (int64_t k = 0; k < in; ++k) x.data()[k] = 0.0f;  // row 0: exactly the bias
        x.data()[in] = std::nanf("");                          // row 1: NaN in every unit
        for (const bool with_bias : {true, false}) {
            INFO(rows << " x " << in << " -> " << units << (with_bias ? " with bias" : ""));
            const Variable bias = with_bias ? Variable(b) : Variable();
            NoGradGuard no_grad;
            const Tensor expected = relu(linear(Variable(x), Variable(W), bias)).value();
            const Tensor fused = linear_relu(Variable(x), Variable(W), bias).value();
            CHECK(test::identical(fused, expected));
            for (int64_t u = 0; u < units; ++u) CHECK(std::signbit(fused.at({1, u})) == false);
        }
    }
    CHECK_THROWS_AS(linear_relu(Variable(Tensor::zeros({300, 3})), Variable(Tensor::zeros({4, 16})), Variable()),
                    ShapeError);
}

TEST_CASE("gradcheck: linear_relu", "[ops]") {
    Variable x = random_leaf({4, 3}, 13);
    Variable W = random_leaf({3, 5}, 14);
    Variable b = random_leaf({5}, 15);
    REQUIRE_GRADCHECK([&] { return linear_relu(x, W, b); }, {x, W, b});
}
