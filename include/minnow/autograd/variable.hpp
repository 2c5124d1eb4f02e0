#pragma once
/// Variable: a tensor value, its gradient, and (for an op's result) the node that knows how to
/// send a gradient back to the op's inputs.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "minnow/tensor/tensor.hpp"

namespace minnow {

class Node;

/// A shared handle to a value in the autograd graph (copies share the same value and gradient, like
/// a PyTorch tensor). Leaves are created by the user (inputs, weights); every other Variable is
/// made by an op and remembers the op's Node until backward() frees the graph.
class Variable {
public:
    /// An undefined Variable.
    Variable() = default;
    /// A leaf holding `value`; `requires_grad` asks backward() to fill its gradient.
    explicit Variable(Tensor value, bool requires_grad = false);

    /// Whether this Variable holds a value (a default-constructed one does not).
    bool defined() const { return impl_ != nullptr; }
    /// The value (StateError on an undefined Variable).
    const Tensor& value() const;
    /// Mutable access for optimizers and initializers; changing it does not touch the graph.
    Tensor& value();
    /// The value's shape.
    const Shape& shape() const { return value().shape(); }

    ///@{
    /// The accumulated gradient (undefined until a backward pass reaches this Variable).
    const Tensor& grad() const;
    Tensor& grad();
    bool has_grad() const;
    ///@}
    /// Forgets the gradient (the next backward pass starts from zero).
    void zero_grad();

    /// Whether backward() computes a gradient for this Variable (leaves as set, op results when an input does).
    bool requires_grad() const;
    /// Only for leaves: whether backward() should compute this leaf's gradient.
    void set_requires_grad(bool required);
    /// True for user-created Variables, false for results of ops.
    bool is_leaf() const;
    /// The op that made this Variable (null for leaves and after the graph is freed).
    Node* node() const;

    /// Backpropagates from this scalar: fills the gradients of every leaf that requires one
    /// (accumulating with +=), then frees the graph.
    void backward();
    /// Backpropagates `grad`, shaped like this Variable's value.
    void backward(const Tensor& grad);

    /// Identity of the underlying value (two handles to the same Variable compare equal).
    bool same_as(const Variable& other) const { return impl_ == other.impl_; }

    struct Impl;
    /// The shared state, for the autograd engine (an opaque type outside it).
    Impl* impl_for_graph() const { return impl_.get(); }

private:
    friend Variable make_result(Tensor value, std::unique_ptr<Node> node);
    friend struct Impl;
    std::shared_ptr<Impl> impl_;
};

/// What an op's backward function is given.
struct BackwardArgs {
    const Tensor& y;                   ///< the op's output value
    const Tensor& dy;                  ///< gradient of the loss with respect to y
    std::span<const Variable> inputs;  ///< the op's inputs, as recorded
    /// dx[i]: where to add (+=) the gradient with respect to input i; null when input i needs none.
    /// Shaped like input i, zero on the first contribution (but see assign()).
    std::span<Tensor* const> dx;
    /// Per input, whether dx[i] is uninitialized; only ever set for ops recorded with
    /// record_assigning(). Empty means none.
    std::span<const uint8_t> assign_flags = {};

    /// The value of input i.
    const Tensor& x(size_t i) const { return inputs[i].value(); }
    /// True when this op is the first to contribute to input i's gradient and dx[i] was not
    /// zero-filled: the backward must write (=) every element of dx[i] instead of adding.
    bool assign(size_t i) const { return i < assign_flags.size() && assign_flags[i] != 0; }
    /// dx[i]'s data, ready to add (+=) into: zero-filled first when assign(i). Null when input i
    /// needs no gradient. For the inputs an assigning op does not write in full.
    float* add_target(size_t i) const;
};

/// A recorded op: its inputs and how to push a gradient to them. Built-in ops and user ops both
/// subclass it (usually through minnow::record(), which wraps a lambda).
class Node {
public:
    /// A node over the Variables it read; they are kept alive as long as the node.
    explicit Node(std::vector<Variable> inputs) : inputs_(std::move(inputs)) {}
    virtual ~Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    /// A short name for error messages ("matmul", "batch_norm").
    virtual std::string_view name() const = 0;
    /// Adds to each non-null args.dx[i] the gradient with respect to input i.
    virtual void backward(const BackwardArgs& args) = 0;
    /// Whether backward() honours args.assign(i), so the engine may skip zero-filling a gradient
    /// this op is the first to write. A memset of every large activation gradient is otherwise a
    /// measurable share of a training step.
    virtual bool assigns_gradients() const { return false; }

    /// The op's inputs, in the order backward() addresses them.
    const std::vector<Variable>& inputs() const { return inputs_; }

private:
    friend struct Variable::Impl;
    std::vector<Variable> inputs_;
};

/// Makes the result Variable of an op from its value and its node (which holds the inputs).
Variable make_result(Tensor value, std::unique_ptr<Node> node);

/// Whether ops record the graph on this thread (false under NoGradGuard).
bool grad_enabled();
/// True when any of `inputs` requires a gradient and recording is on: only then is a node needed.
bool needs_graph(std::span<const Variable> inputs);

namespace detail {
template <class Fn>
class LambdaNode final : public Node {
public:
    LambdaNode(std::string_view name, std::vector<Variable> inputs, Fn fn, bool assigns)
        : Node(std::move(inputs)), name_(name), fn_(std::move(fn)), assigns_(assigns) {}
    std::string_view name() const override { return name_; }
    void backward(const BackwardArgs& args) override { fn_(args); }
    bool assigns_gradients() const override { return assigns_; }

private:
    std::string_view name_;
    Fn fn_;
    bool assigns_;
};

template <class Backward>
Variable record_node(std::string_view name, Tensor value, std::vector<Variable> inputs, Backward&& backward,
                     bool assigns) {
    if (!needs_graph(inputs)) return Variable(std::move(value));
    auto node = std::make_unique<LambdaNode<std::decay_t<Backward>>>(name, std::move(inputs),
                                                                     std::forward<Backward>(backward), assigns);
    return make_result(std::move(value), std::move(node));
}
}  // namespace detail

/// The extension point for an op with a hand-written backward, used by every built-in op:
/// `value` is the op's forward result, `inputs` the Variables it read, and
/// `backward(const BackwardArgs& g)` adds each input's gradient into g.dx[i] (skipping null
/// entries), reading g.y, g.dy and g.x(i) and whatever the lambda captured (saved tensors live
/// until backward has run). When no input needs a gradient, or under NoGradGuard, no node is
/// recorded at all. `name` must outlive the graph (a string literal).
template <class Backward>
Variable record(std::string_view name, Tensor value, std::vector<Variable> inputs, Backward&& backward) {
    return detail::record_node(name, std::move(value), std::move(inputs), std::forward<Backward>(backward), false);
}

/// Like record(), for a backward that checks g.assign(i) and, when it is true, writes (=) all of
/// dx[i] instead of adding to it: the engine then hands over an uninitialized gradient instead of
/// zero-filling one. The built-in ops whose gradients are large use it; record() is always correct.
template <class Backward>
Variable record_assigning(std::string_view name, Tensor value, std::vector<Variable> inputs, Backward&& backward) {
    return detail::record_node(name, std::move(value), std::move(inputs), std::forward<Backward>(backward), true);
}

}  // namespace minnow
