#pragma once
/// The small layers: Activation, Dropout, Flatten and Input.

#include <optional>

#include "minnow/core/rng.hpp"
#include "minnow/layers/layer.hpp"
#include "minnow/layers/registry.hpp"
#include "minnow/ops/activations.hpp"

namespace minnow {

/// Applies an activation by name ("relu") or enum; same shape out.
class Activation : public Layer {
public:
    /// `activation` by Keras name ("relu", "softmax", ...) or enum; ValueError for an unknown name.
    explicit Activation(ActivationArg activation);
    Shape build(const Shape& input_shape) override { return input_shape; }
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Activation"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<Activation> from_config(const Config& config);
    /// The activation applied.
    ActivationKind activation() const { return activation_; }

private:
    ActivationKind activation_;
};

/// Inverted dropout: in Train mode each value is zeroed with probability `rate` and the kept ones
/// scaled by 1 / (1 - rate); in Infer mode the identity. Masks come from the layer's own
/// generator, seeded by `seed` or, without one, from the global generator.
class Dropout : public Layer {
public:
    /// `rate` in [0, 1): the fraction of values zeroed in training; `seed` fixes the masks.
    explicit Dropout(double rate, std::optional<uint64_t> seed = std::nullopt);
    Shape build(const Shape& input_shape) override { return input_shape; }
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Dropout"; }
    Config get_config() const override;
    /// The layer get_config() describes.
    static std::shared_ptr<Dropout> from_config(const Config& config);
    /// The fraction of values zeroed in training.
    float rate() const { return rate_; }
    /// Restarts the mask sequence (for reproducible experiments and gradient checks).
    void reseed(uint64_t seed) { rng_ = Rng(seed); }

private:
    float rate_;
    std::optional<uint64_t> seed_;
    Rng rng_;
};

/// (None, d1, d2, ...) -> (None, d1 * d2 * ...).
class Flatten : public Layer {
public:
    Flatten() = default;
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode mode) override;
    std::string class_name() const override { return "Flatten"; }
    /// The layer get_config() describes.
    static std::shared_ptr<Flatten> from_config(const Config& config);
};

/// Declares the shape of one sample (without the batch dimension), Keras' `Input(shape)`.
/// In a Sequential it fixes the input shape; on its own it is the identity.
class InputLayer : public Layer {
public:
    /// One sample's shape, without the batch dimension: `InputLayer({28, 28, 1})`.
    explicit InputLayer(Shape shape);
    Shape build(const Shape& input_shape) override;
    Variable forward(const Variable& x, Mode) override { return x; }
    std::string class_name() const override { return "InputLayer"; }
    Config get_config() const override;
    /// The layer get_config() describes: its batch_shape is (None, dims...).
    static std::shared_ptr<InputLayer> from_config(const Config& config);
    /// The declared sample shape, e.g. (784,).
    const Shape& sample_shape() const { return shape_; }

private:
    Shape shape_;
};

/// `minnow::Input({784})` as in Keras.
using Input = InputLayer;

MINNOW_LINK_LAYER(Activation);
MINNOW_LINK_LAYER(Dropout);
MINNOW_LINK_LAYER(Flatten);
MINNOW_LINK_LAYER(InputLayer);

}  // namespace minnow
