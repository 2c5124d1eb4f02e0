#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.hpp"
#include "minnow/minnow.hpp"

using namespace minnow;
using minnow::test::temp_dir;

namespace {

struct Data {
    Tensor x, y;
};

Data linear_data() {
    Rng rng(3);
    Data d{Tensor::uniform({64, 3}, -1, 1, rng), Tensor({64, 1})};
    for (int64_t i = 0; i < 64; ++i) d.y.flat(i) = d.x.at({i, 0}) - 2.0f * d.x.at({i, 2});
    return d;
}

Sequential regression_model() {
    set_random_seed(5);
    Sequential model({Input({3}), Dense(4, "tanh"), Dense(1)});
    model.compile(SGD(0.05f), "mse");
    return model;
}

// Records the order of the hooks.
class Recorder : public Callback {
public:
    std::vector<std::string> events;
    void on_train_begin(const Logs&) override { events.push_back("train_begin"); }
    void on_train_end(const Logs&) override { events.push_back("train_end"); }
    void on_epoch_begin(int e, const Logs&) override { events.push_back("epoch_begin " + std::to_string(e)); }
    void on_epoch_end(int e, const Logs& logs) override {
        events.push_back("epoch_end " + std::to_string(e) + (logs.count("loss") ? " loss" : ""));
    }
    void on_batch_end(int b, const Logs&) override { events.push_back("batch_end " + std::to_string(b)); }
};


}  // namespace

TEST_CASE("callbacks: a user callback sees every hook in order", "[models][callbacks]") {
    const Data d = linear_data();
    Sequential model = regression_model();
    auto recorder = std::make_shared<Recorder>();
    model.fit(d.x, d.y, {.epochs = 5, .batch_size = 32, .verbose = 0, .callbacks = {recorder}, .initial_epoch = 3});
    CHECK(recorder->events == std::vector<std::string>{"train_begin", "epoch_begin 3", "batch_end 0", "batch_end 1",
                                                       "epoch_end 3 loss", "epoch_begin 4", "batch_end 0",
                                                       "batch_end 1", "epoch_end 4 loss", "train_end"});
}

TEST_CASE("EarlyStopping: stops after patience and restores the best weights", "[models][callbacks]") {
    const Data d = linear_data();
    Sequential model = regression_model();
    auto stop = std::make_shared<EarlyStopping>("loss", 0.0, 2, "max", true);
    const History h = model.fit(d.x, d.y, {.epochs = 20, .verbose = 0, .callbacks = {stop}});
    // "max" on a falling loss: epoch 0 is the best, epochs 1 and 2 fail to improve.
    CHECK(stop->stopped_epoch() == 2);
    CHECK(stop->best_epoch() == 0);
    CHECK(h.at("loss").size() == 3);

    Sequential fresh = regression_model();
    auto min_stop = std::make_shared<EarlyStopping>("loss", 10.0, 1);  // min_delta too large to ever improve
    fresh.fit(d.x, d.y, {.epochs = 20, .verbose = 0, .callbacks = {min_stop}});
    CHECK(min_stop->stopped_epoch() == 1);
}

TEST_CASE("EarlyStopping: restore_best_weights puts back the best epoch's weights", "[models][callbacks]") {
    const Data d = linear_data();
    Sequential model = regression_model();
    // Record the weights after epoch 0, the one "max" mode will call best.
    class Snapshot : public Callback {
    public:
        std::vector<Tensor> after_first;
        void on_epoch_end(int e, const Logs&) override {
            if (e == 0) after_first = model().get_weights();
        }
    };
    auto snap = std::make_shared<Snapshot>();
    auto stop = std::make_shared<EarlyStopping>("loss", 0.0, 1, "max", true);
    model.fit(d.x, d.y, {.epochs = 10, .verbose = 0, .callbacks = {snap, stop}});
    const auto now = model.get_weights();
    for (size_t i = 0; i < now.size(); ++i) CHECK(now[i].to_vector() == snap->after_first[i].to_vector());
}

