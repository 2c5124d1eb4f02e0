// Sample and class weights through fit, evaluate and the *_on_batch calls, weighted as Keras:
// a batch's loss is sum(w * loss) / batch size; weighted metrics are sum(w * value) / sum(w).
#include <catch2/catch.hpp>

#include <cmath>

#include "minnow/minnow.hpp"
#include "support/class_blobs.hpp"

using namespace minnow;

namespace {

using Data = test::Samples;

Data three_classes(int64_t n, uint64_t seed) { return test::class_blobs(n, 4, seed); }

Sequential small_model() {
    set_random_seed(7);
    Sequential model({Input({4}), Dense(8, "relu"), Dense(3, "softmax")});
    model.compile(Adam(1e-2f), "sparse_categorical_crossentropy", {"accuracy"});
    return model;
}

bool same_weights(Sequential& a, Sequential& b) {
    const auto wa = a.weights(), wb = b.weights();
    for (size_t i = 0; i < wa.size(); ++i)
        if (!std::equal(wa[i].value().data(), wa[i].value().data() + wa[i].value().numel(), wb[i].value().data()))
            return false;
    return true;
}

}  // namespace

TEST_CASE("class_weight is sample_weight by label, bit for bit; classes not listed weigh 1", "[models][fit]") {
    const Data d = three_classes(200, 1);
    Tensor by_sample(Shape{200});
    for (int64_t i = 0; i < 200; ++i) by_sample.flat(i) = d.y.flat(i) == 0.0f ? 2.5f : (d.y.flat(i) == 2.0f ? 0.5f : 1.0f);
    Sequential a = small_model(), b = small_model();
    const History ha = a.fit(d.x, d.y, {.epochs = 3, .seed = 2, .verbose = 0, .sample_weight = by_sample});
    const History hb = b.fit(d.x, d.y, {.epochs = 3, .seed = 2, .verbose = 0, .class_weight = {{0, 2.5}, {2, 0.5}}});
    CHECK(ha.at("loss") == hb.at("loss"));
    CHECK(same_weights(a, b));

    // All weights 1 is the unweighted fit, bit for bit.
    Sequential c = small_model(), e = small_model();
    const History hc = c.fit(d.x, d.y, {.epochs = 2, .seed = 2, .verbose = 0, .sample_weight = Tensor::ones({200})});
    const History he = e.fit(d.x, d.y, {.epochs = 2, .seed = 2, .verbose = 0});
    CHECK(hc.at("loss") == he.at("loss"));
    CHECK(same_weights(c, e));

    Sequential f = small_model();
    CHECK_THROWS_WITH(f.fit(d.x, d.y, {.verbose = 0, .sample_weight = by_sample, .class_weight = {{0, 2.0}}}),
                      Catch::Contains("both sample_weight and class_weight"));
    CHECK_THROWS_WITH(f.fit(d.x, d.y, {.verbose = 0, .sample_weight = Tensor::ones({199})}),
                      Catch::Contains("expected sample_weight of shape (200,) or (200, 1), got (199,)"));
}

TEST_CASE("zero weights: no gradient reaches the weights; the loss is 0", "[models][fit]") {
    const Data d = three_classes(64, 2);
    Sequential model = small_model(), untouched = small_model();
    const History h = model.fit(d.x, d.y, {.epochs = 2, .verbose = 0, .sample_weight = Tensor::zeros({64})});
    CHECK(h.at("loss").back() == 0.0);
    CHECK(same_weights(model, untouched));
}

TEST_CASE("evaluate and test_on_batch: sum(w * loss) / N, metrics weighted only when asked", "[models][evaluate]") {
    const Data d = three_classes(100, 3);
    Sequential model = small_model();
    model.compile(Adam(1e-2f), "sparse_categorical_crossentropy", {"accuracy"}, {"accuracy"});
    (void)model.fit(d.x, d.y, {.epochs = 2, .seed = 1, .verbose = 0});
    Tensor w(Shape{100});
    for (int64_t i = 0; i < 100; ++i) w.flat(i) = float(i % 4);  // 0, 1, 2, 3, ...

    const Tensor p = model.predict(d.x);
    double weighted_loss = 0.0, weighted_correct = 0.0, weight_sum = 0.0, correct = 0.0;
    for (int64_t i = 0; i < 100; ++i) {
        const auto label = static_cast<int64_t>(d.y.flat(i));
        weighted_loss += w.flat(i) * -std::log(double(p.at({i, label})));
        int64_t best = 0;
        for (int64_t c = 1; c < 3; ++c) best = p.at({i, c}) > p.at({i, best}) ? c : best;
        correct += best == label ? 1.0 : 0.0;
        weighted_correct += best == label ? w.flat(i) : 0.0;
        weight_sum += w.flat(i);
    }
    const Logs logs = model.evaluate(d.x, d.y, 32, 0, w);
    CHECK(logs.at("loss") == Approx(weighted_loss / 100).epsilon(1e-5));
    CHECK(logs.at("accuracy") == Approx(correct / 100));                         // metrics: unweighted
    CHECK(logs.at("weighted_accuracy") == Approx(weighted_correct / weight_sum));  // weighted_metrics
    const Logs batch = model.test_on_batch(d.x, d.y, w);
    CHECK(batch.at("loss") == Approx(logs.at("loss")).epsilon(1e-5));
    CHECK(batch.at("weighted_accuracy") == Approx(logs.at("weighted_accuracy")));
}

