#pragma once
/// Weight initializers with Keras' names, defaults and fan computation.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "minnow/core/config.hpp"

#include "minnow/core/rng.hpp"
#include "minnow/tensor/tensor.hpp"

namespace minnow {

/// Sets the seed of the global generator that initializers and dropout draw from when they were
/// given no seed of their own (Keras' keras.utils.set_random_seed). Each thread has its own
/// global generator (seeded 1337 until set), so models built in different threads do not draw
/// from one another's sequence.
void set_random_seed(uint64_t seed);
/// This thread's global generator.
Rng& global_rng();

/// Keras' fans: for a kernel (..., fan_in_part, fan_out_part), the leading axes form the
/// receptive field: fan_in = shape[-2] * receptive, fan_out = shape[-1] * receptive. A vector
/// has fan_in = fan_out = its length.
struct Fans {
    double fan_in = 1.0;   ///< inputs feeding each output unit
    double fan_out = 1.0;  ///< outputs each input unit feeds
};
/// Keras' fans of a weight of `shape`.
Fans compute_fans(const Shape& shape);

/// How to fill a new weight. Subclass it for a custom initializer.
class InitializerBase {
public:
    virtual ~InitializerBase() = default;
    /// A tensor of `shape` drawn from `rng`.
    virtual Tensor operator()(const Shape& shape, Rng& rng) const = 0;
    /// Keras' name ("glorot_uniform").
    virtual std::string name() const = 0;
    /// Keras' arguments of the initializer, e.g. {"mean": 0.0, "stddev": 0.05, "seed": null}.
    virtual Config get_config() const;
    /// The seed this initializer was given, if any; otherwise the global generator is used.
    std::optional<uint64_t> seed;
};

/// A value handle to an initializer: from a Keras name (`"he_normal"`) or an object (`HeNormal()`).
class Initializer {
public:
    ///@{
    /// An initializer by Keras name ("glorot_uniform", "he_normal", "zeros", ...); ValueError otherwise.
    Initializer(const char* name);         // NOLINT(google-explicit-constructor): Keras takes names
    Initializer(const std::string& name);  // NOLINT(google-explicit-constructor)
    ///@}
    /// Any InitializerBase subclass, by value: `RandomNormal(0.0f, 0.01f)`.
    template <class T>
        requires std::derived_from<T, InitializerBase>
    Initializer(T init) : impl_(std::make_shared<T>(std::move(init))) {}  // NOLINT(google-explicit-constructor)

    /// Draws a tensor of `shape` (from its own seed if it has one, else from `rng`).
    Tensor operator()(const Shape& shape, Rng& rng) const;
    /// Keras' name of the initializer.
    std::string name() const { return impl_->name(); }
    /// Keras' serialized form: {"class_name": "RandomNormal", "config": {"mean": 0.0, ...}}.
    Config serialize() const;
    /// The initializer serialize() describes; ValueError naming the known classes otherwise (by
    /// name, "glorot_uniform", is the string constructor).
    static Initializer deserialize(const Config& serialized);
    /// An initializer object shared with the caller (it must not change while in use).
    explicit Initializer(std::shared_ptr<const InitializerBase> impl) : impl_(std::move(impl)) {}

private:
    std::shared_ptr<const InitializerBase> impl_;
};

namespace detail {
/// A new built-in initializer by Keras name, or null.
std::shared_ptr<InitializerBase> initializer_by_name(const std::string& name);
}  // namespace detail

/// Uniform in [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)).
struct GlorotUniform : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "glorot_uniform"; }
};
/// Truncated normal (2 stddev) with stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796.
struct GlorotNormal : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "glorot_normal"; }
};
/// Uniform in [-limit, limit] with limit = sqrt(6 / fan_in).
struct HeUniform : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "he_uniform"; }
};
/// Truncated normal with stddev = sqrt(2 / fan_in) / 0.8796.
struct HeNormal : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "he_normal"; }
};
/// Truncated normal with stddev = sqrt(1 / fan_in) / 0.8796.
struct LecunNormal : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "lecun_normal"; }
};
/// All zeros (Keras' default for biases).
struct Zeros : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "zeros"; }
};
/// All ones.
struct Ones : InitializerBase {
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "ones"; }
};
/// Every element equal to `value`.
struct Constant : InitializerBase {
    /// Fills with `v`.
    explicit Constant(float v = 0.0f) : value(v) {}
    float value;  ///< the fill value
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "constant"; }
    Config get_config() const override;
};
/// Uniform in [minval, maxval) (Keras' defaults -0.05, 0.05).
struct RandomUniform : InitializerBase {
    /// Uniform in [lo, hi).
    explicit RandomUniform(float lo = -0.05f, float hi = 0.05f) : minval(lo), maxval(hi) {}
    float minval;  ///< the lower bound
    float maxval;  ///< the upper bound (excluded)
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "random_uniform"; }
    Config get_config() const override;
};
/// Normal with `mean` and `stddev` (Keras' defaults 0, 0.05).
struct RandomNormal : InitializerBase {
    /// Normal with mean `m` and standard deviation `s`.
    explicit RandomNormal(float m = 0.0f, float s = 0.05f) : mean(m), stddev(s) {}
    float mean;    ///< the mean
    float stddev;  ///< the standard deviation
    Tensor operator()(const Shape& shape, Rng& rng) const override;
    std::string name() const override { return "random_normal"; }
    Config get_config() const override;
};

}  // namespace minnow
