// The lab's outputs: results.csv, results.json, one figure per claim and report.html, a page
// that stands alone (figures inline, no scripts, nothing fetched).
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

#include "experiments/lab_io.hpp"
#include "experiments/plot.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/build_info.hpp"
#include "minnow/core/error.hpp"
#include "minnow/experiments/statistics.hpp"
#include "minnow/io/output_paths.hpp"
#include "minnow/io/safetensors.hpp"

namespace minnow::experiments {

namespace fs = std::filesystem;

namespace {

const char* const kSpecColumns[] = {"claim", "point", "x", "arm", "seed", "model", "norm", "with_norm",
                                    "norm_after_activation", "hidden_layers", "width", "activation", "init_stddev",
                                    "dropout", "momentum", "optimizer", "learning_rate", "batch_size", "epochs"};
const char* const kMetricColumns[] = {"final_val_accuracy", "best_val_accuracy", "final_val_loss", "train_accuracy", "gap",
                                      "saturated_fraction", "steps_to_0.95", "steps_to_0.97", "steps_to_0.98",
                                      "seconds_to_0.97", "pretrain_val_accuracy", "diverged"};

std::string csv_field(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
}

std::string verdict_class(const std::string& verdict) {
    return verdict == "supported" ? "yes" : verdict == "not supported" ? "no" : "maybe";
}

std::string html(const std::string& s) { return plot::escape(s); }

}  // namespace

std::string lab_results_csv(const LabResult& result) {
    std::string out;
    for (const char* c : kSpecColumns) {
        if (!out.empty()) out += ',';
        out += c;
    }
    for (const char* c : kMetricColumns) {
        out += ',';
        out += c;
    }
    out += ",diverged_epoch,seconds\n";
    for (const RunResult& r : result.runs) {
        const nlohmann::ordered_json spec = detail::spec_json(r.spec);
        std::string line;
        for (const char* c : kSpecColumns) {
            std::string field = csv_field(spec.at(c));
            if (field.find(',') != std::string::npos) field = fmt::format("\"{}\"", field);
            if (!line.empty()) line += ',';
            line += field;
        }
        for (const char* c : kMetricColumns) {
            auto it = r.metrics.find(c);
            line += ',';
            if (it != r.metrics.end() && std::isfinite(it->second)) line += fmt::format("{}", it->second);
        }
        line += ',';
        if (r.diverged) line += std::to_string(r.diverged->epoch + 1);
        line += fmt::format(",{:.3f}\n", r.seconds);
        out += line;
    }
    return out;
}

std::string lab_results_json(const LabResult& result) {
    const LabOptions& o = result.options;
    nlohmann::ordered_json j;
    j["options"] = {{"claims", o.claims},          {"model", model_kind_name(o.model)}, {"preset", preset_name(o.preset)},
                    {"seeds", o.seeds},            {"seed", o.seed},                    {"epochs", o.epochs},
                    {"jobs", o.jobs},              {"threads", o.threads},              {"data", o.data.str()},
                    {"data_name", o.data.name}};
    j["rule"] = paired_rule_text();
    j["verdicts"] = nlohmann::json::array();
    for (const ClaimVerdict& v : result.verdicts)
        j["verdicts"].push_back({{"claim", v.claim}, {"statement", claim_statement(v.claim)}, {"measured", v.measured},
                                 {"numbers", v.numbers}, {"verdict", v.verdict}, {"paragraph", v.paragraph}});
    j["runs"] = nlohmann::json::array();
    for (const RunResult& r : result.runs) j["runs"].push_back(detail::run_json(r));
    return j.dump(1) + "\n";
}

LabResult read_lab_results(const std::string& path) {
    std::ifstream in(path);
    MINNOW_CHECK(in.good(), IoError, "{}: cannot read", path);
    std::stringstream text;
    text << in.rdbuf();
    LabResult result;
    try {
        const nlohmann::json j = nlohmann::json::parse(text.str());
        const auto& o = j.at("options");
        result.options.claims = o.at("claims").get<std::vector<std::string>>();
        result.options.model = model_kind_from_name(o.at("model").get<std::string>());
        result.options.preset = preset_from_name(o.at("preset").get<std::string>());
        result.options.seeds = o.at("seeds").get<int>();
        result.options.seed = o.at("seed").get<uint64_t>();
        result.options.epochs = o.at("epochs").get<int>();
        result.options.data.name = o.value("data_name", std::string());
        for (const auto& v : j.at("verdicts"))
            result.verdicts.push_back({v.at("claim").get<std::string>(), v.at("measured").get<std::string>(),
                                       v.at("numbers").get<std::string>(), v.at("verdict").get<std::string>(),
                                       v.at("paragraph").get<std::string>()});
        for (const auto& r : j.at("runs")) result.runs.push_back(detail::run_from_json(r));
    } catch (const nlohmann::json::exception& e) {
        throw IoError(fmt::format("{}: not a lab results file: {}", path, e.what()));
    }
    return result;
}

std::string lab_report_html(const LabResult& result) {
    const LabOptions& o = result.options;
    const BuildInfo& build = build_info();
    std::string out = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>minnow lab: BatchNormalization's claims tested</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; max-width: 1120px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
.meta { color: #555; font-size: 0.92em; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.45em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.verdict { font-weight: bold; white-space: nowrap; }
.yes { color: #1a7f37; } .no { color: #c62828; } .maybe { color: #8a6d00; }
.figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
.grid { font-size: 0.88em; color: #444; }
code { background: #f5f5f5; padding: 0 0.25em; }
</style></head><body>
)";
    out += "<h1>BatchNormalization's claims, tested</h1>\n";
    out += fmt::format("<p class=\"meta\">{} on {}; {} seeds; {} preset; minnow {} ({}), {}; kernels: {}.</p>\n",
                       html(model_kind_name(o.model)), html(o.data.str()), o.seeds, preset_name(o.preset),
                       html(build.version), html(build.git_commit), html(cpu_model()), html(kernel_path()));
    out += "<p>Each claim is a grid of training runs. Both arms of every grid point start from the same initial weights "
           "in the layers they share and see the same batches in the same order; each grid point runs with every seed. "
           "Each claim comes down to one number per seed, the <em>effect</em>, whose sign the claim predicts. "
           "<b>Rule:</b> " +
           html(paired_rule_text()) +
           ". <em>Supported</em>: the effect is significant in the claimed direction; <em>not supported</em>: "
           "significant the other way; <em>inconclusive</em>: neither. A diverged run (loss NaN or infinite) counts as "
           "chance accuracy (0.10).</p>\n";
    out += "<table><tr><th>claim</th><th>what was measured</th><th>the numbers (mean ± std over seeds)</th><th>verdict</th></tr>\n";
    for (const ClaimVerdict& v : result.verdicts)
        out += fmt::format("<tr><td><a href=\"#{0}\">{0}</a>: {1}</td><td>{2}</td><td>{3}</td><td class=\"verdict {4}\">{5}</td></tr>\n",
                           html(v.claim), html(claim_statement(v.claim)), html(v.measured), html(v.numbers),
                           verdict_class(v.verdict), html(v.verdict));
    out += "</table>\n";
    for (const ClaimVerdict& v : result.verdicts) {
        out += fmt::format("<h2 id=\"{0}\">{0}: {1}</h2>\n", html(v.claim), html(claim_statement(v.claim)));
        out += fmt::format("<p class=\"verdict {}\">Verdict: {}</p>\n", verdict_class(v.verdict), html(v.verdict));
        std::string svg = claim_svg(v.claim, result);
        const size_t start = svg.find("<svg");
        out += "<div class=\"figure\">" + (start == std::string::npos ? svg : svg.substr(start)) + "</div>\n";
        std::set<std::string> points, arms;
        int runs = 0;
        for (const RunResult& r : result.runs)
            if (r.spec.claim == v.claim) points.insert(r.spec.point), arms.insert(r.spec.arm), ++runs;
        out += fmt::format("<p class=\"grid\">Grid: {} grid point{} ({}) x {} arm{} ({}) x {} seeds = {} runs.</p>\n",
                           points.size(), points.size() == 1 ? "" : "s", html(fmt::format("{}", fmt::join(points, "; "))),
                           arms.size(), arms.size() == 1 ? "" : "s", html(fmt::format("{}", fmt::join(arms, ", "))),
                           o.seeds, runs);
        out += fmt::format("<p><b>Measured:</b> {}.<br><b>Numbers:</b> {}.</p>\n", html(v.measured), html(v.numbers));
        out += "<p>" + html(v.paragraph) + "</p>\n";
    }
    out += "<p class=\"meta\">Written by <code>minnow lab</code>. Every run's history and manifest are under "
           "<code>runs/</code> beside this file; <code>results.csv</code> and <code>results.json</code> hold every run's "
           "numbers.</p>\n</body></html>\n";
    return out;
}

void write_lab_outputs(const LabResult& result, const std::string& dir) {
    if (!distributed::is_writer()) return;  // in an MPI job, rank 0 writes
    io::prepare_output_folder(dir);
    const auto path = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
    io::write_file_atomic(path("results.csv"), lab_results_csv(result));
    io::write_file_atomic(path("results.json"), lab_results_json(result));
    for (const ClaimVerdict& v : result.verdicts) io::write_file_atomic(path(v.claim + ".svg"), claim_svg(v.claim, result));
    io::write_file_atomic(path("report.html"), lab_report_html(result));
}

}  // namespace minnow::experiments
