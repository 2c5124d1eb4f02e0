#pragma once
// The shared state behind a Variable handle (private to the autograd sources).

#include <cstdint>
#include <memory>

#include "minnow/autograd/variable.hpp"

namespace minnow {

struct Variable::Impl {
    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Unlinks the graph below iteratively: a chain of a million ops must not recurse a million deep.
    ~Impl();

    Tensor value;
    Tensor grad;
    std::unique_ptr<Node> node;  // null for leaves, and for op results once backward has run
    bool requires_grad = false;
    bool leaf = true;
    bool graph_freed = false;    // an op result whose node backward() already consumed
    uint64_t visit_mark = 0;     // the traversal that last visited it (saves a hash set per backward)
};

}  // namespace minnow
