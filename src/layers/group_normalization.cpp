// LayerNormalization and GroupNormalization. Only public headers: everything here could live in
// a user's project, which is the point.
#include "minnow/layers/group_normalization.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "minnow/core/error.hpp"
#include "core/config_json.hpp"

namespace minnow {

namespace {

// The layout of x: `samples` x `spatial` x C, channel c in group c / (C / groups).
struct GroupView {
    int64_t N, S, C, G;
    int64_t per_group() const { return C / G; }
    int64_t count() const { return S * per_group(); }  // values in one (sample, group)
    template <class Fn>
    void for_each(int64_t n, int64_t g, Fn&& fn) const {  // fn(flat index, channel)
        for (int64_t s = 0; s < S; ++s)
            for (int64_t j = 0; j < per_group(); ++j) {
                const int64_t c = g * per_group() + j;
                fn((n * S + s) * C + c, c);
            }
    }
};

}  // namespace

Variable group_norm(const Variable& x, const Variable& gamma, const Variable& beta, int64_t samples, int64_t groups,
                    float epsilon) {
    const Tensor& xv = x.value();
    const int64_t C = xv.dim(-1);
    MINNOW_CHECK(samples > 0 && xv.numel() % (samples * C) == 0 && groups > 0 && C % groups == 0, ShapeError,
                 "group_norm: cannot split {} into {} samples of {} groups", xv.shape(), samples, groups);
    const GroupView v{samples, xv.numel() / (samples * C), C, groups};
    const float* xs = xv.data();
    const float* ga = gamma.defined() ? gamma.value().data() : nullptr;
    const float* be = beta.defined() ? beta.value().data() : nullptr;

    // Forward, per (sample, group): mean, biased variance (two passes in double), normalize.
    Tensor y(xv.shape());
    Tensor mean({v.N * v.G}), invstd({v.N * v.G});
    for (int64_t n = 0; n < v.N; ++n)
        for (int64_t g = 0; g < v.G; ++g) {
            double sum = 0, sq = 0;
            v.for_each(n, g, [&](int64_t i, int64_t) { sum += xs[i]; });
            const double mu = sum / double(v.count());
            v.for_each(n, g, [&](int64_t i, int64_t) { sq += (xs[i] - mu) * (xs[i] - mu); });
            const auto inv = static_cast<float>(1.0 / std::sqrt(sq / double(v.count()) + epsilon));
            mean.flat(n * v.G + g) = static_cast<float>(mu);
            invstd.flat(n * v.G + g) = inv;
            v.for_each(n, g, [&](int64_t i, int64_t c) {
                const float x_hat = (xs[i] - static_cast<float>(mu)) * inv;
                y.data()[i] = (ga ? ga[c] : 1.0f) * x_hat + (be ? be[c] : 0.0f);
            });
        }

    std::vector<Variable> inputs{x};
    if (gamma.defined()) inputs.push_back(gamma);
    if (beta.defined()) inputs.push_back(beta);
    const bool has_gamma = gamma.defined(), has_beta = beta.defined();
    // Backward, per group of M values with g_i = dy_i * gamma[c]:
    //   dx_i = invstd * (g_i - mean(g) - x_hat_i * mean(g * x_hat)),
    //   dgamma[c] += sum dy * x_hat, dbeta[c] += sum dy.
    return record("group_norm", std::move(y), std::move(inputs),
                  [v, has_gamma, has_beta, mean = std::move(mean), invstd = std::move(invstd)](const BackwardArgs& a) {
                      const float* x_data = a.x(0).data();
                      const float* gamma_data = has_gamma ? a.x(1).data() : nullptr;
                      const float* dy = a.dy.data();
                      float* dx = a.dx[0] ? a.dx[0]->data() : nullptr;
                      float* dgamma = has_gamma && a.dx[1] ? a.dx[1]->data() : nullptr;
                      const size_t beta_slot = has_gamma ? 2 : 1;
                      float* dbeta = has_beta && a.dx[beta_slot] ? a.dx[beta_slot]->data() : nullptr;
                      const auto M = double(v.count());
                      for (int64_t n = 0; n < v.N; ++n)
                          for (int64_t g = 0; g < v.G; ++g) {
                              const float mu = mean.flat(n * v.G + g), inv = invstd.flat(n * v.G + g);
                              double sum_g = 0, sum_g_xhat = 0;
                              v.for_each(n, g, [&](int64_t i, int64_t c) {
                                  const float x_hat = (x_data[i] - mu) * inv;
                                  const float gi = dy[i] * (gamma_data ? gamma_data[c] : 1.0f);
                                  sum_g += gi;
                                  sum_g_xhat += double(gi) * x_hat;
                                  if (dgamma) dgamma[c] += dy[i] * x_hat;
                                  if (dbeta) dbeta[c] += dy[i];
                              });
                              if (!dx) continue;
                              const auto mean_g = static_cast<float>(sum_g / M);
                              const auto mean_g_xhat = static_cast<float>(sum_g_xhat / M);
                              v.for_each(n, g, [&](int64_t i, int64_t c) {
                                  const float x_hat = (x_data[i] - mu) * inv;
                                  const float gi = dy[i] * (gamma_data ? gamma_data[c] : 1.0f);
                                  dx[i] += inv * (gi - mean_g - x_hat * mean_g_xhat);
                              });
                          }
                  });
}

namespace {

void check_channels_last(const std::string& who, int64_t axis, const Shape& input_shape) {
    MINNOW_CHECK(input_shape.rank() >= 2, ShapeError, "{}: expected input with a feature axis, got {}", who,
                 input_shape.batch_str());
    MINNOW_CHECK(axis == -1 || axis == input_shape.rank() - 1, ValueError,
                 "{}: axis={} is not supported for input {}; minnow is channels-last, use axis=-1", who, axis,
                 input_shape.batch_str());
}

}  // namespace

LayerNormalization::LayerNormalization(int64_t axis, double epsilon, bool center, bool scale)
    : axis_(axis), epsilon_(static_cast<float>(epsilon)), center_(center), scale_(scale) {
    MINNOW_CHECK(epsilon > 0.0, ValueError, "LayerNormalization: invalid epsilon={}, expected > 0", epsilon);
}

Shape LayerNormalization::build(const Shape& input_shape) {
    check_channels_last(describe(), axis_, input_shape);
    if (scale_) gamma_ = add_weight("gamma", {input_shape[-1]}, "ones");
    if (center_) beta_ = add_weight("beta", {input_shape[-1]}, "zeros");
    return input_shape;
}

Variable LayerNormalization::forward(const Variable& x, Mode) {
    // Every position of every sample is its own group of the C features.
    const int64_t rows = x.value().numel() / x.value().dim(-1);
    return group_norm(x, gamma_, beta_, rows, 1, epsilon_);
}

Config LayerNormalization::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config.update({{"axis", axis_}, {"epsilon", epsilon_}, {"center", center_}, {"scale", scale_}});
    return config_from_json(std::move(config));
}

