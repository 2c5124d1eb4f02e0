#include <catch2/catch.hpp>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "minnow/ops/linear.hpp"
#include "minnow/testing/gradcheck.hpp"

using namespace minnow;

TEST_CASE("backward: chain rule through a small graph", "[autograd]") {
    Variable x(Tensor::from_data({2}, {1.0f, 2.0f}), true);
    Variable w(Tensor::from_data({2}, {3.0f, -1.0f}), true);
    Variable loss = sum(x * w + x * x);  // d/dx = w + 2x, d/dw = x
    loss.backward();
    CHECK(x.grad().to_vector() == std::vector<float>{5.0f, 3.0f});
    CHECK(w.grad().to_vector() == std::vector<float>{1.0f, 2.0f});
}

TEST_CASE("backward: gradients accumulate with += across calls", "[autograd]") {
    Variable x(Tensor::from_data({1}, {2.0f}), true);
    sum(x * 3.0f).backward();
    sum(x * 3.0f).backward();
    CHECK(x.grad().item() == 6.0f);
    x.zero_grad();
    CHECK_FALSE(x.has_grad());
}

TEST_CASE("backward: a Variable used many times gets every contribution", "[autograd]") {
    Variable x(Tensor::from_data({1}, {1.0f}), true);
    Variable y = x;
    for (int i = 0; i < 9; ++i) y = y + x;  // y = 10 x
    sum(y).backward();
    CHECK(x.grad().item() == 10.0f);
}

TEST_CASE("backward: deep graphs need no recursion", "[autograd]") {
    Variable x(Tensor::scalar(0.0f), true);
    Variable y = x;
    for (int i = 0; i < 200000; ++i) y = y + 1.0f;
    y.backward();
    CHECK(x.grad().item() == 1.0f);
    CHECK(y.value().item() == 200000.0f);
}

TEST_CASE("a deep graph that never runs backward is destroyed without recursion", "[autograd]") {
    Variable x(Tensor::scalar(0.0f), true);
    Variable y = x;
    for (int i = 0; i < 500000; ++i) y = y + 1.0f;
    y = Variable();
    CHECK(x.defined());
}

TEST_CASE("backward: the graph is freed afterwards", "[autograd]") {
    Variable x(Tensor::ones({3}), true);
    Variable h = x * 2.0f;
    Variable loss = sum(h);
    CHECK(loss.node() != nullptr);
    loss.backward();
    CHECK(loss.node() == nullptr);
    CHECK(h.node() == nullptr);
    CHECK_FALSE(h.has_grad());  // only leaves keep gradients
    CHECK_THROWS_AS(loss.backward(), StateError);
    // Reusing a freed intermediate in a new graph cannot reach x any more: refused, not silent.
    CHECK_THROWS_AS(sum(h * 3.0f).backward(), StateError);
}

TEST_CASE("backward: a non-scalar output needs an explicit gradient", "[autograd]") {
    Variable x(Tensor::ones({2, 3}), true);
    Variable y = x * 2.0f;
    try {
        y.backward();
        FAIL("expected ShapeError");
    } catch (const ShapeError& e) {
        CHECK_THAT(e.what(), Catch::Contains("scalar") && Catch::Contains("(2, 3)"));
    }
    Variable y2 = x * 2.0f;
    CHECK_THROWS_AS(y2.backward(Tensor::ones({3})), ShapeError);
    y2.backward(Tensor::ones({2, 3}));
    CHECK(x.grad().to_vector() == std::vector<float>(6, 2.0f));
}

TEST_CASE("NoGradGuard: nothing is recorded", "[autograd]") {
    Variable x(Tensor::ones({2}), true);
    {
        NoGradGuard guard;
        Variable y = sum(x * 2.0f);
        CHECK(y.node() == nullptr);
        CHECK_FALSE(y.requires_grad());
        CHECK_THROWS_AS(y.backward(), StateError);
    }
    CHECK(sum(x * 2.0f).node() != nullptr);
}

