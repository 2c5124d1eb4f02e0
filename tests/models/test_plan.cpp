#include <catch2/catch.hpp>

#include "minnow/minnow.hpp"
#include "models/plan.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;

namespace {

std::vector<std::string> rules(const detail::Plan& plan) {
    std::vector<std::string> out;
    for (const auto& step : plan.steps) out.emplace_back(step.rule);
    return out;
}

// A user's Dense that computes something else: the plan must run its forward, never Dense's.
class DoubledDense : public Dense {
public:
    using Dense::Dense;
    Variable forward(const Variable& x, Mode mode) override { return Dense::forward(x, mode) * 2.0f; }
};

// A user's ReLU that is not a ReLU.
class ShiftedRelu : public Activation {
public:
    ShiftedRelu() : Activation("relu") {}
    Variable forward(const Variable& x, Mode mode) override { return Activation::forward(x, mode) + 0.5f; }
};

void randomize_batch_norm(Layer& bn, Rng& rng) {
    std::vector<Tensor> w = bn.get_weights();
    for (Tensor& t : w) t = Tensor::uniform(t.shape(), 0.2f, 1.8f, rng);
    w[1] = Tensor::uniform(w[1].shape(), -1, 1, rng);  // beta
    bn.set_weights(w);
}

}  // namespace

