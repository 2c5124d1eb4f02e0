// Example 1 of docs/custom_layers.md: a layer made of existing ops. No backward to write.
#pragma once

#include <minnow/minnow.hpp>

/// y = (x W + b) * sigmoid(x V + c): a Dense layer whose every output has a learned gate.
class GatedDense : public minnow::Layer {
public:
    explicit GatedDense(int64_t units) : units_(units) {}

    minnow::Shape build(const minnow::Shape& input_shape) override {
        const int64_t in = input_shape[-1];
        kernel_ = add_weight("kernel", {in, units_}, "glorot_uniform");
        bias_ = add_weight("bias", {units_}, "zeros");
        gate_kernel_ = add_weight("gate_kernel", {in, units_}, "glorot_uniform");
        gate_bias_ = add_weight("gate_bias", {units_}, "zeros");
        return {minnow::Shape::kNone, units_};
    }

    minnow::Variable forward(const minnow::Variable& x, minnow::Mode) override {
        return minnow::linear(x, kernel_, bias_) * minnow::sigmoid(minnow::linear(x, gate_kernel_, gate_bias_));
    }

    std::string class_name() const override { return "GatedDense"; }

    // For saving: the arguments that rebuild the layer, and the way back.
    minnow::Config get_config() const override {
        minnow::Config config = Layer::get_config();
        config.set("units", units_);
        return config;
    }
    static std::shared_ptr<GatedDense> from_config(const minnow::Config& config) {
        return std::make_shared<GatedDense>(config.get<int64_t>("units"));
    }

private:
    int64_t units_;
    minnow::Variable kernel_, bias_, gate_kernel_, gate_bias_;
};
