#include "minnow/ops/losses.hpp"

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

}  // namespace

Variable sparse_softmax_cross_entropy(const Variable& logits, const Tensor& labels) {
    const char* who = "sparse_categorical_crossentropy";
    const Tensor& z = logits.value();
    check_logits(who, z);
    const int64_t N = z.dim(0), C = z.dim(1);
    check_labels(who, labels, N, C);
    Tensor probs(z.shape());
    const double total = kernels::softmax_xent_sparse_forward(z.data(), labels.data(), probs.data(), N, C);
    return record("sparse_softmax_cross_entropy", scalar_of(total, N), {logits},
                  [probs = std::move(probs), labels, N, C](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(N);
                      kernels::softmax_xent_sparse_backward(probs.data(), labels.data(), scale, g.dx[0]->data(), N, C);
                  });
}

Variable softmax_cross_entropy(const Variable& logits, const Tensor& targets) {
    const char* who = "categorical_crossentropy";
    const Tensor& z = logits.value();
    check_logits(who, z);
    check_same_shape(who, z, targets);
    const int64_t N = z.dim(0), C = z.dim(1);
    Tensor probs(z.shape());
    const double total = kernels::softmax_xent_dense_forward(z.data(), targets.data(), probs.data(), N, C);
    return record("softmax_cross_entropy", scalar_of(total, N), {logits},
                  [probs = std::move(probs), targets, N, C](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(N);
                      kernels::softmax_xent_dense_backward(probs.data(), targets.data(), scale, g.dx[0]->data(), N, C);
                  });
}

Variable categorical_crossentropy(const Variable& probs, const Tensor& targets) {
    const char* who = "categorical_crossentropy";
    const Tensor& p = probs.value();
    check_logits(who, p);
    check_same_shape(who, p, targets);
    const int64_t N = p.dim(0), C = p.dim(1);
    const double total = kernels::categorical_xent_forward(p.data(), targets.data(), N, C, kEpsilon);
    return record("categorical_crossentropy", scalar_of(total, N), {probs}, [targets, N, C](const BackwardArgs& g) {
        const float scale = g.dy.item() / static_cast<float>(N);
        kernels::categorical_xent_backward(g.x(0).data(), targets.data(), scale, g.dx[0]->data(), N, C, kEpsilon);
    });
}

Variable sparse_categorical_crossentropy(const Variable& probs, const Tensor& labels) {
    const char* who = "sparse_categorical_crossentropy";
    const Tensor& p = probs.value();
    check_logits(who, p);
    const int64_t N = p.dim(0), C = p.dim(1);
    check_labels(who, labels, N, C);
    Tensor onehot = Tensor::zeros(p.shape());
    for (int64_t n = 0; n < N; ++n) onehot.data()[n * C + static_cast<int64_t>(labels.data()[n])] = 1.0f;
    return categorical_crossentropy(probs, onehot);
}

Variable binary_crossentropy_from_logits(const Variable& logits, const Tensor& targets) {
    const char* who = "binary_crossentropy";
    const Tensor& z = logits.value();
    check_same_shape(who, z, targets);
    const int64_t n = z.numel();
    return record("binary_crossentropy_from_logits", scalar_of(kernels::bce_logits_forward(z.data(), targets.data(), n), n),
                  {logits}, [targets, n](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(n);
                      kernels::bce_logits_backward(g.x(0).data(), targets.data(), scale, g.dx[0]->data(), n);
                  });
}

Variable binary_crossentropy(const Variable& probs, const Tensor& targets) {
    const char* who = "binary_crossentropy";
    const Tensor& p = probs.value();
    check_same_shape(who, p, targets);
    const int64_t n = p.numel();
    return record("binary_crossentropy",
                  scalar_of(kernels::bce_probs_forward(p.data(), targets.data(), n, kEpsilon), n), {probs},
                  [targets, n](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(n);
                      kernels::bce_probs_backward(g.x(0).data(), targets.data(), scale, g.dx[0]->data(), n, kEpsilon);
                  });
}

Variable mean_squared_error(const Variable& pred, const Tensor& target) {
    const char* who = "mean_squared_error";
    const Tensor& p = pred.value();
    check_same_shape(who, p, target);
    const int64_t n = p.numel();
    return record("mean_squared_error", scalar_of(kernels::squared_error_forward(p.data(), target.data(), n), n),
                  {pred}, [target, n](const BackwardArgs& g) {
                      const float scale = g.dy.item() / static_cast<float>(n);
                      kernels::squared_error_backward(g.x(0).data(), target.data(), scale, g.dx[0]->data(), n);
                  });
}

}  // namespace minnow
