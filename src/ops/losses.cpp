#include "minnow/ops/losses.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/losses.hpp"
#include "minnow/core/error.hpp"

namespace minnow {

void check_labels(const char* who, const Tensor& labels, int64_t rows, int64_t classes) {
    const bool shape_ok = (labels.rank() == 1 && labels.dim(0) == rows) ||
                          (labels.rank() == 2 && labels.dim(0) == rows && labels.dim(1) == 1);
    MINNOW_CHECK(shape_ok, ShapeError, "{}: expected labels of shape ({},) or ({}, 1), got {}", who, rows, rows,
                 labels.shape());
    for (int64_t i = 0; i < rows; ++i) {
        const float y = labels.data()[i];
        MINNOW_CHECK(y >= 0.0f && y < static_cast<float>(classes) && std::floor(y) == y, ValueError,
                     "{}: label {} at index {} is outside [0, {}) (the output layer has {} classes)", who, y, i, classes,
                     classes);
    }
}

namespace {

void check_logits(const char* who, const Tensor& z) {
    MINNOW_CHECK(z.rank() == 2 && z.dim(0) > 0 && z.dim(1) > 0, ShapeError,
                 "{}: expected predictions of shape (batch, classes), got {}", who, z.shape());
}

void check_same_shape(const char* who, const Tensor& pred, const Tensor& target) {
    MINNOW_CHECK(pred.shape() == target.shape(), ShapeError, "{}: predictions {} and targets {} differ in shape", who,
                 pred.shape(), target.shape());
    MINNOW_CHECK(pred.numel() > 0, ShapeError, "{}: empty predictions {}", who, pred.shape());
}

Tensor scalar_of(double total, int64_t count) { return Tensor::scalar(static_cast<float>(total / double(count))); }

// The elementwise losses' layout: every element, and the elements of one sample.
kernels::ElementLayout elementwise(const Tensor& p) {
    return {p.numel(), p.rank() == 0 ? 1 : p.numel() / std::max<int64_t>(p.dim(0), 1)};
}

// Records an elementwise loss: forward(p, t, w, e) sums it, backward(p, t, w, scale, dp, e) adds
// its gradient; the mean is over every element (Keras' mean over the last axes, then the batch).
template <class Forward, class Backward>
Variable elementwise_loss(const char* who, const char* op, const Variable& pred, const Tensor& target,
                          const Tensor& sample_weight, Forward forward, Backward backward) {
    const Tensor& p = pred.value();
    check_same_shape(who, p, target);
    const float* w = check_sample_weight(who, sample_weight, p.rank() == 0 ? 1 : p.dim(0));
    const kernels::ElementLayout e = elementwise(p);
    const double total = forward(p.data(), target.data(), w, e);
    return record(op, scalar_of(total, e.n), {pred},
                  [target, weights = sample_weight, e, backward](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(e.n);
                      backward(g.x(0).data(), target.data(), weights.defined() ? weights.data() : nullptr, scale,
                               g.dx[0]->data(), e);
                  });
}

}  // namespace

Variable sparse_softmax_cross_entropy(const Variable& logits, const Tensor& labels, const Tensor& sample_weight) {
    const char* who = "sparse_categorical_crossentropy";
    const Tensor& z = logits.value();
    check_logits(who, z);
    const int64_t N = z.dim(0), C = z.dim(1);
    check_labels(who, labels, N, C);
    const float* w = check_sample_weight(who, sample_weight, N);
    Tensor probs(z.shape());
    const double total = kernels::softmax_xent_sparse_forward(z.data(), labels.data(), w, probs.data(), N, C);
    return record("sparse_softmax_cross_entropy", scalar_of(total, N), {logits},
                  [probs = std::move(probs), labels, weights = sample_weight, N, C](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(N);
                      kernels::softmax_xent_sparse_backward(probs.data(), labels.data(),
                                                            weights.defined() ? weights.data() : nullptr, scale,
                                                            g.dx[0]->data(), N, C);
                  });
}

Variable softmax_cross_entropy(const Variable& logits, const Tensor& targets, const Tensor& sample_weight) {
    const char* who = "categorical_crossentropy";
    const Tensor& z = logits.value();
    check_logits(who, z);
    check_same_shape(who, z, targets);
    const int64_t N = z.dim(0), C = z.dim(1);
    const float* w = check_sample_weight(who, sample_weight, N);
    Tensor probs(z.shape());
    const double total = kernels::softmax_xent_dense_forward(z.data(), targets.data(), w, probs.data(), N, C);
    return record("softmax_cross_entropy", scalar_of(total, N), {logits},
                  [probs = std::move(probs), targets, weights = sample_weight, N, C](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(N);
                      kernels::softmax_xent_dense_backward(probs.data(), targets.data(),
                                                           weights.defined() ? weights.data() : nullptr, scale,
                                                           g.dx[0]->data(), N, C);
                  });
}

Variable categorical_crossentropy(const Variable& probs, const Tensor& targets, const Tensor& sample_weight) {
    const char* who = "categorical_crossentropy";
    const Tensor& p = probs.value();
    check_logits(who, p);
    check_same_shape(who, p, targets);
    const int64_t N = p.dim(0), C = p.dim(1);
    const float* w = check_sample_weight(who, sample_weight, N);
    const double total = kernels::categorical_xent_forward(p.data(), targets.data(), w, N, C, kEpsilon);
    return record("categorical_crossentropy", scalar_of(total, N), {probs},
                  [targets, weights = sample_weight, N, C](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(N);
                      kernels::categorical_xent_backward(g.x(0).data(), targets.data(),
                                                         weights.defined() ? weights.data() : nullptr, scale,
                                                         g.dx[0]->data(), N, C, kEpsilon);
                  });
}

Variable sparse_categorical_crossentropy(const Variable& probs, const Tensor& labels, const Tensor& sample_weight) {
    const char* who = "sparse_categorical_crossentropy";
    const Tensor& p = probs.value();
    check_logits(who, p);
    const int64_t N = p.dim(0), C = p.dim(1);
    check_labels(who, labels, N, C);
    Tensor onehot = Tensor::zeros(p.shape());
    for (int64_t n = 0; n < N; ++n) onehot.data()[n * C + static_cast<int64_t>(labels.data()[n])] = 1.0f;
    return categorical_crossentropy(probs, onehot, sample_weight);
}

Variable binary_crossentropy_from_logits(const Variable& logits, const Tensor& targets, const Tensor& sample_weight) {
    return elementwise_loss("binary_crossentropy", "binary_crossentropy_from_logits", logits, targets, sample_weight,
                            kernels::bce_logits_forward, kernels::bce_logits_backward);
}

Variable binary_crossentropy(const Variable& probs, const Tensor& targets, const Tensor& sample_weight) {
    return elementwise_loss(
        "binary_crossentropy", "binary_crossentropy", probs, targets, sample_weight,
        [](const float* p, const float* t, const float* w, kernels::ElementLayout e) {
            return kernels::bce_probs_forward(p, t, w, e, kEpsilon);
        },
        [](const float* p, const float* t, const float* w, float scale, float* dp, kernels::ElementLayout e) {
            kernels::bce_probs_backward(p, t, w, scale, dp, e, kEpsilon);
        });
}

Variable mean_squared_error(const Variable& pred, const Tensor& target, const Tensor& sample_weight) {
    return elementwise_loss("mean_squared_error", "mean_squared_error", pred, target, sample_weight,
                            kernels::squared_error_forward, kernels::squared_error_backward);
}

Variable mean_absolute_error(const Variable& pred, const Tensor& target, const Tensor& sample_weight) {
    return elementwise_loss("mean_absolute_error", "mean_absolute_error", pred, target, sample_weight,
                            kernels::absolute_error_forward, kernels::absolute_error_backward);
}

Variable huber(const Variable& pred, const Tensor& target, float delta, const Tensor& sample_weight) {
    MINNOW_CHECK(delta > 0.0f && std::isfinite(delta), ValueError, "huber: delta must be positive, got {}", delta);
    return elementwise_loss(
        "huber", "huber", pred, target, sample_weight,
        [delta](const float* p, const float* t, const float* w, kernels::ElementLayout e) {
            return kernels::huber_forward(p, t, w, e, delta);
        },
        [delta](const float* p, const float* t, const float* w, float scale, float* dp, kernels::ElementLayout e) {
            kernels::huber_backward(p, t, w, scale, dp, e, delta);
        });
}

}  // namespace minnow
