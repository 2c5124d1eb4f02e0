#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/core/shape.hpp"

using minnow::Shape;

TEST_CASE("Shape: prints Keras style", "[core]") {
    CHECK(Shape{32, 784}.str() == "(32, 784)");
    CHECK(Shape{5}.str() == "(5,)");
    CHECK(Shape{}.str() == "()");
    CHECK(Shape{32, 26, 26, 32}.batch_str() == "(None, 26, 26, 32)");
    CHECK(Shape{Shape::kNone, 10}.str() == "(None, 10)");
}
