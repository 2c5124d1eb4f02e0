#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "examples/prelu.hpp"
#include "minnow/minnow.hpp"
#include "kernels/conv2d.hpp"
#include "models/inference_rows.hpp"
#include "models/plan.hpp"

using namespace minnow;

namespace {

// Runs the test body at `threads` and puts the pool back as it was.
class Threads {
public:
    explicit Threads(int threads) : before_(num_threads()) { set_num_threads(threads); }
    ~Threads() { set_num_threads(before_); }
    Threads(const Threads&) = delete;
    Threads& operator=(const Threads&) = delete;

private:
    int before_;
};

// A dataset over tensors that may be gathered from several threads, and records how many rows each
// gather asked for; with `fail_from` >= 0 a gather that includes that row or a later one throws.
class CountingDataset : public Dataset {
public:
    CountingDataset(Tensor x, Tensor y, bool concurrent, int64_t fail_from = -1)
        : inner_(std::move(x), std::move(y)), concurrent_(concurrent), fail_from_(fail_from) {}
    int64_t size() const override { return inner_.size(); }
    Shape sample_shape() const override { return inner_.sample_shape(); }
    Shape target_shape() const override { return inner_.target_shape(); }
    Tensor gather_x(std::span<const int64_t> rows) const override {
        {
            std::lock_guard lock(mutex_);
            sizes.push_back(static_cast<int64_t>(rows.size()));
        }
        if (fail_from_ >= 0 && std::any_of(rows.begin(), rows.end(), [&](int64_t r) { return r >= fail_from_; }))
            throw ValueError("CountingDataset: row past the readable ones");
        return inner_.gather_x(rows);
    }
    Tensor gather_y(std::span<const int64_t> rows) const override { return inner_.gather_y(rows); }
    bool concurrent_gather() const override { return concurrent_; }
    mutable std::vector<int64_t> sizes;

private:
    TensorDataset inner_;
    bool concurrent_;
    int64_t fail_from_;
    mutable std::mutex mutex_;
};

Tensor labels(int64_t n, int64_t classes) {
    Tensor y(Shape{n});
    for (int64_t i = 0; i < n; ++i) y.flat(i) = float(i % classes);
    return y;
}

// Moving statistics away from 0 and 1, so that folding them in changes the weights.
void train_briefly(Sequential& model, const Tensor& x, const Tensor& y) {
    model.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    (void)model.fit(x, y, {.epochs = 1, .batch_size = 64, .verbose = 0});
}

bool same_values(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.numel(), b.data());
}

// Whether this build runs a batch's Dense products in minnow's own tiles (AVX2 and FMA), which
// compute a row alike wherever it lies; OpenBLAS, in a build without them, may round a row by
// its place in the product (inference_rows.hpp).
bool own_product_kernels() { return kernels::use_implicit(kernels::ConvGeometry::pointwise(1000, 64, 64)); }

bool close_values(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape()) return false;
    for (int64_t i = 0; i < a.numel(); ++i)
        if (std::fabs(a.flat(i) - b.flat(i)) > 1e-5f * (1.0f + std::fabs(a.flat(i)))) return false;
    return true;
}

}  // namespace

TEST_CASE("inference rows: predict and evaluate give the same numbers in parts as whole", "[models][inference]") {
    Rng rng(91);
    const int64_t n = 1037;  // a chunk of 1000 split in two, then 37 rows whole
    struct Case {
        const char* name;
        Sequential model;
        Tensor x;
    };
    std::vector<Case> cases;
    // Layers of whole tiles of units: OpenBLAS (784 -> 100, say) rounds a row by where it lies in
    // the product, at 2 threads also when the chunk runs whole (inference_rows.hpp).
    cases.push_back({"an MLP with BatchNormalization, tanh and Dropout",
                     Sequential({Input({40}), Dense(64), BatchNormalization(), Activation("relu"), Dense(96, "tanh"),
                                 Dropout(0.3f), Dense(5, "softmax")}),
                     Tensor::uniform({n, 40}, -1, 1, rng)});
    cases.push_back({"LayerNormalization and Rescaling",
                     Sequential({Input({24}), Rescaling(0.5f, 0.1f), Dense(32), LayerNormalization(),
                                 Activation("relu"), Dense(5, "softmax")}),
                     Tensor::uniform({n, 24}, -1, 1, rng)});
    cases.push_back({"a small CNN",
                     Sequential({Input({8, 8, 1}), Conv2D(4, 3), BatchNormalization(), Activation("relu"),
                                 MaxPooling2D(), Flatten(), Dense(5, "softmax")}),
                     Tensor::uniform({n, 8, 8, 1}, 0, 1, rng)});
    cases.push_back({"W2's blocks: chunks of 48 images, in parts of 24",
                     Sequential({Input({28, 28, 1}), Conv2D(32, 3), BatchNormalization(), Activation("relu"),
                                 MaxPooling2D(), Conv2D(8, 3), Activation("relu"), MaxPooling2D(), Flatten(),
                                 Dense(5, "softmax")}),
                     Tensor::uniform({n, 28, 28, 1}, 0, 1, rng)});
    const Tensor y = labels(n, 5);
    for (Case& c : cases) {
        INFO(c.name);
        train_briefly(c.model, c.x, y);
        Tensor whole, in_parts;
        Logs whole_logs, parts_logs;
        {
            Threads one(1);
            whole = c.model.predict(c.x, 1000);
            whole_logs = c.model.evaluate(c.x, y, 1000, 0);
        }
        {
            Threads two(2);
            in_parts = c.model.predict(c.x, 1000);
            parts_logs = c.model.evaluate(c.x, y, 1000, 0);
        }
        if (own_product_kernels()) {
            CHECK(same_values(whole, in_parts));
            CHECK(whole_logs.at("loss") == parts_logs.at("loss"));
            CHECK(whole_logs.at("accuracy") == parts_logs.at("accuracy"));
        } else {
            CHECK(close_values(whole, in_parts));
            CHECK(whole_logs.at("loss") == Approx(parts_logs.at("loss")).epsilon(1e-5));
        }
    }
}

