// Example 2 of docs/custom_layers.md: a layer with its own fused op and hand-written backward,
// registered through minnow::record, the extension point the built-in ops use.
#pragma once

#include <minnow/minnow.hpp>

/// Parametric ReLU, one learned slope per feature: y = x if x > 0, alpha * x otherwise.
/// x (..., C), alpha (C,). Backward: dx = dy where x > 0, alpha * dy elsewhere;
/// dalpha[c] = sum over the batch of dy * x where x <= 0.
inline minnow::Variable prelu(const minnow::Variable& x, const minnow::Variable& alpha) {
    const int64_t C = alpha.shape()[0];
    const int64_t n = x.value().numel();
    minnow::Tensor y(x.shape());
    const float* in = x.value().data();
    const float* slope = alpha.value().data();
    for (int64_t i = 0; i < n; ++i) y.data()[i] = in[i] > 0 ? in[i] : slope[i % C] * in[i];

    return minnow::record("prelu", std::move(y), {x, alpha}, [C, n](const minnow::BackwardArgs& g) {
        const float* xs = g.x(0).data();
        const float* a = g.x(1).data();
        const float* dy = g.dy.data();
        for (int64_t i = 0; i < n; ++i) {
            const bool positive = xs[i] > 0;
            if (g.dx[0]) g.dx[0]->data()[i] += positive ? dy[i] : a[i % C] * dy[i];  // += : gradients accumulate
            if (g.dx[1] && !positive) g.dx[1]->data()[i % C] += dy[i] * xs[i];
        }
    });
}

class PReLU : public minnow::Layer {
public:
    explicit PReLU(float initial_slope = 0.25f) : initial_slope_(initial_slope) {}

    minnow::Shape build(const minnow::Shape& input_shape) override {
        alpha_ = add_weight("alpha", {input_shape[-1]}, minnow::Constant(initial_slope_));
        return input_shape;
    }
    minnow::Variable forward(const minnow::Variable& x, minnow::Mode) override { return prelu(x, alpha_); }
    std::string class_name() const override { return "PReLU"; }

    minnow::Config get_config() const override {
        minnow::Config config = Layer::get_config();
        config.set("initial_slope", initial_slope_);
        return config;
    }
    static std::shared_ptr<PReLU> from_config(const minnow::Config& config) {
        return std::make_shared<PReLU>(config.get<float>("initial_slope"));
    }

private:
    float initial_slope_;
    minnow::Variable alpha_;
};