TEST_CASE("CSVLogger and ModelCheckpoint write their files", "[models][callbacks]") {
    const auto dir = temp_dir("callbacks");
    const Data d = linear_data();
    Sequential model = regression_model();
    model.compile(SGD(0.05f), "mse", {"mae"});
    auto csv = std::make_shared<CSVLogger>((dir / "log.csv").string());
    auto ckpt = std::make_shared<ModelCheckpoint>((dir / "ckpt-{epoch:02d}.safetensors").string(), "val_loss");
    auto best = std::make_shared<ModelCheckpoint>((dir / "best.safetensors").string(), "val_loss", true, true);
    model.fit(d.x, d.y, {.epochs = 3, .validation_split = 0.25, .verbose = 0, .callbacks = {csv, ckpt, best}});
    std::ifstream in(dir / "log.csv");
    std::string header, line;
    std::getline(in, header);
    CHECK(header == "epoch,loss,mae,val_loss,val_mae");
    int rows = 0;
    while (std::getline(in, line)) ++rows;
    CHECK(rows == 3);
    CHECK(std::filesystem::exists(dir / "ckpt-01.safetensors"));
    CHECK(std::filesystem::exists(dir / "ckpt-03.safetensors"));
    CHECK(std::filesystem::exists(dir / "best.safetensors"));
    Sequential loaded = load_model((dir / "ckpt-03.safetensors").string());
    CHECK(loaded.get_weights()[0].to_vector() == model.get_weights()[0].to_vector());
}

TEST_CASE("TerminateOnNaN stops at the first invalid loss", "[models][callbacks]") {
    Data d = linear_data();
    d.y.flat(5) = std::nanf("");
    Sequential model = regression_model();
    auto recorder = std::make_shared<Recorder>();
    const History h = model.fit(d.x, d.y, {.epochs = 5, .batch_size = 8, .shuffle = false, .verbose = 0,
                                           .callbacks = {std::make_shared<TerminateOnNaN>(), recorder}});
    CHECK(h.at("loss").size() == 1);
    CHECK(std::count(recorder->events.begin(), recorder->events.end(), "batch_end 1") == 0);
}

TEST_CASE("LearningRateScheduler sets each epoch's rate from the function, and logs it", "[models][callbacks]") {
    Sequential model({Input({2}), Dense(1)});
    model.compile(SGD(0.1), "mse");
    const Tensor x = Tensor::ones({8, 2}), y = Tensor::zeros({8, 1});
    std::vector<std::pair<int, double>> calls;
    auto scheduler = std::make_shared<LearningRateScheduler>([&](int epoch, double lr) {
        calls.emplace_back(epoch, lr);
        return epoch < 2 ? lr : lr * 0.5;
    });
    const History h = model.fit(x, y, {.epochs = 4, .batch_size = 8, .verbose = 0, .callbacks = {scheduler}});
    REQUIRE(calls.size() == 4);
    CHECK(calls[0].first == 0);
    CHECK(calls[0].second == Approx(0.1));
    CHECK(calls[3].second == Approx(0.05));
    const std::vector<double>& lr = h.at("learning_rate");
    REQUIRE(lr.size() == 4);
    CHECK(lr[0] == Approx(0.1));
    CHECK(lr[2] == Approx(0.05));
    CHECK(lr[3] == Approx(0.025));
}

TEST_CASE("ReduceLROnPlateau: Keras' patience, factor, cooldown and floor", "[models][callbacks]") {
    Sequential model({Input({2}), Dense(1)});
    model.compile(SGD(1.0), "mse");
    ReduceLROnPlateau reduce("val_loss", 0.5, 2, 0, "auto", 1e-4, 1, 0.3);
    reduce.set_model(&model);
    reduce.on_train_begin({});
    // 1.0 improves; then no improvement: after 2 epochs the rate halves; the cooldown epoch after
    // it resets the wait, which (as in Keras) counts again in that same epoch, so 2 epochs later it
    // halves again, but not below min_lr = 0.3.
    const std::vector<double> losses{1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    std::vector<double> rates;
    for (int e = 0; e < int(losses.size()); ++e) {
        Logs logs{{"val_loss", losses[size_t(e)]}};
        reduce.add_to_logs(e, logs);
        CHECK(logs.at("learning_rate") == Approx(model.optimizer().learning_rate()));
        reduce.on_epoch_end(e, logs);
        rates.push_back(model.optimizer().learning_rate());
    }
    const std::vector<double> expected{1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3};
    for (size_t e = 0; e < expected.size(); ++e) CHECK(rates[e] == Approx(expected[e]));
    // A better value resets the wait.
    ReduceLROnPlateau accuracy("val_accuracy", 0.1, 1);
    model.optimizer().set_learning_rate(1.0);
    accuracy.set_model(&model);
    accuracy.on_train_begin({});
    for (double v : {0.5, 0.6, 0.7}) accuracy.on_epoch_end(0, {{"val_accuracy", v}});
    CHECK(model.optimizer().learning_rate() == Approx(1.0));
    accuracy.on_epoch_end(0, {{"val_accuracy", 0.7}});
    CHECK(model.optimizer().learning_rate() == Approx(0.1));
    CHECK_THROWS_AS(ReduceLROnPlateau("val_loss", 1.5), ValueError);
}
