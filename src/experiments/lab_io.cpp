#include "experiments/lab_io.hpp"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "minnow/core/error.hpp"
#include "minnow/experiments/manifest.hpp"
#include "minnow/io/output_paths.hpp"
#include "minnow/io/safetensors.hpp"

namespace minnow::experiments::detail {

namespace fs = std::filesystem;

namespace {

std::string safe(const std::string& part) {
    std::string out;
    for (char c : part) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '=' || c == '-') ? c : '_';
    return out;
}

// JSON has no NaN: missing values are null.
nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double number_from(const nlohmann::json& j) { return j.is_null() ? NAN : j.get<double>(); }

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    MINNOW_CHECK(in.good(), IoError, "{}: cannot read", path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string run_folder(const std::string& out, const RunSpec& spec) {
    return (fs::path(out) / "runs" / safe(spec.claim) / safe(spec.point) / safe(spec.arm) / std::to_string(spec.seed))
        .string();
}

nlohmann::ordered_json spec_json(const RunSpec& s) {
    nlohmann::ordered_json j;
    j["claim"] = s.claim;
    j["point"] = s.point;
    j["x"] = s.x;
    j["arm"] = s.arm;
    j["seed"] = s.seed;
    j["model"] = model_kind_name(s.model);
    j["norm"] = norm_kind_name(s.norm);
    j["with_norm"] = s.with_norm;
    j["norm_after_activation"] = s.norm_after_activation;
    j["hidden_layers"] = s.hidden_layers;
    j["width"] = s.width;
    j["activation"] = s.activation;
    j["init_stddev"] = s.init_stddev;
    j["dropout"] = s.dropout;
    j["momentum"] = s.momentum;
    j["optimizer"] = s.optimizer;
    j["learning_rate"] = s.learning_rate;
    j["batch_size"] = s.batch_size;
    j["epochs"] = s.epochs;
    j["train_limit"] = s.train_limit;
    j["val_every"] = s.val_every;
    j["measure_saturation"] = s.measure_saturation;
    j["measure_statistics_modes"] = s.measure_statistics_modes;
    j["transfer"] = s.transfer;
    j["split"] = s.split;
    j["pretrain_epochs"] = s.pretrain_epochs;
    j["finetune_samples"] = s.finetune_samples;
    j["freeze_norm"] = s.freeze_norm;
    return j;
}

RunSpec spec_from_json(const nlohmann::json& j) {
    RunSpec s;
    s.claim = j.at("claim").get<std::string>();
    s.point = j.at("point").get<std::string>();
    s.x = j.at("x").get<double>();
    s.arm = j.at("arm").get<std::string>();
    s.seed = j.at("seed").get<uint64_t>();
    s.model = model_kind_from_name(j.at("model").get<std::string>());
    s.norm = norm_kind_from_name(j.at("norm").get<std::string>());
    s.with_norm = j.at("with_norm").get<bool>();
    s.norm_after_activation = j.at("norm_after_activation").get<bool>();
    s.hidden_layers = j.at("hidden_layers").get<int>();
    s.width = j.at("width").get<int64_t>();
    s.activation = j.at("activation").get<std::string>();
    s.init_stddev = j.at("init_stddev").get<double>();
    s.dropout = j.at("dropout").get<double>();
    s.momentum = j.at("momentum").get<double>();
    s.optimizer = j.at("optimizer").get<std::string>();
    s.learning_rate = j.at("learning_rate").get<double>();
    s.batch_size = j.at("batch_size").get<int64_t>();
    s.epochs = j.at("epochs").get<int>();
    s.train_limit = j.at("train_limit").get<int64_t>();
    s.val_every = j.at("val_every").get<int64_t>();
    s.measure_saturation = j.at("measure_saturation").get<bool>();
    s.measure_statistics_modes = j.at("measure_statistics_modes").get<bool>();
    s.transfer = j.at("transfer").get<bool>();
    s.split = j.at("split").get<int64_t>();
    s.pretrain_epochs = j.at("pretrain_epochs").get<int>();
    s.finetune_samples = j.at("finetune_samples").get<int64_t>();
    s.freeze_norm = j.at("freeze_norm").get<bool>();
    return s;
}

nlohmann::ordered_json run_json(const RunResult& r) {
    nlohmann::ordered_json j;
    j["spec"] = spec_json(r.spec);
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& [k, v] : r.metrics) metrics[k] = number(v);
    j["metrics"] = metrics;
    nlohmann::ordered_json history = nlohmann::ordered_json::object();
    for (const auto& [k, values] : r.history.history) {
        nlohmann::json list = nlohmann::json::array();
        for (double v : values) list.push_back(number(v));
        history[k] = list;
    }
    j["history"] = history;
    j["epoch_seconds"] = r.history.seconds;
    j["diverged"] = r.diverged ? nlohmann::ordered_json{{"epoch", r.diverged->epoch}, {"batch", r.diverged->batch}}
                               : nlohmann::ordered_json(nullptr);
    j["progress"] = nlohmann::json::array();
    for (const auto& p : r.progress) j["progress"].push_back({{"step", p.step}, {"seconds", p.seconds}, {"accuracy", p.accuracy}});
    j["modes"] = nlohmann::json::array();
    for (const auto& m : r.modes) {
        nlohmann::ordered_json point = nlohmann::ordered_json::object();
        for (const auto& [k, v] : m) point[k] = number(v);
        j["modes"].push_back(point);
    }
    j["seconds"] = r.seconds;
    return j;
}

RunResult run_from_json(const nlohmann::json& j) {
    RunResult r;
    r.spec = spec_from_json(j.at("spec"));
    for (const auto& [k, v] : j.at("metrics").items()) r.metrics[k] = number_from(v);
    for (const auto& [k, values] : j.at("history").items())
        for (const auto& v : values) r.history.history[k].push_back(number_from(v));
    r.history.seconds = j.at("epoch_seconds").get<std::vector<double>>();
    for (size_t e = 0; e < r.history.seconds.size(); ++e) r.history.epoch.push_back(static_cast<int>(e));
    if (!j.at("diverged").is_null()) r.diverged = Divergence{j["diverged"].at("epoch").get<int>(), j["diverged"].at("batch").get<int>()};
    for (const auto& p : j.at("progress"))
        r.progress.push_back({p.at("step").get<int64_t>(), p.at("seconds").get<double>(), p.at("accuracy").get<double>()});
    for (const auto& m : j.at("modes")) {
        std::map<std::string, double> point;
        for (const auto& [k, v] : m.items()) point[k] = number_from(v);
        r.modes.push_back(std::move(point));
    }
    r.seconds = j.at("seconds").get<double>();
    return r;
}

void write_run(const RunResult& run, const std::string& out, const LabOptions& options) {
    const std::string dir = run_folder(out, run.spec);
    io::prepare_output_folder(dir);
    RunManifest manifest;
    manifest.command = "lab";
    manifest.command_line = {"minnow", "lab", "--claims", run.spec.claim, "--preset", preset_name(options.preset)};
    const nlohmann::ordered_json spec = spec_json(run.spec);
    for (auto it = spec.begin(); it != spec.end(); ++it)
        manifest.options.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    manifest.started = utc_now();
    manifest.finished = manifest.started;
    write_manifest(manifest, dir);
    io::write_file_atomic((fs::path(dir) / "result.json").string(), run_json(run).dump(1) + "\n");
}

RunResult read_run_result(const std::string& path) {
    try {
        return run_from_json(nlohmann::json::parse(read_text(path)));
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: not a lab run result: {}", path, e.what()));
    }
}

}  // namespace minnow::experiments::detail
