#include "minnow/autograd/graph.hpp"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "autograd/variable_impl.hpp"
#include "minnow/core/error.hpp"
#include "minnow/tensor/tensor_ops.hpp"

namespace minnow {

namespace {

std::atomic<uint64_t> g_traversal{0};

using Impl = Variable::Impl;

// Reverse topological order of the graph below `root` (root first), by an explicit-stack
// depth-first search, so arbitrarily deep graphs cannot overflow the call stack. The order holds
// handles, not raw pointers: freeing one node's inputs must not free a Variable still to come.
std::vector<Variable> topological_order(const Variable& root) {
    const uint64_t mark = ++g_traversal;
    std::vector<Variable> post_order;
    std::vector<std::pair<Variable, size_t>> stack;
    root.impl_for_graph()->visit_mark = mark;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
        Impl* impl = stack.back().first.impl_for_graph();
        size_t& next = stack.back().second;
        const std::vector<Variable>* inputs = impl->node ? &impl->node->inputs() : nullptr;
        if (inputs != nullptr && next < inputs->size()) {
            const Variable& input = (*inputs)[next++];
            Impl* child = input.impl_for_graph();
            if (child != nullptr && child->requires_grad && child->visit_mark != mark) {
                MINNOW_CHECK(!child->graph_freed, StateError,
                             "backward: trying to go back through a graph that was already freed by an earlier "
                             "backward(); compute the forward pass again");
                child->visit_mark = mark;
                stack.emplace_back(input, 0);
            }
            continue;
        }
        post_order.push_back(std::move(stack.back().first));
        stack.pop_back();
    }
    return {std::make_move_iterator(post_order.rbegin()), std::make_move_iterator(post_order.rend())};
}

// An input an op read twice (x * x) gets two contributions from the same backward: it must start
// from zero.
bool appears_once(const std::vector<Variable>& inputs, const Impl* impl) {
    return std::count_if(inputs.begin(), inputs.end(), [&](const Variable& v) { return v.impl_for_graph() == impl; }) == 1;
}

Tensor& grad_slot(Impl* impl) {
    if (!impl->grad.defined()) impl->grad = Tensor::zeros(impl->value.shape());
    return impl->grad;
}

}  // namespace

void run_backward(const Variable& root, const Tensor& grad) {
    MINNOW_CHECK(root.defined(), StateError, "backward: called on an undefined Variable");
    Impl* root_impl = root.impl_for_graph();
    MINNOW_CHECK(root_impl->requires_grad, StateError,
                 "backward: the output does not require a gradient (no input requires one, or it was computed "
                 "under NoGradGuard)");
    MINNOW_CHECK(!root_impl->graph_freed, StateError,
                 "backward: this output's graph was already freed by an earlier backward(); compute it again");
    MINNOW_CHECK(grad.shape() == root_impl->value.shape(), ShapeError,
                 "backward: gradient of shape {} for an output of shape {}", grad.shape(), root_impl->value.shape());

    std::vector<Variable> order = topological_order(root);
    add_into(grad_slot(root_impl), grad);

    std::vector<Tensor*> dx;
    std::vector<uint8_t> assign;
    for (Variable& handle : order) {
        Impl* impl = handle.impl_for_graph();
        if (!impl->node) continue;  // a leaf: its gradient is complete
        const std::vector<Variable>& inputs = impl->node->inputs();
        const bool runs = impl->grad.defined();
        const bool may_assign = runs && impl->node->assigns_gradients();
        dx.assign(inputs.size(), nullptr);
        assign.assign(inputs.size(), 0);
        for (size_t i = 0; i < inputs.size(); ++i) {
            Impl* in = inputs[i].impl_for_graph();
            if (in == nullptr || !in->requires_grad) continue;
            if (may_assign && !in->grad.defined() && appears_once(inputs, in)) {
                in->grad = Tensor(in->value.shape());  // uninitialized: the op writes all of it
                assign[i] = 1;
            }
            dx[i] = &grad_slot(in);
        }
        if (runs) impl->node->backward(BackwardArgs{impl->value, impl->grad, inputs, dx, assign});
        // Free the graph as we go: the node's saved tensors, and the gradient of every
        // intermediate result (only leaves keep theirs).
        impl->node.reset();
        impl->graph_freed = true;
        impl->grad = Tensor();
        handle = Variable();  // the last reference to a temporary: its value goes now
    }
}

}  // namespace minnow
