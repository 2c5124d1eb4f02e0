#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/config_json.hpp"
#include "support/temp_dir.hpp"
#include "minnow/minnow.hpp"

using namespace minnow;
using minnow::test::temp_dir;
namespace fs = std::filesystem;

namespace {


Sequential trained_cnn() {
    set_random_seed(21);
    Sequential model({Input({6, 6, 1}), Conv2D(3, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                      Flatten(), Dropout(0.2f, 1), Dense(4, ActivationKind::Gelu), Dense(3, "softmax")});
    model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
    Rng rng(2);
    Tensor x = Tensor::uniform({16, 6, 6, 1}, 0, 1, rng), y({16});
    for (int64_t i = 0; i < 16; ++i) y.flat(i) = float(i % 3);
    model.fit(x, y, {.epochs = 2, .batch_size = 4, .verbose = 0});  // moves weights and moving statistics
    return model;
}

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

}  // namespace

TEST_CASE("save -> load -> predict gives bit-identical outputs", "[io]") {
    const auto dir = temp_dir("io_roundtrip");
    Sequential model = trained_cnn();
    Rng rng(9);
    const Tensor x = Tensor::uniform({5, 6, 6, 1}, 0, 1, rng);
    const Tensor expected = model.predict(x);

    model.save_weights((dir / "w.safetensors").string());
    set_random_seed(99);  // different fresh weights
    Sequential same_code({Input({6, 6, 1}), Conv2D(3, 3), BatchNormalization(), Activation("relu"), MaxPooling2D(),
                          Flatten(), Dropout(0.2f, 1), Dense(4, ActivationKind::Gelu), Dense(3, "softmax")});
    CHECK(same_code.predict(x).to_vector() != expected.to_vector());
    same_code.load_weights((dir / "w.safetensors").string());
    CHECK(same_code.predict(x).to_vector() == expected.to_vector());

    model.save((dir / "model.safetensors").string());
    Sequential loaded = load_model((dir / "model.safetensors").string());  // no code describes the model
    CHECK(loaded.summary_string() == model.summary_string());
    CHECK(loaded.predict(x).to_vector() == expected.to_vector());
    CHECK(loaded.get_layer("batch_normalization").get_weights()[2].to_vector() ==
          model.get_layer("batch_normalization").get_weights()[2].to_vector());
}

TEST_CASE("safetensors: the layout other readers expect", "[io]") {
    const auto dir = temp_dir("io_layout");
    Sequential model({Input({2}), Dense(3), BatchNormalization()});
    model.save_weights((dir / "w.safetensors").string());
    const std::string bytes = read_bytes(dir / "w.safetensors");
    uint64_t header_len = 0;
    std::memcpy(&header_len, bytes.data(), 8);
    CHECK(header_len % 8 == 0);
    const auto header = nlohmann::json::parse(bytes.substr(8, header_len));
    CHECK(header["dense/kernel"]["dtype"] == "F32");
    CHECK(header["dense/kernel"]["shape"] == nlohmann::json{2, 3});
    CHECK(header["batch_normalization/moving_mean"]["data_offsets"] == nlohmann::json{60, 72});
    CHECK(bytes.size() == 8 + header_len + 4 * (6 + 3 + 4 * 3));
    float first = 0;
    std::memcpy(&first, bytes.data() + 8 + header_len, 4);
    CHECK(first == model.get_weights()[0].flat(0));
}

TEST_CASE("loading refuses truncated, corrupted and mismatched files, naming the file", "[io]") {
    const auto dir = temp_dir("io_bad");
    Sequential model({Input({2}), Dense(3), BatchNormalization()});
    const fs::path good = dir / "good.safetensors";
    model.save_weights(good.string());
    const std::string bytes = read_bytes(good);

    auto refuses = [&](const std::string& name, const std::string& content, const std::string& why) {
        const fs::path p = dir / name;
        write_bytes(p, content);
        const auto before = model.get_weights();
        try {
            model.load_weights(p.string());
            FAIL("expected IoError for " << name);
        } catch (const IoError& e) {
            CHECK_THAT(e.what(), Catch::StartsWith(p.string()) && Catch::Contains(why));
        }
        CHECK(model.get_weights()[0].to_vector() == before[0].to_vector());  // untouched
    };
    refuses("short.safetensors", bytes.substr(0, 5), "too short");
    refuses("truncated.safetensors", bytes.substr(0, bytes.size() - 4), "truncated?");
    refuses("cut_header.safetensors", bytes.substr(0, 40), "beyond the end of the file");
    std::string huge = bytes;
    const uint64_t big = uint64_t(1) << 40;
    std::memcpy(huge.data(), &big, 8);
    refuses("huge_header.safetensors", huge, "exceeds");
    std::string garbled = bytes;
    garbled[9] = '#';
    refuses("garbled.safetensors", garbled, "not valid JSON");
    refuses("longer.safetensors", bytes + "xxxx", "the header accounts for");

    Sequential other({Input({2}), Dense(4), BatchNormalization()});
    other.save_weights((dir / "other.safetensors").string());
    refuses("other_copy.safetensors", read_bytes(dir / "other.safetensors"),
            "tensor 'dense/kernel' has shape (2, 4), the model expects (2, 3)");
    Sequential fewer({Input({2}), Dense(3)});
    fewer.save_weights((dir / "fewer.safetensors").string());
    refuses("fewer_copy.safetensors", read_bytes(dir / "fewer.safetensors"), "no tensor 'batch_normalization/gamma'");
    CHECK_THROWS_AS(load_model(good.string()), IoError);  // weights only: no architecture
    CHECK_THROWS_AS(load_model((dir / "missing.safetensors").string()), IoError);
}

TEST_CASE("a failed save leaves the previous file intact", "[io]") {
    const auto dir = temp_dir("io_atomic");
    Sequential model({Input({2}), Dense(3)});
    const fs::path path = dir / "w.safetensors";
    model.save_weights(path.string());
    const std::string before = read_bytes(path);
    // A directory where the temporary file should go makes the write fail before the rename.
    fs::create_directories(path.string() + ".tmp-" + std::to_string(::getpid()));
    Sequential changed({Input({2}), Dense(3)});
    CHECK_THROWS_AS(changed.save_weights(path.string()), IoError);
    CHECK(read_bytes(path) == before);
    CHECK_THROWS_AS(model.save_weights((dir / "no_such_dir" / "w.safetensors").string()), IoError);
}

TEST_CASE("layer registry: unknown classes are named; user layers register", "[io]") {
    CHECK_THROWS_WITH(layer_from_config("Nope", Config()),
                      Catch::Contains("unknown layer class 'Nope'") && Catch::Contains("Dense"));
    auto dense = layer_from_config("Dense", config_from_json({{"units", 3}, {"activation", "relu"}, {"name", "d"}, {"trainable", false}}));
    CHECK(dense->name() == "d");
    CHECK_FALSE(dense->trainable());
}

TEST_CASE("a save removes the temporaries killed saves left behind, and only those", "[io]") {
    const auto dir = temp_dir("io_stale");
    const fs::path path = dir / "m.safetensors";
    // No process has this pid (Linux's pid_max is at most 4194304); pid 1 always runs.
    const fs::path dead = path.string() + ".tmp-4194305";
    const fs::path alive = path.string() + ".tmp-1";
    std::ofstream(dead) << "half a save";
    std::ofstream(alive) << "a save in progress";
    Sequential model({Input({2}), Dense(3)});
    model.save(path.string());
    CHECK_FALSE(fs::exists(dead));
    CHECK(fs::exists(alive));
    std::ofstream(dead) << "half a save";
    (void)load_model(path.string());  // a load of the same file cleans up too
    CHECK_FALSE(fs::exists(dead));
}

TEST_CASE("loading names the file for a layer's error, and a folder is not a model", "[io]") {
    const auto dir = temp_dir("io_names");
    CHECK_THROWS_WITH(load_model(dir.string()), Catch::Contains(dir.string()) && Catch::Contains("is a folder"));
    CHECK_THROWS_WITH(layer_from_config("Dense", config_from_json({{"units", "many"}, {"name", "d"}})),
                      Catch::Contains("layer Dense 'd': invalid config") && !Catch::Contains("\"units\""));
}

TEST_CASE("shapes from outside that overflow are refused, never wrapped", "[io]") {
    CHECK_THROWS_AS(Shape({int64_t{1} << 62, 4}).numel(), ShapeError);
    CHECK_THROWS_AS(Tensor(Shape({int64_t{1} << 62, 1})), ShapeError);
    CHECK(Shape({1 << 20, 1 << 20}).numel() == int64_t{1} << 40);
}
