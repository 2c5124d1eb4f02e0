#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
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