TEST_CASE("record: a user op with a hand-written backward", "[autograd]") {
    // cube(x) = x^3 with its own backward, through the same extension point the built-in ops use.
    auto cube = [](const Variable& x) {
        Tensor y = x.value();
        for (float& v : y.span()) v = v * v * v;
        return record("cube", std::move(y), {x}, [](const BackwardArgs& g) {
            for (int64_t i = 0; i < g.dy.numel(); ++i) {
                const float xv = g.x(0).data()[i];
                g.dx[0]->data()[i] += g.dy.data()[i] * 3.0f * xv * xv;
            }
        });
    };
    Variable x(Tensor::from_data({2}, {2.0f, -1.0f}), true);
    sum(cube(x)).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{12.0f, 3.0f});
}

TEST_CASE("inputs that need no gradient get none", "[autograd]") {
    Variable x(Tensor::ones({4, 3}));  // data: no gradient wanted
    Variable w(Tensor::ones({3, 2}), true);
    sum(matmul(x, w)).backward();
    CHECK_FALSE(x.has_grad());
    CHECK(w.grad().to_vector() == std::vector<float>(6, 4.0f));
}

TEST_CASE("gradcheck catches a wrong backward", "[autograd]") {
    // x^2 whose backward wrongly says 3x: the checker must notice.
    Variable x(Tensor::from_data({3}, {0.5f, -1.0f, 2.0f}), true);
    auto wrong_square = [&] {
        Tensor y = x.value();
        for (float& v : y.span()) v = v * v;
        return record("wrong_square", std::move(y), {x}, [](const BackwardArgs& g) {
            for (int64_t i = 0; i < g.dy.numel(); ++i) g.dx[0]->data()[i] += g.dy.data()[i] * 3.0f * g.x(0).data()[i];
        });
    };
    const auto result = testing::gradcheck(wrong_square, {x});
    CHECK_FALSE(result.ok);
    CHECK_THAT(result.message, Catch::Contains("finite differences"));
}

TEST_CASE("record_assigning: the first contribution is written, later ones are added", "[autograd]") {
    // double(x) = 2x, whose backward writes when the engine hands it an uninitialized gradient.
    std::vector<int> assigned;
    auto twice = [&](const Variable& x) {
        Tensor y = x.value();
        for (float& v : y.span()) v *= 2.0f;
        return record_assigning("twice", std::move(y), {x}, [&](const BackwardArgs& g) {
            assigned.push_back(g.assign(0) ? 1 : 0);
            float* d = g.dx[0]->data();
            for (int64_t i = 0; i < g.dy.numel(); ++i) d[i] = (g.assign(0) ? 0.0f : d[i]) + 2.0f * g.dy.data()[i];
        });
    };
    Variable x(Tensor::from_data({3}, {1.0f, 2.0f, 3.0f}), true);
    sum(twice(x) + twice(x)).backward();  // one branch writes, the other adds
    CHECK(x.grad().to_vector() == std::vector<float>(3, 4.0f));
    CHECK(assigned == std::vector<int>{1, 0});
    sum(twice(x)).backward();  // the leaf keeps its gradient: add to it
    CHECK(x.grad().to_vector() == std::vector<float>(3, 6.0f));
    CHECK(assigned.back() == 0);
}

TEST_CASE("record_assigning: an input read twice by one op starts from zero", "[autograd]") {
    Variable x(Tensor::from_data({2}, {1.0f, -2.0f}), true);
    auto square = [](const Variable& a, const Variable& b) {
        Tensor y = a.value();
        for (int64_t i = 0; i < y.numel(); ++i) y.data()[i] *= b.value().data()[i];
        return record_assigning("square", std::move(y), {a, b}, [](const BackwardArgs& g) {
            REQUIRE_FALSE(g.assign(0));
            REQUIRE_FALSE(g.assign(1));
            for (int64_t i = 0; i < g.dy.numel(); ++i) {
                g.dx[0]->data()[i] += g.dy.data()[i] * g.x(1).data()[i];
                g.dx[1]->data()[i] += g.dy.data()[i] * g.x(0).data()[i];
            }
        });
    };
    sum(square(x, x)).backward();
    CHECK(x.grad().to_vector() == std::vector<float>{2.0f, -4.0f});
}