TEST_CASE("validation_split takes the tail's sample weights with it; class weights stay in training", "[models][fit]") {
    const Data d = three_classes(100, 4);
    Tensor w = Tensor::ones({100});
    for (int64_t i = 75; i < 100; ++i) w.flat(i) = 0.0f;  // the held-out quarter weighs nothing
    Sequential model = small_model();
    const History h = model.fit(d.x, d.y, {.epochs = 1, .validation_split = 0.25, .verbose = 0, .sample_weight = w});
    CHECK(h.at("val_loss").back() == 0.0);
    CHECK(h.at("loss").back() > 0.0);

    Sequential other = small_model();
    const History hc =
        other.fit(d.x, d.y, {.epochs = 1, .validation_split = 0.25, .verbose = 0, .class_weight = {{0, 0.0}, {1, 0.0}, {2, 0.0}}});
    CHECK(hc.at("loss").back() == 0.0);
    CHECK(hc.at("val_loss").back() > 0.0);  // validation is unweighted
}

TEST_CASE("train_on_batch with weights; predict_on_batch; get_layer by index; dataset pointers as validation",
          "[models][fit]") {
    const Data d = three_classes(32, 5);
    Sequential a = small_model(), b = small_model();
    Tensor w(Shape{32});
    for (int64_t i = 0; i < 32; ++i) w.flat(i) = d.y.flat(i) == 1.0f ? 3.0f : 1.0f;
    const Logs la = a.train_on_batch(d.x, d.y, w);
    const Logs lb = b.train_on_batch(d.x, d.y, {}, {{1, 3.0}});
    CHECK(la.at("loss") == lb.at("loss"));
    CHECK(same_weights(a, b));

    const Tensor one_batch = a.predict_on_batch(d.x);
    const Tensor batched = a.predict(d.x, 8);
    REQUIRE(one_batch.shape() == Shape{32, 3});
    for (int64_t i = 0; i < one_batch.numel(); ++i) CHECK(one_batch.flat(i) == Approx(batched.flat(i)).epsilon(1e-6));

    // Keras counts layers without the Input layer: 0 is the first Dense.
    CHECK(a.get_layer(0).name() == "dense");
    CHECK(a.get_layer(1).name() == "dense_1");
    CHECK_THROWS_WITH(a.get_layer(2), Catch::Contains("no layer at index 2: the model has 2 layers"));
    CHECK(a.get_layer("dense_1").name() == "dense_1");

    const auto validation = std::make_shared<TensorDataset>(d.x, d.y);
    const History h = a.fit(d.x, d.y, {.epochs = 1, .validation_data = validation, .verbose = 0});
    CHECK(h.history.count("val_loss") == 1);
}

TEST_CASE("validation_data takes a shared_ptr to any dataset class, as `.validation_data = folder.test`", "[models][fit]") {
    // Found while trying it: a shared_ptr<ImageDataset> did not convert.
    auto images = std::make_shared<minnow::data::IdxArray>(
        minnow::data::IdxArray{{8, 2, 2}, std::vector<uint8_t>(32, 7)});
    auto labels = std::make_shared<minnow::data::IdxArray>(minnow::data::IdxArray{{8}, {0, 1, 2, 0, 1, 2, 0, 1}});
    const std::shared_ptr<minnow::data::ImageDataset> test_split =
        std::make_shared<minnow::data::ImageDataset>(images, labels, true);
    Sequential model({Input({4}), Dense(3, "softmax")});
    model.compile("adam", "sparse_categorical_crossentropy");
    const History h = model.fit(test_split, {.epochs = 1, .batch_size = 4, .validation_data = test_split, .verbose = 0});
    CHECK(h.at("val_loss").size() == 1);
}
