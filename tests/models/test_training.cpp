#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "minnow/minnow.hpp"

using namespace minnow;

namespace {

// Four Gaussian blobs at the corners of a square, labelled like XOR: not linearly separable.
struct Blobs {
    Tensor x, y;
};

Blobs xor_blobs(int64_t n, uint64_t seed) {
    Rng rng(seed);
    Blobs b{Tensor({n, 2}), Tensor({n})};
    for (int64_t i = 0; i < n; ++i) {
        const int corner = static_cast<int>(rng.below(4));
        const float cx = (corner & 1) ? 1.0f : -1.0f, cy = (corner & 2) ? 1.0f : -1.0f;
        b.x.at({i, 0}) = cx + rng.normal(0.0f, 0.3f);
        b.x.at({i, 1}) = cy + rng.normal(0.0f, 0.3f);
        b.y.flat(i) = static_cast<float>((corner & 1) ^ ((corner >> 1) & 1));
    }
    return b;
}

Sequential xor_model(bool batch_norm) {
    Sequential model({Input({2})});
    model.add(Dense(16));
    if (batch_norm) model.add(BatchNormalization());
    model.add(Activation("relu"));
    model.add(Dense(16, "relu"));
    model.add(Dense(2, "softmax"));
    return model;
}

}  // namespace

TEST_CASE("fit: learns XOR-like blobs to 95% accuracy, with and without BatchNormalization", "[models][fit]") {
    const Blobs train = xor_blobs(512, 1), test = xor_blobs(256, 2);
    for (bool bn : {false, true}) {
        set_random_seed(3);
        Sequential model = xor_model(bn);
        model.compile(Adam(1e-2f), "sparse_categorical_crossentropy", {"accuracy"});
        const History h = model.fit(train.x, train.y,
                                    {.epochs = 15, .batch_size = 32, .validation_data = {test.x, test.y},
                                     .seed = 4, .verbose = 0});
        INFO("batch norm " << bn);
        CHECK(h.at("loss").size() == 15);
        CHECK(h.at("loss").back() < h.at("loss").front());
        CHECK(h.at("val_accuracy").back() >= 0.95);
        const Logs ev = model.evaluate(test.x, test.y);
        CHECK(ev.at("accuracy") == Approx(h.at("val_accuracy").back()));
        CHECK(ev.at("loss") == Approx(h.at("val_loss").back()));
        const Tensor p = model.predict(test.x, 100);
        CHECK(p.shape() == Shape{256, 2});
        CHECK(p.at({0, 0}) + p.at({0, 1}) == Approx(1.0f));
    }
}

TEST_CASE("fit: the same seed gives a bit-identical History", "[models][fit]") {
    const Blobs train = xor_blobs(200, 5);
    auto run = [&] {
        set_random_seed(11);
        // Dropout masks too come from the seeds.
        Sequential model({Input({2}), Dense(16), BatchNormalization(), Activation("relu"), Dropout(0.1f),
                          Dense(2, "softmax")});
        model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
        return model.fit(train.x, train.y, {.epochs = 3, .batch_size = 16, .validation_split = 0.25, .seed = 8,
                                            .verbose = 0});
    };
    const History a = run(), b = run();
    CHECK(std::isfinite(a.at("loss").back()));
    CHECK(a.history == b.history);
    CHECK(a.history.count("val_loss") == 1);
}

TEST_CASE("fit: the fused softmax cross-entropy equals the plain one", "[models][fit]") {
    const Blobs data = xor_blobs(64, 9);
    set_random_seed(1);
    Sequential fused = xor_model(false);
    set_random_seed(1);
    Sequential plain({Input({2}), Dense(16), Activation("relu"), Dense(16, "relu"), Dense(2), Activation("softmax")});
    plain.set_weights(fused.get_weights());
    // The loss object with from_logits on a linear output is the third way to say the same.
    set_random_seed(1);
    Sequential logits({Input({2}), Dense(16), Activation("relu"), Dense(16, "relu"), Dense(2)});
    logits.set_weights(fused.get_weights());
    fused.compile("sgd", "sparse_categorical_crossentropy");
    plain.compile("sgd", LossArg(std::make_shared<losses::SparseCategoricalCrossentropy>()));
    logits.compile("sgd", losses::SparseCategoricalCrossentropy(true));
    const double a = fused.test_on_batch(data.x, data.y).at("loss");
    CHECK(plain.test_on_batch(data.x, data.y).at("loss") == Approx(a).epsilon(1e-5));
    CHECK(logits.test_on_batch(data.x, data.y).at("loss") == Approx(a).epsilon(1e-5));
}

