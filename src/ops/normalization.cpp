#include "minnow/ops/normalization.hpp"

#include <limits>

#include "kernels/batch_norm.hpp"
#include "minnow/core/error.hpp"
#include "tensor/index_buffer.hpp"

namespace minnow {

namespace {

struct FeatureView {
    int64_t M = 0;  // rows: every position but the feature axis
    int64_t C = 0;  // features (the last axis)
};

FeatureView feature_view(const char* who, const Tensor& x, const Variable& gamma, const Variable& beta) {
    MINNOW_CHECK(x.rank() >= 2, ShapeError, "{}: expected a batch with a feature axis, got {}", who, x.shape());
    const int64_t C = x.dim(-1);
    for (const Variable* p : {&gamma, &beta})
        if (p->defined())
            MINNOW_CHECK(p->shape() == Shape{C}, ShapeError, "{}: parameter of shape {} for {} features", who,
                         p->shape(), C);
    return {C == 0 ? 0 : x.numel() / C, C};
}

const float* data_or_null(const Variable& v) { return v.defined() ? v.value().data() : nullptr; }

// The op's inputs are x, then gamma and beta when present: where each one's gradient goes.
struct GradSlots {
    float* dx = nullptr;
    bool assign_dx = false;  // dx is uninitialized: write it
    float* dgamma = nullptr;
    float* dbeta = nullptr;
};

GradSlots grad_slots(const BackwardArgs& a, bool has_gamma, bool has_beta) {
    GradSlots s;
    size_t i = 0;
    s.dx = a.dx[i] ? a.dx[i]->data() : nullptr;
    s.assign_dx = a.assign(i);
    if (has_gamma) s.dgamma = a.add_target(++i);
    if (has_beta) s.dbeta = a.add_target(++i);
    return s;
}

std::vector<Variable> bn_inputs(const Variable& x, const Variable& gamma, const Variable& beta) {
    std::vector<Variable> inputs{x};
    if (gamma.defined()) inputs.push_back(gamma);
    if (beta.defined()) inputs.push_back(beta);
    return inputs;
}

void check_batch(const FeatureView& v, const Shape& shape) {
    MINNOW_CHECK(v.M > 1, ValueError,
                 "batch_norm: training needs more than one value per feature to compute a variance, got input {}",
                 shape);
}

// A training forward's per-channel results, as the rows of one (5, C) tensor: mean, variance
// (the layer's, copied out by publish()), and invstd, scale and shift for the backward.
// With stats.across_ranks, the statistics are the whole data-parallel batch's.
class TrainKept {
public:
    TrainKept(int64_t C, bool across_ranks) : C_(C), across_ranks_(across_ranks), rows_({5, C}) {}
    kernels::TrainOutputs outputs(float* y) {
        float* p = rows_.data();
        return {y, p, p + C_, p + 2 * C_, p + 3 * C_, p + 4 * C_, across_ranks_, &count_};
    }
    void publish(BatchStatistics& stats) const {
        const auto n = static_cast<size_t>(C_);
        stats.mean = Tensor::from_data({C_}, {rows_.data(), n});
        stats.variance = Tensor::from_data({C_}, {rows_.data() + C_, n});
        stats.count = count_;
    }
    kernels::TrainSaved saved() const {
        const float* p = rows_.data();
        return {p, p + 2 * C_, p + 3 * C_, p + 4 * C_, across_ranks_, count_};
    }

private:
    int64_t C_;
    bool across_ranks_;
    double count_ = 0.0;
    Tensor rows_;
};

Variable train_op(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                  BatchStatistics& stats, bool relu) {
    const FeatureView v = feature_view("batch_norm", x.value(), gamma, beta);
    if (!stats.across_ranks) check_batch(v, x.shape());
    Tensor y(x.shape());
    TrainKept kept(v.C, stats.across_ranks);
    kernels::batch_norm_train_forward(x.value().data(), data_or_null(gamma), data_or_null(beta), v.M, v.C, epsilon,
                                      relu, kept.outputs(y.data()));
    kept.publish(stats);
    const bool has_gamma = gamma.defined(), has_beta = beta.defined();
    return record_assigning(relu ? "batch_norm_relu" : "batch_norm", std::move(y), bn_inputs(x, gamma, beta),
                            [v, has_gamma, has_beta, relu, kept = std::move(kept)](const BackwardArgs& a) {
                                const GradSlots s = grad_slots(a, has_gamma, has_beta);
                                kernels::batch_norm_train_backward(
                                    a.x(0).data(), has_gamma ? a.x(1).data() : nullptr, kept.saved(), relu,
                                    a.dy.data(), v.M, v.C, s.dx, s.dgamma, s.dbeta, s.assign_dx);
                            });
}

}  // namespace

Variable batch_norm_relu_max_pool_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                                        BatchStatistics& stats) {
    const Shape& shape = x.shape();
    MINNOW_CHECK(shape.rank() == 4 && shape[1] >= 2 && shape[2] >= 2, ShapeError,
                 "batch_norm_relu_max_pool: expected input (batch, height >= 2, width >= 2, channels), got {}",
                 shape);
    MINNOW_CHECK(x.value().numel() <= std::numeric_limits<int32_t>::max(), ShapeError,
                 "batch_norm_relu_max_pool: input {} has more elements than int32 positions can index", shape);
    const FeatureView v = feature_view("batch_norm_relu_max_pool", x.value(), gamma, beta);
    if (!stats.across_ranks) check_batch(v, shape);
    const kernels::PoolGeometry g = kernels::PoolGeometry::two_by_two(shape[0], shape[1], shape[2], shape[3]);
    Tensor y({g.N, g.OH, g.OW, g.C});
    detail::IndexBuffer argmax(y.numel());
    TrainKept kept(v.C, stats.across_ranks);
    kernels::batch_norm_relu_max_pool_train_forward(x.value().data(), data_or_null(gamma), data_or_null(beta), g,
                                                    epsilon, kept.outputs(y.data()), argmax.data());
    kept.publish(stats);
    const bool has_gamma = gamma.defined(), has_beta = beta.defined();
    return record_assigning(
        "batch_norm_relu_max_pool", std::move(y), bn_inputs(x, gamma, beta),
        [g, has_gamma, has_beta, kept = std::move(kept), argmax = std::move(argmax)](const BackwardArgs& a) {
            const GradSlots s = grad_slots(a, has_gamma, has_beta);
            kernels::batch_norm_relu_max_pool_train_backward(a.x(0).data(), has_gamma ? a.x(1).data() : nullptr,
                                                             kept.saved(), a.dy.data(), argmax.data(), g, s.dx,
                                                             s.dgamma, s.dbeta, s.assign_dx);
        });
}