std::shared_ptr<LayerNormalization> LayerNormalization::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<LayerNormalization>(c.value("axis", int64_t{-1}), c.value("epsilon", 1e-3),
                                                c.value("center", true), c.value("scale", true));
}

MINNOW_REGISTER_LAYER(LayerNormalization);

GroupNormalization::GroupNormalization(int64_t groups, int64_t axis, double epsilon, bool center, bool scale)
    : groups_(groups), axis_(axis), epsilon_(static_cast<float>(epsilon)), center_(center), scale_(scale) {
    MINNOW_CHECK(groups > 0, ValueError, "GroupNormalization: groups must be positive, got {}", groups);
    MINNOW_CHECK(epsilon > 0.0, ValueError, "GroupNormalization: invalid epsilon={}, expected > 0", epsilon);
}

Shape GroupNormalization::build(const Shape& input_shape) {
    check_channels_last(describe(), axis_, input_shape);
    const int64_t channels = input_shape[-1];
    MINNOW_CHECK(groups_ <= channels, ValueError, "{}: groups={} is more than the {} channels of input {}", describe(),
                 groups_, channels, input_shape.batch_str());
    MINNOW_CHECK(channels % groups_ == 0, ValueError,
                 "{}: groups={} does not divide the {} channels of input {}; choose a divisor of {}", describe(),
                 groups_, channels, input_shape.batch_str(), channels);
    if (scale_) gamma_ = add_weight("gamma", {channels}, "ones");
    if (center_) beta_ = add_weight("beta", {channels}, "zeros");
    return input_shape;
}

Variable GroupNormalization::forward(const Variable& x, Mode) {
    return group_norm(x, gamma_, beta_, x.value().dim(0), groups_, epsilon_);
}

Config GroupNormalization::get_config() const {
    nlohmann::json config = json_of(Layer::get_config());
    config.update(
        {{"groups", groups_}, {"axis", axis_}, {"epsilon", epsilon_}, {"center", center_}, {"scale", scale_}});
    return config_from_json(std::move(config));
}

std::shared_ptr<GroupNormalization> GroupNormalization::from_config(const Config& config) {
    const nlohmann::json& c = json_of(config);
    return std::make_shared<GroupNormalization>(c.value("groups", int64_t{32}), c.value("axis", int64_t{-1}),
                                                c.value("epsilon", 1e-3), c.value("center", true),
                                                c.value("scale", true));
}

MINNOW_REGISTER_LAYER(GroupNormalization);

}  // namespace minnow
