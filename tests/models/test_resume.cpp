// Exact resume: a saved compiled model trains on as if it had never stopped, and BackupAndRestore
// carries a fit across an interruption. Bit for bit, at the same thread count.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "core/config_json.hpp"
#include "minnow/minnow.hpp"
#include "support/class_blobs.hpp"
#include "support/temp_dir.hpp"

using namespace minnow;

namespace {

using Data = test::Samples;

Data blobs(int64_t n, uint64_t seed) { return test::class_blobs(n, 6, seed, 0.7f, 1.0f); }

// BatchNormalization (moving statistics), a schedule (the step counter matters) and Adam (slots).
Sequential bn_model(uint64_t init_seed, OptimizerArg optimizer = Adam(ExponentialDecay(1e-2, 10, 0.9))) {
    set_random_seed(init_seed);
    Sequential model({Input({6}), Dense(16), BatchNormalization(), Activation("relu"), Dense(3, "softmax")});
    model.compile(std::move(optimizer), "sparse_categorical_crossentropy", {"accuracy"});
    return model;
}

std::vector<float> flat_weights(const Sequential& model) {
    std::vector<float> out;
    for (const Variable& v : model.weights()) {
        const std::vector<float> w = v.value().to_vector();
        out.insert(out.end(), w.begin(), w.end());
    }
    return out;
}

std::vector<float> flat_slots(const Sequential& model) {
    std::vector<float> out;
    for (const Variable& v : model.trainable_weights())
        for (const Tensor& slot : model.optimizer().slots(v)) {
            const std::vector<float> s = slot.to_vector();
            out.insert(out.end(), s.begin(), s.end());
        }
    return out;
}

std::vector<double> tail(const std::vector<double>& v, size_t from) { return {v.begin() + long(from), v.end()}; }

// Throws from inside fit at a given epoch and batch, as a killed process stops mid-epoch.
struct Interrupt : Callback {
    int epoch = 0, at_epoch, at_batch;
    Interrupt(int e, int b) : at_epoch(e), at_batch(b) {}
    void on_epoch_begin(int e, const Logs&) override { epoch = e; }
    void on_batch_end(int batch, const Logs&) override {
        if (epoch == at_epoch && batch == at_batch) throw std::runtime_error("interrupted");
    }
};

}  // namespace

TEST_CASE("resume: 4 epochs equal 2, save, load in a fresh process's model, 2 more", "[models][io]") {
    const Data train = blobs(96, 1), val = blobs(32, 2);
    const FitOptions base{.batch_size = 16, .validation_data = {val.x, val.y}, .seed = 5, .verbose = 0};
    Sequential straight = bn_model(3);
    FitOptions four = base;
    four.epochs = 4;
    const History all = straight.fit(train.x, train.y, four);

    Sequential first = bn_model(3);
    FitOptions two = base;
    two.epochs = 2;
    const History h1 = first.fit(train.x, train.y, two);
    const auto path = test::temp_dir("resume") / "model.safetensors";
    first.save(path.string());

    Sequential resumed = load_model(path.string());
    REQUIRE(resumed.compiled());
    CHECK(resumed.optimizer().iterations() == first.optimizer().iterations());
    CHECK(resumed.optimizer().learning_rate() == first.optimizer().learning_rate());
    FitOptions rest = four;
    rest.initial_epoch = 2;
    const History h2 = resumed.fit(train.x, train.y, rest);

    CHECK(flat_weights(resumed) == flat_weights(straight));
    CHECK(flat_slots(resumed) == flat_slots(straight));
    CHECK(resumed.optimizer().iterations() == straight.optimizer().iterations());
    for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
        INFO(key);
        CHECK(h1.at(key) == std::vector<double>(all.at(key).begin(), all.at(key).begin() + 2));
        CHECK(h2.at(key) == tail(all.at(key), 2));
    }
    CHECK(h2.epoch == std::vector<int>{2, 3});
}

