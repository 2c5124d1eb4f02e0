#pragma once
// Three loosely separated classes: a small classification problem for training-loop tests.

#include "minnow/core/rng.hpp"
#include "minnow/tensor/tensor.hpp"

namespace minnow::test {

struct Samples {
    Tensor x, y;
};

/// n samples of `features` Gaussian features (stddev `noise`), labels 0-2; a sample of class c has
/// its features c, c + 3, ... raised by `lift`.
inline Samples class_blobs(int64_t n, int64_t features, uint64_t seed, float noise = 0.8f, float lift = 1.5f) {
    Rng rng(seed);
    Samples s{Tensor({n, features}), Tensor({n})};
    for (int64_t i = 0; i < n; ++i) {
        const auto cls = static_cast<int64_t>(rng.below(3));
        for (int64_t j = 0; j < features; ++j) s.x.at({i, j}) = (j % 3 == cls ? lift : 0.0f) + rng.normal(0.0f, noise);
        s.y.flat(i) = float(cls);
    }
    return s;
}

}  // namespace minnow::test
