// RMSprop, Adagrad, Nadam, AdamW, clipvalue and the learning-rate schedules against values
// computed by hand from Keras 3's formulas (in double, three steps: g = 0.5, 0.5, -0.2, w0 = 1).
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/config_json.hpp"
#include "minnow/core/error.hpp"
#include "minnow/optim/optimizers.hpp"
#include "minnow/optim/schedules.hpp"

using namespace minnow;

namespace {
std::vector<float> run(Optimizer& opt, std::vector<float> grads, float w0 = 1.0f) {
    Variable w(Tensor::from_data({1}, {w0}), true);
    std::vector<float> out;
    for (float g : grads) {
        w.grad() = Tensor::from_data({1}, {g});
        opt.apply({w});
        out.push_back(w.value().item());
    }
    return out;
}
const std::vector<float> kGrads{0.5f, 0.5f, -0.2f};
}  // namespace

TEST_CASE("RMSprop: Keras' example and hand-computed steps, plain, with momentum and centered", "[optim]") {
    // Keras' docstring: lr 0.1, var 10, loss var^2 / 2 -> 9.683772.
    RMSprop doc(0.1);
    CHECK(run(doc, {10.0f}, 10.0f)[0] == Approx(9.683772).epsilon(1e-6));
    RMSprop plain(0.1);
    const auto w = run(plain, kGrads);
    CHECK(w[0] == Approx(0.6837728664367966).epsilon(1e-5));
    CHECK(w[1] == Approx(0.45435737405609966).epsilon(1e-5));
    CHECK(w[2] == Approx(0.5468567331389329).epsilon(1e-5));
    RMSprop centered(0.1, 0.9, 0.5, 1e-7, true);
    CHECK(centered.slot_count() == 3);
    const auto c = run(centered, kGrads);
    CHECK(c[0] == Approx(0.6666674074049382).epsilon(1e-5));
    CHECK(c[2] == Approx(0.13136901087502972).epsilon(1e-4));
    CHECK_THROWS_AS(RMSprop(0.1, 1.5), ValueError);
}

TEST_CASE("Adagrad, Nadam and AdamW: hand-computed steps", "[optim]") {
    Adagrad adagrad(0.1);
    const auto a = run(adagrad, kGrads);
    CHECK(a[0] == Approx(0.9154845866007779).epsilon(1e-6));
    CHECK(a[2] == Approx(0.8759348675900057).epsilon(1e-6));
    Nadam nadam(0.1);
    const auto n = run(nadam, kGrads);
    CHECK(n[0] == Approx(0.8937212409248747).epsilon(1e-5));
    CHECK(n[1] == Approx(0.8163621878859774).epsilon(1e-5));
    CHECK(n[2] == Approx(0.8343732796197408).epsilon(1e-5));
    CHECK(nadam.scalar_state().size() == 1);
    AdamW adamw(0.1);
    CHECK(adamw.options().weight_decay == Approx(0.004));
    const auto w = run(adamw, kGrads);
    CHECK(w[0] == Approx(0.8996006324515321).epsilon(1e-6));
    CHECK(w[2] == Approx(0.7419420730267474).epsilon(1e-6));
    for (const char* name : {"rmsprop", "adamw", "adagrad", "nadam"}) CHECK(optimizer_from_name(name)->name() == name);
}

TEST_CASE("clipvalue clips each gradient element; one clipping option at a time", "[optim]") {
    SGD sgd(1.0, 0.0, false, {.clipvalue = 0.25});
    Variable w(Tensor::from_data({3}, {0, 0, 0}), true);
    w.grad() = Tensor::from_data({3}, {1.0f, -0.1f, -7.0f});
    sgd.apply({w});
    CHECK(w.value().to_vector() == std::vector<float>{-0.25f, 0.1f, 0.25f});
    CHECK_THROWS_WITH(SGD(0.1, 0.0, false, {.clipnorm = 1.0, .clipvalue = 1.0}),
                      Catch::Contains("at most one of clipnorm, global_clipnorm and clipvalue"));
}

TEST_CASE("schedules: Keras' formulas at known steps", "[optim]") {
    const ExponentialDecay exp(0.1, 100, 0.96);
    CHECK(exp(0) == Approx(0.1));
    CHECK(exp(50) == Approx(0.1 * std::sqrt(0.96)));
    CHECK(ExponentialDecay(0.1, 100, 0.96, true)(150) == Approx(0.096));
    // Keras' docstring: 1.0 up to step 100000, 0.5 up to 110000, then 0.1.
    const PiecewiseConstantDecay pw({100000, 110000}, {1.0, 0.5, 0.1});
    CHECK(pw(100000) == 1.0);
    CHECK(pw(100001) == 0.5);
    CHECK(pw(110000) == 0.5);
    CHECK(pw(110001) == 0.1);
    CHECK_THROWS_AS(PiecewiseConstantDecay({1, 2}, {1.0, 0.5}), ValueError);
    const CosineDecay cosine(0.1, 1000);
    CHECK(cosine(500) == Approx(0.05));
    CHECK(cosine(1000) == Approx(0.0).margin(1e-12));
    CHECK(cosine(5000) == Approx(0.0).margin(1e-12));  // capped at decay_steps
    CHECK(CosineDecay(0.1, 1000, 0.1)(1000) == Approx(0.01));
    // Warmup from 0 to 0.1 over 1000 steps, then the decay from 0.1.
    const CosineDecay warm(0.0, 1000, 0.0, 0.1, 1000);
    CHECK(warm(500) == Approx(0.05));
    CHECK(warm(1000) == Approx(0.1));
    CHECK(warm(1500) == Approx(0.05));
    CHECK(warm(2500) == Approx(0.0).margin(1e-12));
    CHECK(InverseTimeDecay(0.1, 1, 0.5)(2) == Approx(0.05));
    CHECK(InverseTimeDecay(0.1, 10, 0.5, true)(19) == Approx(0.1 / 1.5));
    CHECK_THROWS_AS(ExponentialDecay(0.1, 0, 0.9), ValueError);
}

TEST_CASE("a schedule drives the optimizer's learning rate from its step counter, and round-trips", "[optim]") {
    SGD sgd(ExponentialDecay(0.1, 1, 0.5));
    CHECK(sgd.learning_rate() == Approx(0.1f));
    // Steps at rates 0.1, 0.05, 0.025: w = 1 - 0.1 - 0.05 - 0.025 with g = 1.
    const auto w = run(sgd, {1.0f, 1.0f, 1.0f});
    CHECK(w[2] == Approx(0.825f));
    CHECK(sgd.learning_rate() == Approx(0.0125f));
    CHECK_THROWS_AS(sgd.set_learning_rate(0.1), StateError);
    const nlohmann::json config = json_of(sgd.get_config());
    CHECK(config["learning_rate"]["class_name"] == "ExponentialDecay");
    const auto back = schedule_from_config(config_from_json(config["learning_rate"]));
    CHECK((*back)(3) == Approx(0.0125));
    for (const LearningRateSchedule* s : std::initializer_list<const LearningRateSchedule*>{
             new PiecewiseConstantDecay({10}, {1.0, 0.5}), new CosineDecay(0.1, 100, 0.0, 0.2, 10),
             new InverseTimeDecay(0.1, 5, 0.5)}) {
        const auto copy = schedule_from_config(config_from_json({{"class_name", s->class_name()}, {"config", json_of(s->get_config())}}));
        for (int64_t step : {0, 5, 11, 57, 200}) CHECK((*copy)(step) == Approx((*s)(step)));
        delete s;
    }
}
