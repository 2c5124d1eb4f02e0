#pragma once
/// Layer: the base of every layer, built-in or user-written, with Keras' contract.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "minnow/core/config.hpp"

#include "minnow/autograd/variable.hpp"
#include "minnow/init/initializers.hpp"

namespace minnow {

/// Whether a layer runs as in training (batch statistics, dropout on) or inference.
enum class Mode { Train, Infer };

/// A layer writes two things: `build(input_shape)`, which creates its weights with add_weight()
/// and returns its output shape, and `forward(x, mode)`, which composes differentiable ops. It
/// never writes a backward pass: gradients come from the ops' recorded graph.
///
/// Shapes given to build() and returned by it include the batch dimension as Shape::kNone.
/// Calling the layer builds it on first use and then checks every input against the built shape.
class Layer {
public:
    Layer() = default;
    virtual ~Layer() = default;
    Layer(const Layer&) = delete;
    Layer& operator=(const Layer&) = delete;
    ///@{
    /// Layers move (Sequential takes them by value) but do not copy: weights are shared by handle.
    Layer(Layer&&) = default;
    Layer& operator=(Layer&&) = default;
    ///@}

    /// Runs the layer on a batch x: builds it on first use from x's shape, checks the shape,
    /// then forward(). Keras' default is inference, as in `layer(x)`.
    Variable operator()(const Variable& x, Mode mode = Mode::Infer);

    /// Creates the weights for `input_shape` (batch dimension None) and returns the output shape.
    virtual Shape build(const Shape& input_shape) = 0;
    /// The layer's computation on a batch, from differentiable ops.
    virtual Variable forward(const Variable& x, Mode mode) = 0;
    /// Keras' class name: "Dense", "BatchNormalization".
    virtual std::string class_name() const = 0;
    /// Keras' get_config(): the arguments that rebuild this layer, plus name and trainable.
    virtual Config get_config() const;

    /// Layers this one is made of (a Sequential's layers); their weights count as this layer's.
    virtual std::vector<Layer*> sublayers() const { return {}; }

    /// Builds the layer for `input_shape` if it is not built yet (checks the shape if it is);
    /// returns the output shape. The batch dimension of `input_shape` is ignored.
    Shape ensure_built(const Shape& input_shape);
    /// Whether build() has run.
    bool built() const { return built_; }
    /// The built input and output shapes, batch dimension None (StateError before build).
    const Shape& input_shape() const;
    const Shape& output_shape() const;  ///< the built output shape, batch dimension None

    /// The layer's name: as set, or the snake_case of its class name ("batch_normalization").
    std::string name() const;
    /// Names the layer (a model keeps a user's name as it is).
    void set_name(std::string name);
    /// True when the user named the layer (a model then keeps the name as is).
    bool has_explicit_name() const { return explicit_name_; }
    /// A model's automatic name ("dense_1"): replaced by set_name() later, never over a user's.
    void set_automatic_name(std::string name);

    /// Whether the optimizer may change this layer's weights; a frozen BatchNormalization also
    /// runs in inference mode (as in Keras). Setting it sets it on every sublayer too.
    bool trainable() const { return trainable_; }
    /// Freezes (false) or unfreezes the layer and every sublayer.
    void set_trainable(bool trainable);

    /// Weights in Keras' order: this layer's trainable ones in creation order, then its
    /// non-trainable ones, then each sublayer's weights in turn.
    std::vector<Variable> weights() const;
    std::vector<Variable> trainable_weights() const;      ///< those the optimizer updates, same order
    std::vector<Variable> non_trainable_weights() const;  ///< the others (moving statistics, a frozen layer's)
    /// Each weight's name within the layer ("kernel", "moving_mean"; a sublayer's weights as
    /// "dense/kernel"), in weights() order.
    std::vector<std::string> weight_names() const;
    /// Copies of the weights' values, in weights() order.
    std::vector<Tensor> get_weights() const;
    /// Replaces the weights' values; the count and every shape must match (ValueError otherwise).
    void set_weights(const std::vector<Tensor>& values);
    /// Number of scalars in all weights (trainable and not).
    int64_t count_params() const;

protected:
    /// Creates a weight of `shape` filled by `initializer`; trainable ones receive gradients.
    /// ValueError when the weight would not fit in the machine's memory.
    Variable add_weight(const std::string& name, const Shape& shape, const Initializer& initializer,
                        bool trainable = true);
    /// "Dense 'dense_1'": how messages name this layer.
    std::string describe() const;
    /// For composite layers that build in steps (Sequential.add): records the built shapes.
    void set_built_shapes(Shape input_shape, Shape output_shape);

private:
    struct Weight {
        std::string name;
        Variable variable;
        bool trainable;
    };
    std::vector<const Weight*> ordered_weights() const;

    std::string name_;
    bool explicit_name_ = false;
    bool trainable_ = true;
    bool built_ = false;
    Shape input_shape_;
    Shape output_shape_;
    std::vector<Weight> weights_;
};

/// Keras' to_snake_case: "BatchNormalization" -> "batch_normalization", "Conv2D" -> "conv2d".
std::string to_snake_case(const std::string& class_name);

/// Sets a layer's name inline: `named("hidden", Dense(64))`.
template <class L>
    requires std::derived_from<std::decay_t<L>, Layer>
std::decay_t<L> named(std::string name, L&& layer) {
    layer.set_name(std::move(name));
    return std::move(layer);
}

}  // namespace minnow
