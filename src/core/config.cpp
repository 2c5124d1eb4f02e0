#include "minnow/core/config.hpp"

#include <fmt/format.h>

#include "core/config_json.hpp"
#include "minnow/core/error.hpp"

namespace minnow {

namespace {

std::string shown(const nlohmann::json& value) {
    std::string text = value.dump();
    return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

template <class T>
const char* expected_name() {
    if constexpr (std::same_as<T, bool>) return "a boolean";
    else if constexpr (std::same_as<T, int> || std::same_as<T, int64_t>) return "an integer";
    else if constexpr (std::same_as<T, uint64_t>) return "a non-negative integer";
    else if constexpr (std::same_as<T, float> || std::same_as<T, double>) return "a number";
    else if constexpr (std::same_as<T, std::string>) return "a string";
    else if constexpr (std::same_as<T, std::vector<int64_t>>) return "a list of integers";
    else if constexpr (std::same_as<T, std::vector<double>>) return "a list of numbers";
    else if constexpr (std::same_as<T, std::vector<std::string>>) return "a list of strings";
    else return "an object";
}

template <class T>
bool holds(const nlohmann::json& v) {
    if constexpr (std::same_as<T, bool>) return v.is_boolean();
    else if constexpr (std::same_as<T, int>)
        return v.is_number_integer() && v.get<int64_t>() >= INT32_MIN && v.get<int64_t>() <= INT32_MAX &&
               !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT32_MAX));
    else if constexpr (std::same_as<T, int64_t>)
        return v.is_number_integer() && !(v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX));
    else if constexpr (std::same_as<T, uint64_t>) return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    else if constexpr (std::same_as<T, float> || std::same_as<T, double>) return v.is_number();
    else if constexpr (std::same_as<T, std::string>) return v.is_string();
    else if constexpr (std::same_as<T, Config>) return v.is_object();
    else {
        if (!v.is_array()) return false;
        for (const auto& e : v)
            if (!holds<typename T::value_type>(e)) return false;
        return true;
    }
}

}  // namespace

Config config_from_json(nlohmann::json object, std::string_view what) {
    MINNOW_CHECK(object.is_object(), ValueError, "{}: expected a JSON object, got {}", what, shown(object));
    Config config;
    json_of(config) = std::move(object);
    return config;
}

Config::Config() : json_(std::make_unique<Json>()) {}
Config::~Config() = default;
Config::Config(const Config& other) : json_(std::make_unique<Json>(*other.json_)) {}
Config::Config(Config&& other) noexcept : json_(std::move(other.json_)) {}
Config& Config::operator=(const Config& other) {
    if (this != &other) json_ = std::make_unique<Json>(*other.json_);
    return *this;
}
Config& Config::operator=(Config&& other) noexcept {
    json_ = std::move(other.json_);
    return *this;
}

// A moved-from Config reads as an empty object again.
Config::Json& Config::json() {
    if (!json_) json_ = std::make_unique<Json>();
    return *json_;
}
const Config::Json& Config::json() const {
    static const Json empty;
    return json_ ? *json_ : empty;
}

Config Config::parse(std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    MINNOW_CHECK(!j.is_discarded(), ValueError, "config: not valid JSON: {}", text.substr(0, 60));
    return config_from_json(std::move(j));
}

std::string Config::dump(int indent) const { return json_of(*this).dump(indent); }

template <ConfigValue T>
Config& Config::set(std::string_view key, const T& value) {
    if constexpr (std::same_as<T, Config>)
        json_of(*this)[std::string(key)] = json_of(value);
    else
        json_of(*this)[std::string(key)] = value;
    return *this;
}

Config& Config::set_null(std::string_view key) {
    json_of(*this)[std::string(key)] = nullptr;
    return *this;
}

Config& Config::erase(std::string_view key) {
    json_of(*this).erase(std::string(key));
    return *this;
}

namespace {

template <ConfigValue T>
T value_as(const nlohmann::json& value, std::string_view key) {
    MINNOW_CHECK(holds<T>(value), ValueError, "config key '{}': expected {}, got {}", key, expected_name<T>(), shown(value));
    if constexpr (std::same_as<T, Config>)
        return config_from_json(value);
    else
        return value.template get<T>();
}

}  // namespace

template <ConfigValue T>
T Config::get(std::string_view key) const {
    const nlohmann::json& j = json_of(*this);
    const auto it = j.find(std::string(key));
    MINNOW_CHECK(it != j.end(), ValueError, "config: missing key '{}'", key);
    return value_as<T>(*it, key);
}

template <ConfigValue T>
T Config::get(std::string_view key, const T& fallback) const {
    const nlohmann::json& j = json_of(*this);
    const auto it = j.find(std::string(key));
    if (it == j.end() || it->is_null()) return fallback;
    return value_as<T>(*it, key);
}

bool Config::contains(std::string_view key) const { return json_of(*this).contains(std::string(key)); }

bool Config::is_null(std::string_view key) const {
    const nlohmann::json& j = json_of(*this);
    const auto it = j.find(std::string(key));
    return it != j.end() && it->is_null();
}

std::vector<std::string> Config::keys() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : json_of(*this).items()) out.push_back(key);
    return out;
}

bool Config::empty() const { return json_of(*this).empty(); }

bool Config::operator==(const Config& other) const { return json_of(*this) == json_of(other); }

#define MINNOW_CONFIG_VALUE(T)                                             \
    template Config& Config::set<T>(std::string_view, const T&);           \
    template T Config::get<T>(std::string_view) const;                     \
    template T Config::get<T>(std::string_view, const T&) const;
MINNOW_CONFIG_VALUE(bool)
MINNOW_CONFIG_VALUE(int)
MINNOW_CONFIG_VALUE(int64_t)
MINNOW_CONFIG_VALUE(uint64_t)
MINNOW_CONFIG_VALUE(float)
MINNOW_CONFIG_VALUE(double)
MINNOW_CONFIG_VALUE(std::string)
MINNOW_CONFIG_VALUE(std::vector<int64_t>)
MINNOW_CONFIG_VALUE(std::vector<double>)
MINNOW_CONFIG_VALUE(std::vector<std::string>)
MINNOW_CONFIG_VALUE(Config)
#undef MINNOW_CONFIG_VALUE

}  // namespace minnow
