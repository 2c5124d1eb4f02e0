#include "minnow/autograd/variable.hpp"

#include "autograd/variable_impl.hpp"
#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"

namespace minnow {

namespace {
thread_local bool t_grad_enabled = true;
}

Variable::Impl::~Impl() {
    if (!node) return;
    std::vector<std::unique_ptr<Node>> pending;
    pending.push_back(std::move(node));
    while (!pending.empty()) {
        std::unique_ptr<Node> current = std::move(pending.back());
        pending.pop_back();
        // Take over the nodes of inputs that die with this node, so their destruction is flat.
        for (Variable& input : current->inputs_) {
            Impl* in = input.impl_.get();
            if (in != nullptr && in->node && input.impl_.use_count() == 1) pending.push_back(std::move(in->node));
        }
    }
}

Variable::Variable(Tensor value, bool requires_grad) : impl_(std::make_shared<Impl>()) {
    impl_->value = std::move(value);
    impl_->requires_grad = requires_grad;
}

static Variable::Impl& checked(const std::shared_ptr<Variable::Impl>& impl) {
    MINNOW_CHECK(impl != nullptr, StateError, "Variable: used before being assigned a value");
    return *impl;
}

const Tensor& Variable::value() const { return checked(impl_).value; }
Tensor& Variable::value() { return checked(impl_).value; }
const Tensor& Variable::grad() const { return checked(impl_).grad; }
Tensor& Variable::grad() { return checked(impl_).grad; }
bool Variable::has_grad() const { return checked(impl_).grad.defined(); }
void Variable::zero_grad() { checked(impl_).grad = Tensor(); }
bool Variable::requires_grad() const { return checked(impl_).requires_grad; }
bool Variable::is_leaf() const { return checked(impl_).leaf; }
Node* Variable::node() const { return checked(impl_).node.get(); }

void Variable::set_requires_grad(bool required) {
    Impl& impl = checked(impl_);
    MINNOW_CHECK(impl.leaf, StateError,
                 "Variable::set_requires_grad: only leaves can change it; this Variable is the result of an op");
    impl.requires_grad = required;
}

void Variable::backward() {
    const Impl& impl = checked(impl_);
    MINNOW_CHECK(impl.value.numel() == 1, ShapeError,
                 "backward: a gradient can be created implicitly only for a scalar output, got shape {}; "
                 "pass the gradient explicitly",
                 impl.value.shape());
    run_backward(*this, Tensor::ones(impl.value.shape()));
}

void Variable::backward(const Tensor& grad) { run_backward(*this, grad); }

Variable make_result(Tensor value, std::unique_ptr<Node> node) {
    Variable v;
    v.impl_ = std::make_shared<Variable::Impl>();
    v.impl_->value = std::move(value);
    v.impl_->node = std::move(node);
    v.impl_->requires_grad = true;
    v.impl_->leaf = false;
    return v;
}

bool grad_enabled() { return t_grad_enabled; }

float* BackwardArgs::add_target(size_t i) const {
    if (i >= dx.size() || dx[i] == nullptr) return nullptr;
    if (assign(i)) dx[i]->fill(0.0f);
    return dx[i]->data();
}

bool needs_graph(std::span<const Variable> inputs) {
    if (!t_grad_enabled) return false;
    for (const Variable& v : inputs)
        if (v.defined() && v.requires_grad()) return true;
    return false;
}

NoGradGuard::NoGradGuard() : previous_(t_grad_enabled) { t_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { t_grad_enabled = previous_; }

}  // namespace minnow
