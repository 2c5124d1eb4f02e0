#pragma once
/// Config: the arguments that rebuild a layer, optimizer, loss, initializer or schedule, as Keras'
/// get_config() dictionaries, saved with a model as JSON. A small value type of its own, so that
/// the public headers need no JSON library.

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace minnow {

class Config;

/// The value types a Config holds under a key.
template <class T>
concept ConfigValue = std::same_as<T, bool> || std::same_as<T, int> || std::same_as<T, int64_t> ||
                      std::same_as<T, uint64_t> || std::same_as<T, float> || std::same_as<T, double> ||
                      std::same_as<T, std::string> || std::same_as<T, std::vector<int64_t>> ||
                      std::same_as<T, std::vector<double>> || std::same_as<T, std::vector<std::string>> ||
                      std::same_as<T, Config>;

/// A JSON object: keys to numbers, booleans, strings, lists of them, nested Configs or null. A
/// custom layer writes its arguments into the base class' config and reads them back:
///
///     minnow::Config get_config() const override {
///         minnow::Config config = Layer::get_config();
///         config.set("initial_slope", initial_slope_);
///         return config;
///     }
///     static std::shared_ptr<PReLU> from_config(const minnow::Config& config) {
///         return std::make_shared<PReLU>(config.get<float>("initial_slope"));
///     }
///
/// Reading a missing key, or a value of another type, throws a ValueError naming the key, the
/// type expected and the value found (a saved model's config is untrusted input).
class Config {
public:
    /// An empty object.
    Config();
    ~Config();
    ///@{
    /// Copies are deep; a moved-from Config is an empty object.
    Config(const Config& other);
    Config(Config&& other) noexcept;
    Config& operator=(const Config& other);
    Config& operator=(Config&& other) noexcept;
    ///@}

    /// The object in JSON text; ValueError naming the problem when the text is not a JSON object.
    static Config parse(std::string_view json);
    /// JSON text; `indent` >= 0 pretty-prints with that many spaces.
    std::string dump(int indent = -1) const;

    /// Sets `key` to `value` (replacing what was there).
    template <ConfigValue T>
    Config& set(std::string_view key, const T& value);
    /// A string literal is stored as a string.
    Config& set(std::string_view key, const char* value) { return set(key, std::string(value)); }
    /// Sets `key` to JSON null.
    Config& set_null(std::string_view key);
    /// Removes `key` if present.
    Config& erase(std::string_view key);

    /// The value under `key` (ValueError when it is missing or of another type; integers read as
    /// floats, not the other way round).
    template <ConfigValue T>
    T get(std::string_view key) const;
    /// The value under `key`, or `fallback` when the key is missing or null.
    template <ConfigValue T>
    T get(std::string_view key, const T& fallback) const;
    /// A string with a literal fallback.
    std::string get(std::string_view key, const char* fallback) const { return get<std::string>(key, fallback); }

    /// Whether `key` is present (null counts as present).
    bool contains(std::string_view key) const;
    /// Whether `key` is present and null.
    bool is_null(std::string_view key) const;
    /// The keys, in order.
    std::vector<std::string> keys() const;
    /// Whether there are no keys.
    bool empty() const;

    /// Same keys with equal values.
    bool operator==(const Config& other) const;

    /// The JSON value inside; only the library's sources, which include nlohmann/json, use it.
    struct Json;
    /// \cond
    Json& json();
    const Json& json() const;
    /// \endcond

private:
    std::unique_ptr<Json> json_;
};

}  // namespace minnow
