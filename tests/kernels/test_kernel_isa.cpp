// A portable build holds two copies of the hot kernels (src/kernels/isa.hpp). Both copies train
// the same network to the same numbers, up to the rounding FMA changes; the choice is reported.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

#include "kernels/isa.hpp"
#include "minnow/minnow.hpp"
#include "support/cli.hpp"

using namespace minnow;

namespace {

// Restores the copy the process chose, whatever a test selected.
struct KeepIsa {
    bool avx2 = kernels::kernel_isa_avx2();
    ~KeepIsa() { kernels::select_kernel_isa(avx2 ? kernels::KernelIsa::avx2 : kernels::KernelIsa::portable); }
};

// Every dispatched kernel family: direct convolution (few channels) and implicit GEMM (more),
// BatchNormalization fused with ReLU and pooling and on its own, average pooling, tanh, softmax.
// No bias before a BatchNormalization: its gradient is zero but for rounding, which Adam's
// normalized step turns into updates as large as any, differently in each copy.
Sequential cnn() {
    Sequential model({Input({10, 10, 2}), Conv2D(16, 3, {.padding = "same", .use_bias = false}), BatchNormalization(),
                      Activation("relu"), MaxPooling2D(2), Conv2D(24, 3, {.use_bias = false}), BatchNormalization(),
                      Activation("tanh"),
                      AveragePooling2D(2), Flatten(), Dense(5, "softmax")});
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    return model;
}

struct Trained {
    std::vector<Tensor> weights;
    Tensor predictions;
};

Trained train(kernels::KernelIsa isa, const std::vector<Tensor>& initial, const Tensor& x, const Tensor& y) {
    kernels::select_kernel_isa(isa);
    Sequential model = cnn();
    for (size_t i = 0; i < initial.size(); ++i) model.weights()[i].value() = initial[i];
    for (int step = 0; step < 3; ++step) model.train_on_batch(x, y);
    Trained t;
    for (const Variable& v : model.weights()) t.weights.push_back(v.value());
    t.predictions = model.predict(x);
    return t;
}

float largest_relative_difference(const Tensor& a, const Tensor& b) {
    REQUIRE(a.shape() == b.shape());
    float worst = 0.0f;
    for (int64_t i = 0; i < a.numel(); ++i)
        worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]) / (1e-3f + std::abs(b.data()[i])));
    return worst;
}

}  // namespace

TEST_CASE("kernels: the AVX2 and portable copies train a CNN to the same numbers", "[kernels]") {
    if (!kernels::kernel_variants_built()) {
        CHECK_THROWS_WITH(kernels::select_kernel_isa(kernels::KernelIsa::avx2),
                          Catch::Contains("this build has no AVX2 copy"));
        CHECK_THAT(kernel_path(), Catch::StartsWith("native (") || Catch::StartsWith("portable ("));
        WARN("one copy of the kernels in this build (-march=native or not x86-64): nothing to compare");
        return;
    }
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        CHECK_THROWS_WITH(kernels::select_kernel_isa(kernels::KernelIsa::avx2), Catch::Contains("no AVX2 and FMA"));
        WARN("this CPU has no AVX2 and FMA: only the portable copy can run");
        return;
    }
    KeepIsa keep;
    Rng rng(3);
    Tensor x = Tensor::uniform({32, 10, 10, 2}, -1.0f, 1.0f, rng);
    Tensor y({32});
    for (int64_t i = 0; i < 32; ++i) y.data()[i] = static_cast<float>(i % 5);
    std::vector<Tensor> initial;
    for (const Variable& v : cnn().weights()) initial.push_back(v.value());

    const Trained portable = train(kernels::KernelIsa::portable, initial, x, y);
    CHECK_THAT(kernel_path(), Catch::StartsWith("portable (chosen at run time"));
    const Trained avx2 = train(kernels::KernelIsa::avx2, initial, x, y);
    CHECK_THAT(kernel_path(), Catch::StartsWith("avx2+fma (chosen at run time"));

    for (size_t i = 0; i < initial.size(); ++i) {
        INFO("weight " << i);
        CHECK(largest_relative_difference(avx2.weights[i], portable.weights[i]) < 1e-3f);
        CHECK(largest_relative_difference(avx2.weights[i], initial[i]) > 1e-4f);  // it did train
    }
    CHECK(largest_relative_difference(avx2.predictions, portable.predictions) < 1e-3f);
    // Not the same code: the copies round differently somewhere (FMA), so they did both run.
    CHECK(largest_relative_difference(avx2.predictions, portable.predictions) > 0.0f);
}

TEST_CASE("kernels: MINNOW_KERNEL_ISA chooses the copy, and a bad value is an error", "[kernels]") {
    const auto forced = test::run_cli("version", "MINNOW_KERNEL_ISA=portable");
    REQUIRE(forced.status == 0);
    if (kernels::kernel_variants_built())
        CHECK_THAT(forced.output, Catch::Contains("kernels: portable (chosen at run time: MINNOW_KERNEL_ISA=portable)"));
    else
        CHECK_THAT(forced.output, Catch::Contains("MINNOW_KERNEL_ISA=portable has no effect"));

    const auto bad = test::run_cli("version", "MINNOW_KERNEL_ISA=sse9");
    CHECK(bad.status == 1);
    CHECK_THAT(bad.output, Catch::Contains("MINNOW_KERNEL_ISA: expected auto, portable or avx2, got 'sse9'"));
}