TEST_CASE("plan: the seed CNN's training and inference plans", "[models][plan]") {
    Sequential model({Input({28, 28, 1}), Conv2D(32, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                      Conv2D(64, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(), Flatten(), Dense(64),
                      BatchNormalization(), Activation("relu"), Dense(10, "softmax")});
    const detail::Plan train = detail::training_plan(model.layers());
    CHECK(rules(train) == std::vector<std::string>{"layer", "layer", "batch_norm_relu_max_pool", "layer",
                                                   "batch_norm_relu_max_pool", "layer", "layer", "batch_norm_relu",
                                                   "layer"});
    CHECK(train.final_activation == ActivationKind::Softmax);
    const detail::Plan infer = detail::inference_plan(model.layers());
    // The folded Dense and its ReLU fuse in turn.
    CHECK(rules(infer) == std::vector<std::string>{"layer", "conv_relu_max_pool", "conv_relu_max_pool", "layer",
                                                   "dense_relu", "layer"});
    CHECK(infer.steps[4].layers.front() != model.layers()[10]);
    CHECK(infer.final_activation == ActivationKind::Softmax);
    // Folding made copies: the model's own layers are not in the inference plan's folded steps.
    CHECK(infer.steps[1].layers.front() != model.layers()[1]);
}

TEST_CASE("plan: folding a BatchNormalization into Dense and Conv2D is its affine map", "[models][plan]") {
    Rng rng(78);
    NoGradGuard no_grad;
    for (bool conv : {false, true}) {
        INFO((conv ? "Conv2D" : "Dense"));
        Sequential model = conv ? Sequential({Input({7, 6, 3}), Conv2D(4, 3, 2, "same"), BatchNormalization()})
                                : Sequential({Input({3}), Dense(4, {}, false), BatchNormalization()});
        if (conv) model.layers()[1]->set_weights({Tensor::uniform({3, 3, 3, 4}, -1, 1, rng), Tensor::uniform({4}, -1, 1, rng)});
        randomize_batch_norm(*model.layers()[2], rng);
        const Tensor x = conv ? Tensor::uniform({2, 7, 6, 3}, -1, 1, rng) : Tensor::uniform({5, 3}, -1, 1, rng);
        const detail::Plan plan = detail::inference_plan(model.layers());
        REQUIRE(rules(plan) == std::vector<std::string>{"layer", "fold_batch_norm"});
        const auto& bn = static_cast<const BatchNormalization&>(*model.layers()[2]);
        const auto [scale, shift] = bn.inference_affine();
        const Tensor before = (*model.layers()[1])(Variable(x)).value();
        Tensor expected(before.shape());
        for (int64_t i = 0; i < before.numel(); ++i)
            expected.data()[i] = before.data()[i] * scale.data()[i % 4] + shift.data()[i % 4];
        CHECK(allclose(plan.run(Variable(x), Mode::Infer).value(), expected, 1e-5f, 1e-6f));
    }
}

TEST_CASE("plan: only exact classes fold or fuse, on both sides", "[models][plan]") {
    Rng rng(5);
    // With an activation, or a subclass, the Dense keeps its BatchNormalization.
    Sequential with_activation({Input({3}), Dense(4, "relu"), BatchNormalization()});
    CHECK(rules(detail::inference_plan(with_activation.layers())) == std::vector<std::string>{"layer", "layer", "layer"});

    Sequential subclass({Input({6}), std::make_shared<DoubledDense>(4), BatchNormalization(), Dense(2)});
    randomize_batch_norm(*subclass.layers()[2], rng);
    CHECK(rules(detail::inference_plan(subclass.layers())) ==
          std::vector<std::string>{"layer", "layer", "layer", "layer"});
    const Tensor x = Tensor::uniform({10, 6}, -1, 1, rng);
    Tensor one_by_one;
    {
        NoGradGuard no_grad;
        Variable h(x);
        for (const auto& layer : subclass.layers()) h = (*layer)(h, Mode::Infer);
        one_by_one = h.value();
    }
    // predict runs the subclass' forward (doubled), exactly as calling the layers one by one.
    CHECK(test::identical(subclass.predict(x, 4), one_by_one));

    // A user's Activation subclass after BatchNormalization is not fused with it, in training either.
    Sequential shifted({Input({6}), Dense(4), BatchNormalization(), std::make_shared<ShiftedRelu>(), Dense(2)});
    CHECK(rules(detail::training_plan(shifted.layers())) ==
          std::vector<std::string>{"layer", "layer", "layer", "layer", "layer"});
    NoGradGuard no_grad;
    const Tensor y = shifted(Variable(x), Mode::Train).value();
    Variable h(x);
    for (size_t i = 0; i < 4; ++i) h = (*shifted.layers()[i])(h, Mode::Train);
    for (float v : h.value().span()) CHECK(v >= 0.5f);  // the subclass ran: its shift is there
    CHECK(test::identical(y, (*shifted.layers()[4])(h, Mode::Train).value()));
}

TEST_CASE("plan: fit trains a user's output layer through its own forward, not Dense's logits", "[models][plan]") {
    // A Dense subclass with softmax at the end: the loss must see the subclass' output, so the plan
    // does not stop before the softmax (that would skip the override).
    class TemperedDense : public Dense {
    public:
        TemperedDense() : Dense(2, "softmax") {}
        Variable forward(const Variable& x, Mode) override { return softmax(pre_activation(x) * 0.25f); }
    };
    auto layer = std::make_shared<TemperedDense>();
    Sequential model({Input({3}), layer});
    const detail::Plan plan = detail::training_plan(model.layers());
    CHECK(plan.final_activation == ActivationKind::Linear);
    CHECK_FALSE(plan.steps.back().run_logits);

    model.compile(SGD(0.1), "sparse_categorical_crossentropy");
    Rng rng(3);
    const Tensor x = Tensor::uniform({8, 3}, -1, 1, rng);
    Tensor y({8});
    for (int64_t i = 0; i < 8; ++i) y.flat(i) = float(i % 2);
    const double loss = model.test_on_batch(x, y).at("loss");
    NoGradGuard no_grad;
    const Tensor p = (*layer)(Variable(x)).value();
    double expected = 0.0;
    for (int64_t i = 0; i < 8; ++i) expected -= std::log(p.at({i, static_cast<int64_t>(y.flat(i))}));
    CHECK(loss == Approx(expected / 8).epsilon(1e-5));
}

TEST_CASE("plan: a nested Sequential is planned as its layers", "[models][plan]") {
    auto inner = std::make_shared<Sequential>(
        std::initializer_list<LayerHandle>{Dense(4), BatchNormalization(), Activation("relu")});
    Sequential outer({Input({3}), inner, Dense(2, "softmax")});
    const detail::Plan plan = detail::training_plan(outer.layers());
    CHECK(rules(plan) == std::vector<std::string>{"layer", "layer", "batch_norm_relu", "layer"});
    CHECK(plan.final_activation == ActivationKind::Softmax);
}
