#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/ops/arithmetic.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;
using minnow::test::random_leaf;

TEST_CASE("gradcheck: add, sub, mul, div with broadcasting", "[ops]") {
    Variable a = random_leaf({3, 4}, 1);
    Variable bias = random_leaf({4}, 2);
    Variable col = random_leaf({3, 1}, 3, 0.5f, 2.0f);  // kept away from 0 for div
    Variable s = random_leaf({}, 4, 0.5f, 2.0f);
    REQUIRE_GRADCHECK([&] { return add(a, bias); }, {a, bias});
    REQUIRE_GRADCHECK([&] { return sub(bias, a); }, {a, bias});
    REQUIRE_GRADCHECK([&] { return mul(a, col); }, {a, col});
    REQUIRE_GRADCHECK([&] { return div(a, col); }, {a, col});
    REQUIRE_GRADCHECK([&] { return div(bias, s); }, {bias, s});
    REQUIRE_GRADCHECK([&] { return a * a; }, {a});
    REQUIRE_GRADCHECK([&] { return a * 3.0f + 1.0f; }, {a});
}

TEST_CASE("gradcheck: sum and mean, whole and along an axis", "[ops]") {
    Variable x = random_leaf({2, 3, 4}, 5);
    REQUIRE_GRADCHECK([&] { return sum(x); }, {x});
    REQUIRE_GRADCHECK([&] { return mean(x); }, {x});
    for (int64_t axis : {0, 1, 2, -1}) {
        REQUIRE_GRADCHECK([&] { return sum(x, axis); }, {x});
        REQUIRE_GRADCHECK([&] { return mean(x, axis, true); }, {x});
    }
}

TEST_CASE("gradcheck: reshape, flatten and elementwise math", "[ops]") {
    Variable x = random_leaf({2, 3, 2}, 6);
    Variable pos = random_leaf({5}, 7, 0.5f, 2.0f);
    REQUIRE_GRADCHECK([&] { return reshape(x, {3, 4}); }, {x});
    REQUIRE_GRADCHECK([&] { return flatten(x); }, {x});
    REQUIRE_GRADCHECK([&] { return sqrt(pos); }, {pos});
    REQUIRE_GRADCHECK([&] { return log(pos); }, {pos});
    REQUIRE_GRADCHECK([&] { return exp(x); }, {x});
    REQUIRE_GRADCHECK([&] { return square(x); }, {x});
    CHECK(flatten(x).shape() == Shape{2, 6});
}

TEST_CASE("ops refuse incompatible shapes naming them", "[ops]") {
    Variable a(Tensor::zeros({2, 3}));
    Variable b(Tensor::zeros({4}));
    CHECK_THROWS_WITH(add(a, b), "cannot broadcast shapes (2, 3) and (4,)");
    CHECK_THROWS_WITH(reshape(a, {4, 2}), Catch::Contains("(2, 3)") && Catch::Contains("(4, 2)"));
}
