// BatchNormalization(synchronized = true) on one process: the ordinary layer, saved with its flag;
// and the merge of per-shard moments its data-parallel form relies on.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/moments.hpp"
#include "minnow/minnow.hpp"
#include "support/class_blobs.hpp"

using namespace minnow;

namespace {

Sequential bn_mlp(bool synchronized) {
    set_random_seed(3);
    Sequential m({Input({6}), Dense(8), BatchNormalization(BatchNormalizationOptions{.synchronized = synchronized}),
                  Activation("relu"), Dense(3, "softmax")});
    m.compile(Adam(1e-2), "sparse_categorical_crossentropy", {"accuracy"});
    return m;
}

bool same_bits(const Sequential& a, const Sequential& b) {
    const auto wa = a.weights(), wb = b.weights();
    for (size_t i = 0; i < wa.size(); ++i)
        if (std::memcmp(wa[i].value().data(), wb[i].value().data(), size_t(wa[i].value().numel()) * sizeof(float)) != 0)
            return false;
    return wa.size() == wb.size();
}

}  // namespace

TEST_CASE("SyncBatchNormalization on one process trains as the ordinary layer, bit for bit", "[layers][bn]") {
    const test::Samples s = test::class_blobs(96, 6, 1);
    Sequential plain = bn_mlp(false), synced = bn_mlp(true);
    plain.fit(s.x, s.y, {.epochs = 2, .seed = 4, .verbose = 0});
    // .distributed on one process is the ordinary fit too.
    synced.fit(s.x, s.y, {.epochs = 2, .seed = 4, .verbose = 0, .distributed = true});
    CHECK(same_bits(plain, synced));
    CHECK(minnow::distributed::size() == 1);
}

TEST_CASE("SyncBatchNormalization saves and loads with its flag, and shows as BatchNormalization", "[layers][bn]") {
    Sequential m = bn_mlp(true);
    const auto& bn = dynamic_cast<const BatchNormalization&>(m.get_layer(1));
    CHECK(bn.synchronized());
    CHECK(bn.get_config().get<bool>("synchronized"));
    CHECK_FALSE(dynamic_cast<const BatchNormalization&>(bn_mlp(false).get_layer(1)).get_config().get<bool>("synchronized"));
    const auto path = (std::filesystem::temp_directory_path() / "minnow_sync_bn.safetensors").string();
    m.save(path);
    const Sequential loaded = load_model(path);
    CHECK(dynamic_cast<const BatchNormalization&>(loaded.get_layer(1)).synchronized());
    CHECK(same_bits(m, loaded));
    CHECK(m.summary_string() == bn_mlp(false).summary_string());
    std::filesystem::remove(path);
}

TEST_CASE("Chan's merge of two shards' moments gives the whole batch's, where E[x^2] - E[x]^2 would not", "[layers][bn]") {
    // 32 values far from zero with a small spread, split 20 + 12 (and an empty part): in float,
    // E[x^2] - E[x]^2 loses every digit of the variance here.
    std::vector<double> x;
    for (int i = 0; i < 32; ++i) x.push_back(10000.0 + 0.01 * double((i * 7) % 11) - 0.03 * double(i % 3));
    const auto moments = [&](int begin, int end) {
        double mean = 0.0, m2 = 0.0;
        for (int i = begin; i < end; ++i) mean += x[size_t(i)] / double(end - begin);
        for (int i = begin; i < end; ++i) m2 += (x[size_t(i)] - mean) * (x[size_t(i)] - mean);
        return std::vector<double>{double(end - begin), mean, m2};
    };
    std::vector<double> parts = moments(0, 20);
    parts.insert(parts.end(), {0.0, 0.0, 0.0});  // an empty shard
    const std::vector<double> second = moments(20, 32);
    parts.insert(parts.end(), second.begin(), second.end());
    std::vector<double> mean(1), m2(1);
    const double n = detail::merge_moments_in_order(parts, 1, mean, m2);
    const std::vector<double> whole = moments(0, 32);
    CHECK(n == 32.0);
    CHECK(mean[0] == Approx(whole[1]).epsilon(1e-15));
    CHECK(m2[0] / n == Approx(whole[2] / 32.0).epsilon(1e-9));
    // The cancelling formula in float, for contrast: nowhere near.
    float sum = 0.0f, sum2 = 0.0f;
    for (double v : x) sum += float(v), sum2 += float(v) * float(v);
    const float naive = sum2 / 32.0f - (sum / 32.0f) * (sum / 32.0f);
    CHECK(std::abs(double(naive) - whole[2] / 32.0) > 0.5 * whole[2] / 32.0);
}
