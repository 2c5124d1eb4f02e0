#pragma once
// How a Sequential's layers run: a plan of steps made from the layer list by a table of rules
// (plan.cpp), the one place that decides what runs fused and what is folded. Each rule names the
// exact classes of every layer it consumes (never a subclass, which may compute something else)
// and gives the same numbers as the layers one by one.
//
// Two plans:
//  - the training plan, for fit and for calling the model: records the graph, so gradients reach
//    every weight; fusion rules only.
//  - the inference plan, for predict, evaluate and test_on_batch (no graph): first the folding
//    rules replace a Dense or Conv2D and the BatchNormalization after it by one folded copy (made
//    from the current weights, the model untouched), then the fusion rules run over that list.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "minnow/layers/layer.hpp"
#include "minnow/ops/activations.hpp"

namespace minnow::detail {

/// Consecutive layers run as one call.
struct PlanStep {
    /// The rule that made the step; "layer" for a layer run on its own.
    std::string_view rule;
    /// The layers it stands for, in order (a folded copy in place of the two it replaced).
    std::vector<std::shared_ptr<Layer>> layers;
    /// The step on its input; the layers' input shapes are checked before, as one by one.
    std::function<Variable(const Variable& x, Mode mode)> run;
    /// Set on the last step when it can stop before its layer's activation: the logits.
    std::function<Variable(const Variable& x)> run_logits;
};

struct Plan {
    std::vector<PlanStep> steps;
    /// The activation the last step applies when run_logits can leave it out, else Linear.
    ActivationKind final_activation = ActivationKind::Linear;
    /// Set on an inference plan whose layers are all of built-in classes that, at inference,
    /// only read their weights and compute each sample on its own: parts of a batch may then
    /// run on several threads at once and give the same numbers as the batch whole.
    bool concurrent_rows = false;

    /// Runs every step in order. With `logits` (only when final_activation is not Linear), the
    /// last step stops before its activation.
    Variable run(const Variable& x, Mode mode, bool logits = false) const;
};

/// The training plan of `layers`. A nested Sequential (exactly that class) is planned as its
/// layers, so fusions and the logits reach through it.
Plan training_plan(const std::vector<std::shared_ptr<Layer>>& layers);
/// The inference plan of `layers`, from their current weights.
Plan inference_plan(const std::vector<std::shared_ptr<Layer>>& layers);

}  // namespace minnow::detail