TEST_CASE("train_on_batch, binary and regression losses", "[models][fit]") {
    const Blobs data = xor_blobs(128, 13);
    set_random_seed(2);
    Sequential binary({Input({2}), Dense(16, "tanh"), Dense(1, "sigmoid")});
    binary.compile(Adam(0.05f), "binary_crossentropy", {"accuracy"});
    const Tensor y = data.y.reshape({128, 1});
    const double first = binary.train_on_batch(data.x, y).at("loss");
    for (int i = 0; i < 150; ++i) binary.train_on_batch(data.x, y);
    const Logs last = binary.test_on_batch(data.x, y);
    CHECK(last.at("loss") < first);
    CHECK(last.at("accuracy") > 0.9);

    Sequential regression({Input({2}), Dense(1)});
    regression.compile(SGD(0.1f), "mse", {"mae"});
    Tensor target({128, 1});
    for (int64_t i = 0; i < 128; ++i) target.flat(i) = 2.0f * data.x.at({i, 0}) - data.x.at({i, 1}) + 0.5f;
    regression.fit(data.x, target, {.epochs = 60, .verbose = 0});
    CHECK(regression.evaluate(data.x, target).at("loss") < 1e-3);
    const Tensor k = regression.get_weights()[0];
    CHECK(k.flat(0) == Approx(2.0f).margin(0.02));
}

TEST_CASE("misuse is refused with StateError or ValueError and a clear message", "[models][fit]") {
    const Blobs data = xor_blobs(64, 1);
    Sequential model = xor_model(false);
    CHECK_THROWS_WITH(model.fit(data.x, data.y),
                      "Sequential 'sequential': fit() before compile(); call compile(optimizer, loss, metrics) first");
    CHECK_THROWS_AS(model.evaluate(data.x, data.y), StateError);
    model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
    CHECK_THROWS_WITH(model.fit(data.x, Tensor::zeros({63})),
                      "Sequential 'sequential': x and y have different numbers of samples: x (64, 2) has 64, y (63,) "
                      "has 63");
    Tensor bad = data.y;
    bad.flat(7) = 2.0f;
    CHECK_THROWS_WITH(model.fit(data.x, bad, {.verbose = 0}),
                      "Sequential 'sequential': label 2 (sample 7) is outside [0, 2): the output layer 'dense_2' has "
                      "2 units");
    CHECK_THROWS_WITH(model.fit(data.x, data.y, {.validation_split = 1.0, .verbose = 0}),
                      Catch::Contains("validation_split must be in [0, 1), got 1"));
    CHECK_THROWS_AS(model.fit(data.x, data.y, {.validation_split = -0.1, .verbose = 0}), ValueError);
    CHECK_THROWS_AS(model.fit(data.x, data.y, {.batch_size = 0, .verbose = 0}), ValueError);
    CHECK_THROWS_AS(model.compile("adam", "hinge"), ValueError);
    CHECK_THROWS_AS(model.compile("adam", "mse", {"auc"}), ValueError);
    CHECK_THROWS_AS(model.fit(Tensor::zeros({64, 3}), data.y, {.verbose = 0}), ShapeError);

    Sequential bn = xor_model(true);
    bn.compile("adam", "sparse_categorical_crossentropy");
    CHECK_THROWS_WITH(bn.fit(data.x.slice_rows(0, 33), data.y.slice_rows(0, 33), {.verbose = 0}),
                      Catch::Contains("last batch of one sample"));
}

