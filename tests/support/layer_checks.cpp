#include "support/layer_checks.hpp"

#include <catch2/catch.hpp>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/error.hpp"
#include "minnow/tensor/tensor_ops.hpp"
#include "support/gradcheck.hpp"

namespace minnow::test {

namespace {
Tensor run(Layer& layer, const Variable& x, Mode mode, const LayerExpectations& expected) {
    if (expected.before_call) expected.before_call(layer);
    NoGradGuard no_grad;
    return layer(x, mode).value();
}
}  // namespace

void check_layer(Layer& layer, const Shape& input_shape, const LayerExpectations& expected) {
    INFO("layer " << layer.class_name() << " '" << layer.name() << "' on input " << input_shape.str());
    Variable x = random_leaf(input_shape, expected.seed);

    const Tensor infer = run(layer, x, Mode::Infer, expected);
    REQUIRE(layer.built());
    CHECK(infer.shape() == layer.output_shape().with_batch(input_shape[0]));
    CHECK(layer.trainable_weights().size() == expected.trainable_weights);
    CHECK(layer.non_trainable_weights().size() == expected.non_trainable_weights);
    CHECK(layer.weights().size() == expected.trainable_weights + expected.non_trainable_weights);

    CHECK(run(layer, x, Mode::Infer, expected).to_vector() == infer.to_vector());
    const Tensor train = run(layer, x, Mode::Train, expected);
    CHECK(train.shape() == infer.shape());
    CHECK(allclose(train, infer, 1e-6f, 1e-6f) == !expected.train_differs);

    // Bad input, once built: a wrong rank and a wrong feature count are refused with a ShapeError
    // that names the layer.
    std::vector<int64_t> deeper = input_shape.dims();
    deeper.insert(deeper.end() - 1, 2);
    std::vector<int64_t> wider = input_shape.dims();
    wider.back() += 1;
    for (const Shape& bad : {Shape(deeper), Shape(wider)}) {
        INFO("bad input " << bad.str());
        const Variable wrong(Tensor::zeros(bad));
        CHECK_THROWS_AS(layer(wrong, Mode::Infer), ShapeError);
        CHECK_THROWS_WITH(layer(wrong, Mode::Train), Catch::Contains("'" + layer.name() + "'"));
    }

    if (!expected.gradcheck) return;
    std::vector<Variable> wrt{x};
    for (const Variable& w : layer.trainable_weights()) wrt.push_back(w);
    for (Mode mode : {Mode::Infer, Mode::Train}) {
        INFO((mode == Mode::Train ? "Train" : "Infer") << " mode gradient check");
        REQUIRE_GRADCHECK(
            [&] {
                if (expected.before_call) expected.before_call(layer);
                return layer(x, mode);
            },
            wrt);
    }
}

}  // namespace minnow::test