Variable batch_norm_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                          BatchStatistics& stats) {
    return train_op(x, gamma, beta, epsilon, stats, false);
}

Variable batch_norm_relu_train(const Variable& x, const Variable& gamma, const Variable& beta, float epsilon,
                               BatchStatistics& stats) {
    return train_op(x, gamma, beta, epsilon, stats, true);
}

Variable batch_norm_infer(const Variable& x, const Variable& gamma, const Variable& beta, const Tensor& moving_mean,
                          const Tensor& moving_variance, float epsilon) {
    const FeatureView v = feature_view("batch_norm", x.value(), gamma, beta);
    MINNOW_CHECK(moving_mean.shape() == Shape{v.C} && moving_variance.shape() == Shape{v.C}, ShapeError,
                 "batch_norm: moving statistics {} and {} for {} features", moving_mean.shape(),
                 moving_variance.shape(), v.C);
    Tensor y(x.shape());
    kernels::batch_norm_infer_forward(x.value().data(), data_or_null(gamma), data_or_null(beta), moving_mean.data(),
                                      moving_variance.data(), v.M, v.C, epsilon, y.data());
    const bool has_gamma = gamma.defined(), has_beta = beta.defined();
    return record("batch_norm_infer", std::move(y), bn_inputs(x, gamma, beta),
                  [v, has_gamma, has_beta, epsilon, mm = moving_mean, mv = moving_variance](const BackwardArgs& a) {
                      const GradSlots s = grad_slots(a, has_gamma, has_beta);
                      const float* g = has_gamma ? a.x(1).data() : nullptr;
                      kernels::batch_norm_infer_backward(a.x(0).data(), g, mm.data(), mv.data(), a.dy.data(), v.M, v.C,
                                                         epsilon, s.dx, s.dgamma, s.dbeta);
                  });
}

Variable dropout(const Variable& x, float rate, Rng& rng) {
    MINNOW_CHECK(rate >= 0.0f && rate < 1.0f, ValueError, "dropout: invalid rate={}, expected 0 <= rate < 1", rate);
    const Tensor& xv = x.value();
    const float scale = 1.0f / (1.0f - rate);
    Tensor mask(xv.shape());
    Tensor y(xv.shape());
    for (int64_t i = 0; i < xv.numel(); ++i) {
        mask.data()[i] = rng.uniform() >= rate ? scale : 0.0f;  // keep with probability 1 - rate
        y.data()[i] = xv.data()[i] * mask.data()[i];
    }
    return record("dropout", std::move(y), {x}, [mask = std::move(mask)](const BackwardArgs& a) {
        float* dx = a.dx[0]->data();
        for (int64_t i = 0; i < a.dy.numel(); ++i) dx[i] += a.dy.data()[i] * mask.data()[i];
    });
}

}  // namespace minnow
