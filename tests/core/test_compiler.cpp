// The compiler builds what the source says. GCC 12.2 with AVX-512 once turned this constant into
// eight 1s (cmake/miscompile_canary.cpp); the build checks for it and works around it, and this
// test fails if a build does not (the tests are compiled with the library's flags).
#include <catch2/catch.hpp>

#include <vector>

namespace {
__attribute__((noinline)) std::vector<float> half_ones() { return {1, 1, 1, 1, 0, 0, 0, 0}; }
}  // namespace

TEST_CASE("compiler: float constants survive the vectorizer", "[core]") {
    const std::vector<float> v = half_ones();
    CHECK(v == std::vector<float>{1, 1, 1, 1, 0, 0, 0, 0});
    const std::vector<float> direct{1, 1, 1, 1, 0, 0, 0, 0};
    CHECK(direct[4] == 0.0f);
    CHECK(direct[7] == 0.0f);
}
