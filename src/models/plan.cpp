// The rules of a plan (plan.hpp). Adding a fusion is one rule here, one op (src/ops/) and one
// kernel (src/kernels/).
#include "models/plan.hpp"

#include <typeinfo>

#include "minnow/core/error.hpp"
#include "minnow/layers/batch_normalization.hpp"
#include "minnow/layers/conv2d.hpp"
#include "minnow/layers/core_layers.hpp"
#include "minnow/layers/dense.hpp"
#include "minnow/layers/group_normalization.hpp"
#include "minnow/layers/pooling.hpp"
#include "minnow/layers/reshaping.hpp"
#include "models/layer_walk.hpp"
#include "minnow/ops/conv2d.hpp"
#include "minnow/ops/linear.hpp"
#include "minnow/ops/normalization.hpp"
#include "minnow/ops/pooling.hpp"

namespace minnow::detail {

namespace {

using Layers = std::vector<std::shared_ptr<Layer>>;
using Match = bool (*)(const Layer&);

template <class L>
const L* exactly(const Layer& layer) {
    return typeid(layer) == typeid(L) ? static_cast<const L*>(&layer) : nullptr;
}
template <class L>
L& as(const std::shared_ptr<Layer>& layer) {
    return static_cast<L&>(*layer);
}

bool is_batch_norm(const Layer& l) { return exactly<BatchNormalization>(l) != nullptr; }
bool is_relu(const Layer& l) {
    const auto* a = exactly<Activation>(l);
    return a != nullptr && a->activation() == ActivationKind::Relu;
}
bool is_plain_2x2_pool(const Layer& l) {
    const auto* p = exactly<MaxPooling2D>(l);
    return p != nullptr && p->pool_size() == Size2(2) && p->strides() == Size2(2) && p->padding() == Padding::Valid;
}
bool is_linear_conv(const Layer& l) {
    const auto* c = exactly<Conv2D>(l);
    return c != nullptr && c->activation() == ActivationKind::Linear;
}
bool is_linear_dense(const Layer& l) {
    const auto* d = exactly<Dense>(l);
    return d != nullptr && d->activation() == ActivationKind::Linear;
}
bool is_linear_dense_or_conv(const Layer& l) {
    if (const auto* d = exactly<Dense>(l)) return d->activation() == ActivationKind::Linear;
    if (const auto* c = exactly<Conv2D>(l)) return c->activation() == ActivationKind::Linear;
    return false;
}

// Whether `layer` is of a built-in class whose inference reads nothing but its weights and its
// input and treats each sample alone (BatchNormalization: its moving statistics; Dropout: none
// of its random state). A user's layer, or a subclass, may keep state of its own.
bool reads_only_its_weights(const Layer& l) {
    const std::type_info& t = typeid(l);
    return t == typeid(Dense) || t == typeid(Conv2D) || t == typeid(BatchNormalization) || t == typeid(Activation) ||
           t == typeid(Dropout) || t == typeid(Flatten) || t == typeid(InputLayer) || t == typeid(MaxPooling2D) ||
           t == typeid(AveragePooling2D) || t == typeid(GlobalAveragePooling2D) || t == typeid(GlobalMaxPooling2D) ||
           t == typeid(Reshape) || t == typeid(ZeroPadding2D) || t == typeid(Rescaling) ||
           t == typeid(LayerNormalization) || t == typeid(GroupNormalization);
}

// ---- Folding (inference): a run of layers replaced by one new layer. ----

struct FoldRule {
    std::string_view name;
    std::vector<Match> pattern;
    std::shared_ptr<Layer> (*fold)(const Layers& run);
};

// `copy` (the original's kind and sizes, linear, with a bias) built for `input_shape` and given
// the original's weights with y * scale + shift folded in per output channel (the kernel's last
// axis in Dense (in, units) and Conv2D (KH, KW, C, filters) alike): kernel * scale,
// bias * scale + shift (an undefined bias counts as zeros).
std::shared_ptr<Layer> with_folded_weights(std::shared_ptr<Layer> copy, const Shape& input_shape,
                                           const Variable& kernel, const Variable& bias,
                                           const BatchNormalization& bn) {
    const auto [scale, shift] = bn.inference_affine();
    const Tensor& w = kernel.value();
    const int64_t K = scale.numel();
    MINNOW_CHECK(w.dim(-1) == K, ShapeError, "fold: kernel {} for {} output channels", w.shape(), K);
    Tensor folded_kernel(w.shape());
    for (int64_t row = 0; row < w.numel(); row += K)
        for (int64_t k = 0; k < K; ++k) folded_kernel.data()[row + k] = w.data()[row + k] * scale.data()[k];
    Tensor folded_bias(scale.shape());
    for (int64_t k = 0; k < K; ++k) {
        const float b = bias.defined() ? bias.value().data()[k] : 0.0f;
        folded_bias.data()[k] = b * scale.data()[k] + shift.data()[k];
    }
    copy->ensure_built(input_shape);
    copy->set_weights({std::move(folded_kernel), std::move(folded_bias)});
    return copy;
}

std::shared_ptr<Layer> fold_batch_norm(const Layers& run) {
    const auto& bn = as<BatchNormalization>(run[1]);
    // "zeros": the copy's weights are overwritten at once.
    if (const auto* d = exactly<Dense>(*run[0]))
        return with_folded_weights(std::make_shared<Dense>(d->units(), ActivationArg{}, true, "zeros"),
                                   d->input_shape(), d->kernel(), d->bias(), bn);
    const auto& c = as<Conv2D>(run[0]);
    auto copy = std::make_shared<Conv2D>(c.filters(), c.kernel_size(), c.strides(), padding_name(c.padding()),
                                         ActivationArg{}, true, "zeros");
    return with_folded_weights(std::move(copy), c.input_shape(), c.kernel(), c.bias(), bn);
}

const FoldRule kFoldRules[] = {
    // BatchNormalization's inference is an affine map per channel: fold it into the weights of
    // the Dense or Conv2D before it, saving its pass over the activations.
    {"fold_batch_norm", {is_linear_dense_or_conv, is_batch_norm}, fold_batch_norm},
};

// ---- Fusion (both plans): a run of layers executed as one op. ----

using StepFn = std::function<Variable(const Variable&, Mode)>;

struct FuseRule {
    std::string_view name;
    std::vector<Match> pattern;
    StepFn (*make)(const Layers& run);
};

// BatchNormalization with batch statistics through the fused training op; otherwise (inference,
// or a frozen layer) the layers one by one.
StepFn batch_norm_then(const Layers& run, BatchNormalization::TrainOp fused) {
    return [run, fused](const Variable& x, Mode mode) {
        auto& bn = as<BatchNormalization>(run[0]);
        if (bn.uses_batch_statistics(mode)) return bn.normalize_with_batch_statistics(x, fused);
        Variable h = bn.forward(x, mode);
        if (run.size() == 3) return relu_max_pool2d(h);
        return run[1]->forward(h, mode);
    };
}

const FuseRule kFuseRules[] = {
    // Where the convolution's kernel is a direct one, its output never goes to memory: at
    // inference (BatchNormalization folded in), and in training where its input needs no gradient
    // (W2-noBN's first block). Otherwise the two ops one after the other.
    {"conv_relu_max_pool",
     {is_linear_conv, is_relu, is_plain_2x2_pool},
     [](const Layers& run) -> StepFn {
         return [run](const Variable& x, Mode) {
             const auto& conv = as<Conv2D>(run[0]);
             return conv2d_relu_max_pool2d(x, conv.kernel(), conv.bias(), conv.strides(), conv.padding());
         };
     }},
    // The activations between the three are never stored; the pooling's gradient is computed
    // inside the normalization's backward.
    {"batch_norm_relu_max_pool",
     {is_batch_norm, is_relu, is_plain_2x2_pool},
     [](const Layers& run) { return batch_norm_then(run, batch_norm_relu_max_pool_train); }},
    // One pass less over the activations each way.
    {"batch_norm_relu", {is_batch_norm, is_relu}, [](const Layers& run) { return batch_norm_then(run, batch_norm_relu_train); }},
    // At inference (BatchNormalization folded in: W1's three hidden blocks) the ReLU is applied as
    // the product's tiles store; with a graph to record, the two ops one after the other.
    {"dense_relu",
     {is_linear_dense, is_relu},
     [](const Layers& run) -> StepFn {
         return [run](const Variable& x, Mode mode) {
             const auto& dense = as<Dense>(run[0]);
             if (x.shape().rank() != 2) return run[1]->forward(dense.pre_activation(x), mode);
             return linear_relu(x, dense.kernel(), dense.bias());
         };
     }},
    // The pooling applies the ReLU where it reads; its backward gates by x > 0.
    {"relu_max_pool",
     {is_relu, is_plain_2x2_pool},
     [](const Layers&) -> StepFn { return [](const Variable& x, Mode) { return relu_max_pool2d(x); }; }},
};

// The first rule of the table whose pattern matches the layers from i, or null.
template <class Rule, size_t N>
const Rule* first_match(const Rule (&table)[N], const Layers& layers, size_t i) {
    for (const Rule& rule : table) {
        bool all = i + rule.pattern.size() <= layers.size();
        for (size_t k = 0; all && k < rule.pattern.size(); ++k) all = rule.pattern[k](*layers[i + k]);
        if (all) return &rule;
    }
    return nullptr;
}

Layers run_at(const Layers& layers, size_t i, size_t length) {
    return Layers(layers.begin() + static_cast<std::ptrdiff_t>(i),
                  layers.begin() + static_cast<std::ptrdiff_t>(i + length));
}

// The layers to plan, and for each the fold rule that made it (empty: the model's own layer).
struct Planned {
    Layers layers;
    std::vector<std::string_view> made_by;
};

Planned apply_folds(const Layers& layers) {
    Planned out;
    for (size_t i = 0; i < layers.size();) {
        if (const FoldRule* folded = first_match(kFoldRules, layers, i)) {
            out.layers.push_back(folded->fold(run_at(layers, i, folded->pattern.size())));
            out.made_by.push_back(folded->name);
            i += folded->pattern.size();
        } else {
            out.layers.push_back(layers[i++]);
            out.made_by.emplace_back();
        }
    }
    return out;
}

// The activation a single layer of an exact built-in class applies last, and that layer without it.
void allow_logits(Plan& plan) {
    PlanStep& last = plan.steps.back();
    if (last.layers.size() != 1) return;
    const std::shared_ptr<Layer> layer = last.layers.front();
    if (const auto* d = exactly<Dense>(*layer)) {
        plan.final_activation = d->activation();
        last.run_logits = [layer](const Variable& x) { return as<Dense>(layer).pre_activation(x); };
    } else if (const auto* c = exactly<Conv2D>(*layer)) {
        plan.final_activation = c->activation();
        last.run_logits = [layer](const Variable& x) { return as<Conv2D>(layer).pre_activation(x); };
    } else if (const auto* a = exactly<Activation>(*layer)) {
        plan.final_activation = a->activation();
        last.run_logits = [](const Variable& x) { return x; };
    }
    if (plan.final_activation == ActivationKind::Linear) last.run_logits = nullptr;
}

Plan fuse(const Planned& planned) {
    const Layers& layers = planned.layers;
    Plan plan;
    for (size_t i = 0; i < layers.size();) {
        if (const FuseRule* fused = first_match(kFuseRules, layers, i)) {
            Layers run = run_at(layers, i, fused->pattern.size());
            plan.steps.push_back({fused->name, run, fused->make(run), nullptr});
            i += fused->pattern.size();
            continue;
        }
        const std::string_view rule = planned.made_by[i].empty() ? "layer" : planned.made_by[i];
        std::shared_ptr<Layer> layer = layers[i++];
        plan.steps.push_back({rule, {layer}, [layer](const Variable& x, Mode mode) { return (*layer)(x, mode); }, nullptr});
    }
    if (!plan.steps.empty()) allow_logits(plan);
    return plan;
}

}  // namespace

Variable Plan::run(const Variable& x, Mode mode, bool logits) const {
    Variable h = x;
    for (size_t s = 0; s < steps.size(); ++s) {
        const PlanStep& step = steps[s];
        const bool last = s + 1 == steps.size();
        if (step.layers.size() > 1 || (last && logits)) {
            // The layers check their input shapes as they would one by one.
            Shape shape = h.shape();
            for (const auto& layer : step.layers) shape = layer->ensure_built(shape);
        }
        h = last && logits ? step.run_logits(h) : step.run(h, mode);
    }
    return h;
}

Plan training_plan(const std::vector<std::shared_ptr<Layer>>& layers) {
    Planned flat{flat_layers(layers), {}};
    flat.made_by.resize(flat.layers.size());
    return fuse(flat);
}

Plan inference_plan(const std::vector<std::shared_ptr<Layer>>& layers) {
    Plan plan = fuse(apply_folds(flat_layers(layers)));
    plan.concurrent_rows = true;
    for (const PlanStep& step : plan.steps)
        for (const auto& layer : step.layers) plan.concurrent_rows = plan.concurrent_rows && reads_only_its_weights(*layer);
    return plan;
}

}  // namespace minnow::detail