TEST_CASE("the progress bar prints Keras' epoch line", "[models][fit]") {
    std::ostringstream out;
    ProgressBar bar(1, 4, 2, &out);
    bar.on_epoch_begin(0, {});
    for (int b = 0; b < 4; ++b) bar.on_batch_end(b, {{"loss", 0.5}});
    bar.on_epoch_end(0, {{"loss", 0.2134}, {"accuracy", 0.9371}, {"val_loss", 0.3}, {"val_accuracy", 0.9}});
    const std::string text = out.str();
    CHECK_THAT(text, Catch::StartsWith("Epoch 1/2\n4/4 [==============================] - 0s "));
    CHECK_THAT(text, Catch::EndsWith("/step - loss: 0.2134 - accuracy: 0.9371 - val_loss: 0.3000 - val_accuracy: "
                                     "0.9000\n"));

    // verbose 2: one line an epoch, no bar, as Keras.
    std::ostringstream quiet;
    ProgressBar line(2, 4, 2, &quiet);
    line.on_epoch_begin(1, {});
    for (int b = 0; b < 4; ++b) line.on_batch_end(b, {{"loss", 0.5}});
    line.on_epoch_end(1, {{"loss", 0.2134}});
    const std::string lines = quiet.str();
    CHECK_THAT(lines, Catch::StartsWith("Epoch 2/2\n4/4 - 0s - "));
    CHECK_THAT(lines, Catch::EndsWith("/step - loss: 0.2134\n"));
    CHECK(lines.find('[') == std::string::npos);
    CHECK(std::count(lines.begin(), lines.end(), '\n') == 2);
}

namespace {

// Moving statistics and gamma/beta far from their initial values, so folding has work to do.
void randomize_batch_norms(Sequential& model, Rng& rng) {
    for (const auto& layer : model.layers())
        if (auto* bn = dynamic_cast<BatchNormalization*>(layer.get())) {
            std::vector<Tensor> w = bn->get_weights();
            for (Tensor& t : w) t = Tensor::uniform(t.shape(), 0.2f, 1.8f, rng);
            w[1] = Tensor::uniform(w[1].shape(), -1, 1, rng);  // beta
            bn->set_weights(w);
        }
}

}  // namespace

TEST_CASE("predict and evaluate fold BatchNormalization into the layer before it", "[models]") {
    Rng rng(77);
    Sequential model({Input({9, 8, 2}), Conv2D(6, 3), BatchNormalization(), Activation("relu"),
                      Conv2D(4, 2, 1, "same", "relu"), BatchNormalization(),  // has an activation: not folded
                      Flatten(), Dense(5, {}, false), BatchNormalization(), Dense(3, "softmax")});
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    randomize_batch_norms(model, rng);
    const Tensor x = Tensor::uniform({300, 9, 8, 2}, -1, 1, rng);
    Tensor y({300});
    for (int64_t i = 0; i < 300; ++i) y.flat(i) = static_cast<float>(i % 3);
    const std::vector<Tensor> before = model.get_weights();

    Tensor unfolded;
    {
        NoGradGuard no_grad;
        unfolded = model(Variable(x), Mode::Infer).value();
    }
    const Tensor predicted = model.predict(x, 64);
    CHECK(allclose(predicted, unfolded, 1e-4f, 1e-6f));
    CHECK_FALSE(allclose(predicted, unfolded, 0.0f, 0.0f));  // folded: rounded differently, so it ran

    const Logs logs = model.evaluate(x, y, 64);
    double expected_loss = 0.0;
    for (int64_t i = 0; i < 300; ++i)
        expected_loss -= std::log(unfolded.at({i, static_cast<int64_t>(y.flat(i))}));
    CHECK(logs.at("loss") == Approx(expected_loss / 300).epsilon(1e-4));

    const std::vector<Tensor> after = model.get_weights();
    REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < after.size(); ++i) CHECK(allclose(after[i], before[i], 0.0f, 0.0f));
}

namespace {

// A user's layer built on BatchNormalization that computes something else in inference.
class ShiftedBatchNormalization : public BatchNormalization {
public:
    Variable forward(const Variable& x, Mode mode) override { return BatchNormalization::forward(x, mode) + 1.0f; }
};

}  // namespace

TEST_CASE("predict folds exactly BatchNormalization, never a subclass of it", "[models]") {
    Rng rng(78);
    Sequential model({Input({6}), Dense(4), std::make_shared<ShiftedBatchNormalization>(), Dense(2)});
    randomize_batch_norms(model, rng);
    const Tensor x = Tensor::uniform({10, 6}, -1, 1, rng);
    NoGradGuard no_grad;
    CHECK(allclose(model.predict(x, 4), model(Variable(x), Mode::Infer).value(), 0.0f, 0.0f));
}