TEST_CASE("resume: every optimizer's state survives save and load", "[models][io]") {
    const Data d = blobs(48, 3);
    const std::vector<std::pair<std::string, OptimizerArg>> optimizers{
        {"sgd momentum", SGD(0.05, 0.9, true)},
        {"rmsprop centered", RMSprop(1e-2, 0.9, 0.5, 1e-7, true)},
        {"adagrad", Adagrad(0.1)},
        {"nadam", Nadam(1e-2)},
        {"adamw", AdamW(1e-2)},
        {"adam accumulating", Adam(1e-2, 0.9, 0.999, 1e-7, {.gradient_accumulation_steps = 2})},
    };
    const auto dir = test::temp_dir("resume_optimizers");
    for (const auto& [label, optimizer] : optimizers) {
        INFO(label);
        Sequential a = bn_model(4, optimizer);
        Sequential b = bn_model(4, optimizer_from_config(optimizer.get()->get_config()));
        // 3 batches of 16: an accumulation cycle is left half done at the save.
        (void)a.fit(d.x, d.y, {.epochs = 1, .batch_size = 16, .shuffle = false, .verbose = 0});
        (void)b.fit(d.x, d.y, {.epochs = 1, .batch_size = 16, .shuffle = false, .verbose = 0});
        const auto path = (dir / "model.safetensors").string();
        b.save(path);
        Sequential c = load_model(path);
        (void)a.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .shuffle = false, .verbose = 0, .initial_epoch = 1});
        (void)c.fit(d.x, d.y, {.epochs = 2, .batch_size = 16, .shuffle = false, .verbose = 0, .initial_epoch = 1});
        CHECK(c.optimizer().name() == a.optimizer().name());
        CHECK(c.optimizer().get_config() == a.optimizer().get_config());
        CHECK(flat_weights(c) == flat_weights(a));
    }
}

TEST_CASE("resume: a fit interrupted mid-epoch and started again with BackupAndRestore ends as the uninterrupted one",
          "[models][callbacks]") {
    const Data train = blobs(96, 6);
    const auto dir = test::temp_dir("backup");
    const FitOptions options{.epochs = 4, .batch_size = 16, .seed = 9, .verbose = 0};
    Sequential reference = bn_model(7);
    const History all = reference.fit(train.x, train.y, options);

    auto backup = std::make_shared<BackupAndRestore>((dir / "backup").string());
    Sequential doomed = bn_model(7);
    FitOptions interrupted = options;
    interrupted.callbacks = {backup, std::make_shared<Interrupt>(2, 3)};
    CHECK_THROWS_WITH(doomed.fit(train.x, train.y, interrupted), "interrupted");
    REQUIRE(std::filesystem::exists(backup->backup_path()));  // epochs 0 and 1 finished

    // "A new process": a model built afresh, with other initial weights, and the same callback.
    Sequential restarted = bn_model(123);
    FitOptions again = options;
    again.callbacks = {std::make_shared<BackupAndRestore>((dir / "backup").string())};
    const History rest = restarted.fit(train.x, train.y, again);
    CHECK(rest.epoch == std::vector<int>{2, 3});
    CHECK(rest.at("loss") == tail(all.at("loss"), 2));
    CHECK(flat_weights(restarted) == flat_weights(reference));
    CHECK(flat_slots(restarted) == flat_slots(reference));
    CHECK_FALSE(std::filesystem::exists(backup->backup_path()));  // deleted once fit ended normally
}

TEST_CASE("resume: the optimizer is optional in the file, and a bad optimizer tensor names itself", "[models][io]") {
    const Data d = blobs(32, 8);
    Sequential model = bn_model(2);
    (void)model.fit(d.x, d.y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    const auto dir = test::temp_dir("resume_parts");
    const auto with = (dir / "with.safetensors").string(), without = (dir / "without.safetensors").string();
    model.save(with);
    model.save(without, false);
    CHECK(load_model(with).compiled());
    CHECK_FALSE(load_model(with, false).compiled());
    CHECK_FALSE(load_model(without).compiled());
    CHECK(load_model(without).predict(d.x).to_vector() == model.predict(d.x).to_vector());
    const nlohmann::json config = json_of(model.get_compile_config());
    CHECK(config["loss"]["name"] == "sparse_categorical_crossentropy");
    CHECK(config["optimizer"]["learning_rate"]["class_name"] == "ExponentialDecay");
    CHECK(config["metrics"] == nlohmann::json::array({"accuracy"}));

    // A file whose optimizer has one slot too few per weight: refused, naming the missing tensor.
    Sequential other = bn_model(2, SGD(0.1, 0.9));
    (void)other.fit(d.x, d.y, {.epochs = 1, .batch_size = 16, .verbose = 0});
    other.save(with);
    auto content = io::read_safetensors(with);
    nlohmann::json compile = nlohmann::json::parse(content.metadata.at("minnow.compile"));
    compile["optimizer"] = json_of(Adam().get_config());  // Adam keeps 2 slots, the file has SGD's 1
    content.metadata["minnow.compile"] = compile.dump();
    std::vector<std::pair<std::string, const Tensor*>> tensors;
    for (const auto& [name, t] : content.tensors) tensors.emplace_back(name, &t);
    io::write_safetensors(with, tensors, content.metadata);
    CHECK_THROWS_WITH(load_model(with), Catch::Contains("no optimizer tensor 'optimizer/dense/kernel/1'"));
}
