// Forward + backward time of each layer at the shapes of the seed networks (batch 32).
#include <fmt/format.h>

#include "bench.hpp"
#include "minnow/minnow.hpp"

namespace minnow::bench {

namespace {

// `input_grad`: whether the layer's input needs a gradient (false for a network's first layer).
void layer_row(std::vector<Row>& rows, const std::string& what, Layer& layer, const Shape& input_shape,
               bool input_grad, double flops) {
    Rng rng(4);
    Variable x(Tensor::uniform(input_shape, -1, 1, rng), input_grad);
    const Shape out_shape = layer.ensure_built(input_shape).with_batch(input_shape[0]);
    const Tensor dy = Tensor::uniform(out_shape, -1, 1, rng);
    const double forward_ms = time_ms([&] {
        NoGradGuard no_grad;
        (void)layer(x, Mode::Train);
    });
    const double ms = time_ms([&] {
        layer(x, Mode::Train).backward(dy);
        for (Variable w : layer.trainable_weights()) w.zero_grad();
        x.zero_grad();
    });
    Row row{"layer", fmt::format("{} {} fwd+bwd", what, input_shape.str()), ms, flops > 0 ? flops / (ms * 1e-3) / 1e9 : 0.0};
    row.extra["forward_ms"] = forward_ms;
    rows.push_back(row);
}

}  // namespace

void bench_layers(std::vector<Row>& rows) {
    const double N = 32;
    {
        Dense dense(128);
        // forward x W and backward dW (the first layer needs no dx).
        layer_row(rows, "Dense 784->128", dense, {32, 784}, false, 2 * (2 * N * 784 * 128));
    }
    {
        Conv2D conv(32, 3);
        const double macs = N * 26 * 26 * 32 * 9 * 1;
        layer_row(rows, "Conv2D 3x3 1->32", conv, {32, 28, 28, 1}, false, 2 * 2 * macs);
    }
    {
        Conv2D conv(64, 3);
        const double macs = N * 11 * 11 * 64 * 9 * 32;
        layer_row(rows, "Conv2D 3x3 32->64", conv, {32, 13, 13, 32}, true, 3 * 2 * macs);
    }
    {
        BatchNormalization bn;
        layer_row(rows, "BatchNormalization", bn, {32, 128}, true, 0);
    }
    {
        BatchNormalization bn;
        layer_row(rows, "BatchNormalization", bn, {32, 26, 26, 32}, true, 0);
    }
    {
        Activation relu("relu");
        layer_row(rows, "Activation relu", relu, {32, 26, 26, 32}, true, 0);
    }
    {
        MaxPooling2D pool;
        layer_row(rows, "MaxPooling2D 2x2", pool, {32, 26, 26, 32}, true, 0);
    }
    // W2's first block after the convolution, as Sequential runs it: one fused op each.
    {
        Sequential block({BatchNormalization(), Activation("relu"), MaxPooling2D()});
        layer_row(rows, "BN -> ReLU -> pool 2x2, fused", block, {32, 26, 26, 32}, true, 0);
    }
    {
        Sequential block({Activation("relu"), MaxPooling2D()});
        layer_row(rows, "ReLU -> pool 2x2, fused", block, {32, 26, 26, 32}, true, 0);
    }
}

}  // namespace minnow::bench
