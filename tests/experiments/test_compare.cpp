#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/layers/layers.hpp"
#include "support/recording_dataset.hpp"

using namespace minnow;
using namespace minnow::experiments;
using minnow::test::RecordingDataset;
namespace fs = std::filesystem;

namespace {

std::pair<Tensor, Tensor> synthetic(int64_t n, uint64_t seed) {
    Rng rng(seed);
    Tensor x = Tensor::uniform({n, 784}, 0, 1, rng), y({n});
    for (int64_t i = 0; i < n; ++i) {
        y.flat(i) = float(i % 10);
        x.at({i, i % 10}) += 3.0f;  // a learnable signal
    }
    return {x, y};
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("compare: both arms start from identical shared weights", "[experiments]") {
    for (ModelKind kind : {ModelKind::Mlp, ModelKind::Cnn}) {
        auto [with, without] = make_arms(kind, 7);
        std::vector<const Layer*> a, b;
        std::vector<std::string> classes;
        for (const auto& l : with.layers())
            if (l->class_name() == "Dense" || l->class_name() == "Conv2D") {
                a.push_back(l.get());
                classes.push_back(l->class_name());
            }
        for (const auto& l : without.layers())
            if (l->class_name() == "Dense" || l->class_name() == "Conv2D") b.push_back(l.get());
        REQUIRE(a.size() == b.size());
        // The MLP shares four Dense layers; the CNN two Conv2D and two Dense.
        CHECK(classes == (kind == ModelKind::Mlp ? std::vector<std::string>{"Dense", "Dense", "Dense", "Dense"}
                                                 : std::vector<std::string>{"Conv2D", "Conv2D", "Dense", "Dense"}));
        for (size_t i = 0; i < a.size(); ++i)
            for (size_t w = 0; w < a[i]->get_weights().size(); ++w)
                CHECK(a[i]->get_weights()[w].to_vector() == b[i]->get_weights()[w].to_vector());
        CHECK(with.count_params() > without.count_params());
        // Another seed gives other weights.
        auto [other, unused] = make_arms(kind, 8);
        CHECK(other.get_weights()[0].to_vector() != with.get_weights()[0].to_vector());
    }
}

TEST_CASE("compare: on a tiny dataset both arms see the same batches and the outputs parse back", "[experiments]") {
    auto [x, y] = synthetic(96, 1);
    auto [tx, ty] = synthetic(40, 2);
    auto train = std::make_shared<RecordingDataset>(x, y);
    auto test = std::make_shared<TensorDataset>(tx, ty);
    CompareOptions o{.model = ModelKind::Mlp, .data = {.name = "synthetic"}, .epochs = 2, .batch_size = 16,
                     .learning_rate = 1e-3, .seeds = 2, .seed = 5, .quiet = true};
    std::ostringstream log;
    const CompareResult r = run_comparison(o, train, test, log);
    REQUIRE(r.runs.size() == 4);  // 2 seeds x 2 arms
    // Per seed: the with arm's 12 batches (2 epochs x 6), then the without arm's: the same.
    REQUIRE(train->batches.size() == 48);
    for (size_t s = 0; s < 2; ++s)
        for (size_t b = 0; b < 12; ++b) CHECK(train->batches[s * 24 + b] == train->batches[s * 24 + 12 + b]);
    CHECK(train->batches[0] != train->batches[24]);  // another seed shuffles otherwise

    const auto dir = fs::temp_directory_path() / "minnow_test_compare";
    fs::remove_all(dir);
    write_outputs(r, dir.string());
    const std::string csv = read(dir / "history.csv");
    CHECK_THAT(csv, Catch::StartsWith("arm,seed,epoch,loss,accuracy,val_loss,val_accuracy\n"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 4 * 2);
    CHECK_THAT(csv, Catch::Contains("\nwith_bn,5,1,") && Catch::Contains("\nwithout_bn,6,2,"));
    const auto json = nlohmann::json::parse(read(dir / "history.json"));
    CHECK(json["runs"].size() == 4);
    CHECK(json["runs"][0]["history"]["val_accuracy"].size() == 2);
    CHECK(json["runs"][1]["arm"] == "without_bn");
    const std::string svg = read(dir / "curves.svg");
    CHECK_THAT(svg, Catch::StartsWith("<?xml") && Catch::Contains("<svg") && Catch::Contains("Accuracy") &&
                        Catch::Contains("Loss") && Catch::Contains("without BN, validation") &&
                        Catch::Contains("<polygon") && Catch::EndsWith("</svg>\n"));
    const std::string summary = read(dir / "summary.txt");
    CHECK_THAT(summary, Catch::Contains("Model: \"with_bn\"") && Catch::Contains("Model: \"without_bn\"") &&
                            Catch::Contains("Verdict"));
    CHECK_THAT(epoch_table(r), Catch::Contains("±"));
}

TEST_CASE("compare --norm: the with arm swaps its normalization layer", "[experiments]") {
    for (NormKind norm : {NormKind::Batch, NormKind::Layer, NormKind::Group}) {
        auto [with, without] = make_arms(ModelKind::Cnn, 3, 10, norm);
        CHECK(with.name() == arm_name(norm, true));
        CHECK(without.name() == arm_name(norm, false));
        int norms = 0;
        for (const auto& l : with.layers()) norms += l->class_name() == norm_class_name(norm);
        CHECK(norms == 3);
        for (const auto& l : without.layers()) CHECK(l->class_name().find("Normalization") == std::string::npos);
    }
    CHECK(arm_name(NormKind::Group, true) == "with_gn");
    CHECK(arm_name(NormKind::Layer, false) == "without_ln");
    CHECK_THROWS_AS(norm_kind_from_name("instance"), ValueError);

    auto [x, y] = synthetic(48, 3);
    CompareOptions o{.model = ModelKind::Mlp, .norm = NormKind::Group, .data = {.name = "synthetic"}, .epochs = 1,
                     .batch_size = 4, .quiet = true};
    std::ostringstream log;
    const CompareResult r =
        run_comparison(o, std::make_shared<TensorDataset>(x, y), std::make_shared<TensorDataset>(x, y), log);
    CHECK(r.runs[0].arm == "with_gn");
    CHECK(r.runs[1].arm == "without_gn");
    CHECK_THAT(verdict(r), Catch::Contains("with GN"));
    CHECK_THAT(curves_svg(r), Catch::Contains("with vs without GroupNormalization"));
}