TEST_CASE("inference rows: a chunk runs in parts only where the dataset and every layer allow it",
          "[models][inference]") {
    Rng rng(92);
    const int64_t n = 1000;
    const Tensor x = Tensor::uniform({n, 16}, -1, 1, rng);
    const Tensor y = labels(n, 3);
    Threads two(2);

    Sequential builtin({Input({16}), Dense(32, "relu"), Dense(3, "softmax")});
    CountingDataset concurrent(x, y, true);
    (void)builtin.predict(concurrent, 1000);
    CHECK(concurrent.sizes == std::vector<int64_t>{500, 500});
    CHECK(detail::inference_plan(builtin.layers()).concurrent_rows);

    // A dataset of the user's that does not say it may be gathered from several threads.
    CountingDataset serial(x, y, false);
    (void)builtin.predict(serial, 1000);
    CHECK(serial.sizes == std::vector<int64_t>{1000});

    // A user's layer may keep state of its own: the chunk runs whole on the calling thread.
    Sequential custom({Input({16}), Dense(32), PReLU(), Dense(3, "softmax")});
    CountingDataset for_custom(x, y, true);
    (void)custom.predict(for_custom, 1000);
    CHECK(for_custom.sizes == std::vector<int64_t>{1000});
    CHECK_FALSE(detail::inference_plan(custom.layers()).concurrent_rows);

    // From 256 rows a chunk splits into parts of at least 256 (the products' kernels change below),
    // a smaller chunk into parts of at least 8.
    // The threads go through their parts of all the chunks in one job: the gathers' order varies.
    CountingDataset small(x, y, true);
    (void)builtin.predict(small, 400);
    std::sort(small.sizes.begin(), small.sizes.end());
    CHECK(small.sizes == std::vector<int64_t>{100, 100, 400, 400});
    CountingDataset tiny(x, y, true);
    (void)builtin.predict(tiny, 15);
    CHECK(tiny.sizes.size() == 67);  // 66 chunks of 15 and one of 10, none split
    CHECK(tiny.sizes.front() == 15);
}

TEST_CASE("inference rows: a part's failure reaches the caller and the threads keep working",
          "[models][inference]") {
    Rng rng(93);
    const int64_t n = 1000;
    const Tensor x = Tensor::uniform({n, 16}, -1, 1, rng);
    const Tensor y = labels(n, 3);
    Threads two(2);
    Sequential model({Input({16}), Dense(32, "relu"), Dense(3, "softmax")});
    // The second part (rows 500 to 999) runs on the worker, and fails there.
    CountingDataset failing(x, y, true, 600);
    CHECK_THROWS_WITH(model.predict(failing, 1000), Catch::Contains("row past the readable ones"));
    // The calling thread's part fails: the worker's still completes before the error leaves.
    CountingDataset failing_first(x, y, true, 100);
    CHECK_THROWS_WITH(model.predict(failing_first, 1000), Catch::Contains("row past the readable ones"));
    CountingDataset fine(x, y, true);
    const Tensor out = model.predict(fine, 1000);
    CHECK(out.shape() == Shape{n, 3});
    CHECK(fine.sizes == std::vector<int64_t>{500, 500});
}
