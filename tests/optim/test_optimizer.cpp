#include <catch2/catch.hpp>

#include "minnow/core/error.hpp"
#include "minnow/optim/optimizer.hpp"

using namespace minnow;

namespace {
// One scalar weight, stepped with the given gradients; returns the weight after each step.
std::vector<float> run(Optimizer& opt, std::vector<float> grads, float w0 = 1.0f) {
    Variable w(Tensor::from_data({1}, {w0}), true);
    std::vector<float> out;
    for (float g : grads) {
        w.grad() = Tensor::from_data({1}, {g});
        opt.apply({w});
        CHECK_FALSE(w.has_grad());  // cleared after the step
        out.push_back(w.value().item());
    }
    return out;
}
}  // namespace

// Expected values: the update rules in double (Python, three steps: g = 0.5, 0.5, -0.2).
TEST_CASE("Adam: Keras' update matches hand-computed steps", "[optim]") {
    Adam adam(0.1f);
    const auto w = run(adam, {0.5f, 0.5f, -0.2f});
    CHECK(w[0] == Approx(0.9000006324515321).epsilon(1e-6));
    CHECK(w[1] == Approx(0.8000010797749726).epsilon(1e-6));
    CHECK(w[2] == Approx(0.7430216097755367).epsilon(1e-6));
    CHECK(adam.iterations() == 3);
}

TEST_CASE("Adam: where epsilon goes, Keras' form and PyTorch's", "[optim]") {
    Adam keras(0.1f, 0.9f, 0.999f, 0.1f);
    const auto k = run(keras, {0.5f, 0.5f, -0.2f});
    CHECK(k[0] == Approx(0.9863472940504185).epsilon(1e-6));
    CHECK(k[2] == Approx(0.9573385139826645).epsilon(1e-6));
    Adam torch(0.1f, 0.9f, 0.999f, 0.1f, {}, true);
    const auto t = run(torch, {0.5f, 0.5f, -0.2f});
    CHECK(t[0] == Approx(0.9166666666666666).epsilon(1e-6));
    CHECK(t[2] == Approx(0.7872238440769966).epsilon(1e-6));
}

TEST_CASE("SGD: plain, momentum and Nesterov", "[optim]") {
    SGD plain(0.1f);
    CHECK(run(plain, {0.5f, 0.5f}) == std::vector<float>{0.95f, 0.9f});
    SGD momentum(0.1f, 0.9f);
    const auto m = run(momentum, {0.5f, 0.5f});  // m = -0.05 then -0.095
    CHECK(m[0] == Approx(0.95f));
    CHECK(m[1] == Approx(0.855f));
    SGD nesterov(0.1f, 0.9f, true);
    const auto n = run(nesterov, {0.5f, 0.5f});  // w += 0.9 m - lr g
    CHECK(n[0] == Approx(0.905f));
    CHECK(n[1] == Approx(0.905f - 0.9f * 0.095f - 0.05f));
}

TEST_CASE("clipnorm, global_clipnorm, weight decay and gradient accumulation", "[optim]") {
    SGD clipped(1.0f, 0.0f, false, {.clipnorm = 1.0f});
    Variable w(Tensor::from_data({2}, {0, 0}), true);
    w.grad() = Tensor::from_data({2}, {3, 4});  // norm 5, scaled to norm 1
    clipped.apply({w});
    CHECK(w.value().flat(0) == Approx(-0.6f));
    CHECK(w.value().flat(1) == Approx(-0.8f));

    SGD global(1.0f, 0.0f, false, {.global_clipnorm = 1.0f});
    Variable a(Tensor::from_data({1}, {0}), true), b(Tensor::from_data({1}, {0}), true);
    a.grad() = Tensor::from_data({1}, {3});
    b.grad() = Tensor::from_data({1}, {4});
    global.apply({a, b});
    CHECK(a.value().item() == Approx(-0.6f));
    CHECK(b.value().item() == Approx(-0.8f));

    // Decoupled: w -= w * weight_decay * lr before the gradient step.
    SGD decayed(0.5f, 0.0f, false, {.weight_decay = 0.1f});
    CHECK(run(decayed, {0.0f}, 2.0f)[0] == Approx(1.9f));
    CHECK(run(decayed, {1.0f}, 2.0f)[0] == Approx(1.9f - 0.5f));

    // Averaged over k = 2 batches; the counter counts every batch, as in Keras 3.
    SGD accumulating(1.0f, 0.0f, false, {.gradient_accumulation_steps = 2});
    const auto acc = run(accumulating, {1.0f, 3.0f, 2.0f, 2.0f});
    CHECK(acc == std::vector<float>{1.0f, -1.0f, -1.0f, -3.0f});
    CHECK(accumulating.iterations() == 4);

    // Adam with accumulation: the first update is Adam's step at t = k.
    Adam adam_acc(0.1f, 0.9f, 0.999f, 1e-7f, {.gradient_accumulation_steps = 2});
    const auto w2 = run(adam_acc, {0.4f, 0.6f});
    CHECK(w2[0] == 1.0f);
    CHECK(w2[1] < 1.0f);
}

TEST_CASE("optimizers refuse invalid settings and unknown names", "[optim]") {
    CHECK_THROWS_AS(Adam(-1.0f), ValueError);
    CHECK_THROWS_AS(Adam(0.1f, 1.5f), ValueError);
    CHECK_THROWS_AS(SGD(0.1f, 0.0f, false, {.gradient_accumulation_steps = 0}), ValueError);
    CHECK_THROWS_AS(SGD(0.1f, 0.0f, false, {.clipnorm = 1.0f, .global_clipnorm = 1.0f}), ValueError);
    CHECK(optimizer_from_name("adam")->name() == "adam");
    CHECK(optimizer_from_name("sgd")->learning_rate() == Approx(0.01f));
    CHECK_THROWS_WITH(optimizer_from_name("adamax"), Catch::Contains("unknown optimizer 'adamax'") && Catch::Contains("rmsprop"));
}

TEST_CASE("optimizers skip variables without a gradient", "[optim]") {
    Adam adam;
    Variable w(Tensor::from_data({1}, {1.0f}), true);
    adam.apply({w});
    CHECK(w.value().item() == 1.0f);
}
