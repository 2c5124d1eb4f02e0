#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "minnow/minnow.hpp"
#include "support/gradcheck.hpp"

using namespace minnow;

namespace {

struct Data {
    Tensor x, y;
};
Data blobs(int64_t n, uint64_t seed) {
    Rng rng(seed);
    Data d{Tensor::uniform({n, 5}, -1, 3, rng), Tensor({n})};
    for (int64_t i = 0; i < n; ++i) d.y.flat(i) = d.x.at({i, 0}) + d.x.at({i, 3}) > 2.0f ? 1.0f : 0.0f;
    return d;
}

Sequential model() {
    set_random_seed(21);
    return Sequential({Input({5}), Dense(6), BatchNormalization(), Activation("relu"), Dense(4, "tanh"),
                       Dense(2, "softmax")});
}

// The records of one point (step), by layer and statistic.
std::map<std::pair<std::string, std::string>, double> at_step(const ActivationStatistics& stats, int64_t step) {
    std::map<std::pair<std::string, std::string>, double> out;
    for (const auto& r : stats.records())
        if (r.step == step) out[{r.layer, r.statistic}] = r.value;
    return out;
}

double nearest_rank(std::vector<float> v, double q) {
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<size_t>(std::ceil(q * double(v.size())));
    return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

TEST_CASE("ActivationStatistics: every statistic equals its value computed from the probe batch directly",
          "[models][stats]") {
    const Data d = blobs(40, 1);
    Sequential m = model();
    m.compile(SGD(0.1), "sparse_categorical_crossentropy");
    auto stats = std::make_shared<ActivationStatistics>(TensorDataset::view(d.x, d.y),
                                                        ActivationStatisticsOptions{.probe_size = 12, .seed = 4});
    m.fit(d.x, d.y, {.epochs = 2, .batch_size = 40, .shuffle = false, .verbose = 0, .callbacks = {stats}});

    // After the last epoch (step 2): the probe is the first 12 of fit's shuffle with seed 4.
    std::vector<int64_t> order(40);
    std::iota(order.begin(), order.end(), 0);
    Rng rng(4);
    shuffle(order, rng);
    order.resize(12);
    Variable h(gather_rows(d.x, order));
    const auto got = at_step(*stats, 2);
    NoGradGuard no_grad;
    for (const auto& layer : m.layers()) {
        if (auto* bn = dynamic_cast<BatchNormalization*>(layer.get())) {
            BatchStatistics s;
            h = batch_norm_train(h, bn->gamma(), bn->beta(), bn->epsilon(), s);
            // The lag: |batch mean - moving mean| / batch std and the variance ratio, averaged.
            double lag = 0, ratio = 0;
            for (int64_t c = 0; c < 6; ++c) {
                lag += std::fabs(s.mean.flat(c) - bn->moving_mean().value().flat(c)) / std::sqrt(s.variance.flat(c) + 1e-3);
                ratio += (bn->moving_variance().value().flat(c) + 1e-3) / (s.variance.flat(c) + 1e-3);
            }
            CHECK(got.at({layer->name(), "mean_lag"}) == Approx(lag / 6).epsilon(1e-4));
            CHECK(got.at({layer->name(), "variance_ratio"}) == Approx(ratio / 6).epsilon(1e-4));
        } else {
            h = (*layer)(h, Mode::Infer);
        }
        INFO("layer " << layer->name());
        const std::vector<float> v = h.value().to_vector();
        const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
        double sq = 0;
        for (float x : v) sq += (x - mean) * (x - mean);
        CHECK(got.at({layer->name(), "mean"}) == Approx(mean).epsilon(1e-5).margin(1e-6));
        CHECK(got.at({layer->name(), "std"}) == Approx(std::sqrt(sq / double(v.size()))).epsilon(1e-5).margin(1e-6));
        CHECK(got.at({layer->name(), "min"}) == *std::min_element(v.begin(), v.end()));
        CHECK(got.at({layer->name(), "max"}) == *std::max_element(v.begin(), v.end()));
        CHECK(got.at({layer->name(), "p1"}) == nearest_rank(v, 0.01));
        CHECK(got.at({layer->name(), "p50"}) == nearest_rank(v, 0.50));
        CHECK(got.at({layer->name(), "p99"}) == nearest_rank(v, 0.99));
        CHECK(got.at({layer->name(), "zero_fraction"}) ==
              Approx(double(std::count(v.begin(), v.end(), 0.0f)) / double(v.size())));
        if (layer->name() == "dense_1") {  // tanh: saturated beyond +-0.95
            const auto saturated = std::count_if(v.begin(), v.end(), [](float x) { return std::fabs(x) > 0.95f; });
            CHECK(got.at({layer->name(), "saturated_fraction"}) == Approx(double(saturated) / double(v.size())));
        }
        CHECK(got.count({layer->name(), "saturated_fraction"}) == (layer->name() == "dense_1" ? 1u : 0u));
    }
    // A point before training (step 0) and one per epoch (steps 1 and 2).
    std::vector<int64_t> steps;
    for (const auto& r : stats->records()) steps.push_back(r.step);
    CHECK(std::set<int64_t>(steps.begin(), steps.end()) == std::set<int64_t>{0, 1, 2});
}

TEST_CASE("ActivationStatistics: gradient norms are the epoch's mean per weight; CSV and JSON agree", "[models][stats]") {
    const Data d = blobs(40, 2);
    Sequential m = model();
    Sequential twin = model();  // the same initial weights
    m.compile(SGD(0.1), "sparse_categorical_crossentropy");
    auto stats = std::make_shared<ActivationStatistics>(TensorDataset::view(d.x, d.y),
                                                        ActivationStatisticsOptions{.probe_size = 8, .every_batches = 1});
    m.fit(d.x, d.y, {.epochs = 1, .batch_size = 40, .shuffle = false, .verbose = 0, .callbacks = {stats}});

    // The gradients of that one batch, by hand on the twin.
    twin.compile(SGD(0.1), "sparse_categorical_crossentropy");
    Variable out = twin(Variable(d.x), Mode::Train);
    losses::SparseCategoricalCrossentropy()(out, d.y).backward();
    const std::vector<Variable> weights = twin.trainable_weights();
    const std::vector<std::string> names = twin.weight_names();
    size_t matched = 0;
    for (const auto& r : stats->records()) {
        if (r.statistic != "gradient_norm") continue;
        const auto it = std::find(names.begin(), names.end(), r.layer);
        REQUIRE(it != names.end());
        const Variable w = twin.weights()[static_cast<size_t>(it - names.begin())];
        double sq = 0;
        for (float g : w.grad().span()) sq += double(g) * g;
        INFO(r.layer);
        // (A bias before BatchNormalization has a zero gradient but for rounding: the margin.)
        CHECK(r.value == Approx(std::sqrt(sq)).epsilon(1e-4).margin(1e-6));
        ++matched;
    }
    CHECK(matched == weights.size());

    const auto j = nlohmann::json::parse(stats->json());
    CHECK(j["records"].size() == stats->records().size());
    const std::string csv = stats->csv();
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(stats->records().size() + 1));
    CHECK(csv.rfind("epoch,step,layer,class,statistic,value\n", 0) == 0);
    // every_batches = 1 with one batch an epoch: the epoch-end point is that batch's, not a second one.
    std::vector<int64_t> steps;
    for (const auto& r : stats->records())
        if (r.statistic == "mean" && r.layer == "dense") steps.push_back(r.step);
    CHECK(steps == std::vector<int64_t>{0, 1});
}
