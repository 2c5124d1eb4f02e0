// Config: the public value type for get_config() dictionaries (no JSON library in the headers).
#include <catch2/catch.hpp>

#include "minnow/core/config.hpp"
#include "minnow/core/error.hpp"

using minnow::Config;

TEST_CASE("config: every value type goes in and comes back", "[core]") {
    Config inner;
    inner.set("mean", 0.5);
    Config c;
    c.set("flag", true)
        .set("units", int64_t{64})
        .set("small", 3)
        .set("seed", uint64_t{1} << 63)
        .set("rate", 0.25f)
        .set("eps", 1e-7)
        .set("name", "dense")
        .set("shape", std::vector<int64_t>{28, 28, 1})
        .set("values", std::vector<double>{0.1, 0.2})
        .set("names", std::vector<std::string>{"a", "b"})
        .set("initializer", inner)
        .set_null("strides");
    CHECK(c.get<bool>("flag"));
    CHECK(c.get<int64_t>("units") == 64);
    CHECK(c.get<int>("small") == 3);
    CHECK(c.get<uint64_t>("seed") == uint64_t{1} << 63);
    CHECK(c.get<float>("rate") == 0.25f);
    CHECK(c.get<double>("eps") == 1e-7);
    CHECK(c.get<std::string>("name") == "dense");
    CHECK(c.get<std::vector<int64_t>>("shape") == std::vector<int64_t>{28, 28, 1});
    CHECK(c.get<std::vector<double>>("values") == std::vector<double>{0.1, 0.2});
    CHECK(c.get<std::vector<std::string>>("names") == std::vector<std::string>{"a", "b"});
    CHECK(c.get<Config>("initializer") == inner);
    CHECK(c.is_null("strides"));
    CHECK(c.contains("strides"));
    CHECK(c.get<double>("units") == 64.0);  // an integer reads as a number

    const Config back = Config::parse(c.dump(2));
    CHECK(back == c);
    CHECK(back.keys() == c.keys());
}

TEST_CASE("config: fallbacks for missing and null keys", "[core]") {
    Config c;
    c.set_null("strides");
    CHECK(c.get<int64_t>("strides", 2) == 2);
    CHECK(c.get<bool>("use_bias", true));
    CHECK(c.get("activation", "linear") == "linear");
    c.set("activation", "relu");
    CHECK(c.get("activation", "linear") == "relu");
}

TEST_CASE("config: a missing key or a value of another type names the key, the type and the value", "[core]") {
    Config c;
    c.set("units", "sixty-four").set("rate", 0.5).set("big", int64_t{1} << 40).set("shape", std::vector<double>{1.5});
    CHECK_THROWS_MATCHES(c.get<int64_t>("filters"), minnow::ValueError, Catch::Message("config: missing key 'filters'"));
    CHECK_THROWS_WITH(c.get<int64_t>("units"),
                      Catch::Contains("config key 'units': expected an integer, got \"sixty-four\""));
    CHECK_THROWS_WITH(c.get<int64_t>("rate"), Catch::Contains("expected an integer, got 0.5"));
    CHECK_THROWS_WITH(c.get<int>("big"), Catch::Contains("config key 'big': expected an integer"));
    CHECK_THROWS_WITH(c.get<std::vector<int64_t>>("shape"), Catch::Contains("expected a list of integers, got [1.5]"));
    CHECK_THROWS_WITH(c.get<Config>("rate"), Catch::Contains("expected an object"));
    CHECK_THROWS_WITH(c.get<int64_t>("units", 3), Catch::Contains("expected an integer"));  // present: no fallback
}

TEST_CASE("config: parse refuses what is not a JSON object", "[core]") {
    CHECK_THROWS_WITH(Config::parse("{\"units\": "), Catch::Contains("config: not valid JSON"));
    CHECK_THROWS_WITH(Config::parse("[1, 2]"), Catch::Contains("config: expected a JSON object, got [1,2]"));
    CHECK(Config::parse("{}").empty());
}

TEST_CASE("config: copies are deep, and a moved-from config is empty", "[core]") {
    Config a;
    a.set("units", 3);
    Config b = a;
    b.set("units", 4);
    CHECK(a.get<int>("units") == 3);
    Config c = std::move(a);
    CHECK(c.get<int>("units") == 3);
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): documented as empty
    a.set("units", 5);
    CHECK(a.get<int>("units") == 5);
    c.erase("units");
    CHECK(c.empty());
}
