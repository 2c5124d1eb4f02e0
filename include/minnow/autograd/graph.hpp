#pragma once
/// Running the recorded graph backwards, and switching recording off.

#include "minnow/autograd/variable.hpp"

namespace minnow {

/// Runs backward from `root` seeded with `grad` (see Variable::backward).
void run_backward(const Variable& root, const Tensor& grad);

/// While alive, ops on this thread record no graph (for predict and evaluate).
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

}  // namespace minnow
