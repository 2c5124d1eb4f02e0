// minnow lab: the BatchNormalization tutorial's claims, each tested as a grid of runs, in one report.
#include <chrono>
#include <fmt/format.h>
#include <sstream>
#include <unistd.h>

#include "cli.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/experiments/lab.hpp"
#include "minnow/io/output_paths.hpp"

namespace minnow::cli {

namespace {

std::string duration(double seconds) {
    const auto s = static_cast<int64_t>(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}h{:02d}m", s / 3600, s / 60 % 60)
                     : s >= 60 ? fmt::format("{}m{:02d}s", s / 60, s % 60) : fmt::format("{}s", s);
}

std::vector<std::string> split_claims(const std::string& text) {
    if (text == "all") return {};
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string claim; std::getline(in, claim, ',');)
        if (!claim.empty()) {
            (void)experiments::claim_statement(claim);  // names the known claims when it is not one
            out.push_back(claim);
        }
    return out;
}

}  // namespace

int run_lab(int argc, char** argv) {
    cxxopts::Options options("minnow lab",
                             "Test each claim the BatchNormalization tutorials make, as a grid of runs with seeds, and "
                             "write one report (report.html).");
    options.add_options()
        ("claims", "all, or a comma-separated list of: speed, lr, init, depth, activation, placement, batch, "
                   "regularization, inference, transfer", cxxopts::value<std::string>()->default_value("all"))
        ("model", "mlp or cnn", cxxopts::value<std::string>()->default_value("mlp"))
        ("data", "dataset folder (four IDX files)", cxxopts::value<std::string>()->default_value("data/mnist"))
        ("preset", "quick (fewer grid points and epochs) or full", cxxopts::value<std::string>()->default_value("full"))
        ("seeds", "seeds per grid point", cxxopts::value<std::string>()->default_value("3"))
        ("seed", "first seed", cxxopts::value<std::string>()->default_value("42"))
        ("epochs", "epochs per run (0: the preset's, per claim)", cxxopts::value<std::string>()->default_value("0"))
        ("limit", "use only the first N samples of each split (0: all)", cxxopts::value<std::string>()->default_value("0"))
        ("threads", "threads in all (default: as the environment says)", cxxopts::value<std::string>())
        ("jobs", "runs at once, sharing the threads (0: one per thread for the MLP, one for the CNN: the faster, as measured)",
         cxxopts::value<std::string>()->default_value("0"))
        ("out", "output folder (a lab started again with the same folder resumes)",
         cxxopts::value<std::string>()->default_value("runs/lab"))
        ("h,help", "this help");
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    experiments::LabOptions o;
    o.claims = split_claims(args["claims"].as<std::string>());
    o.model = experiments::model_kind_from_name(choice_option(args, "model", {"mlp", "cnn"}));
    o.preset = experiments::preset_from_name(choice_option(args, "preset", {"quick", "full"}));
    o.seeds = int_option_int(args, "seeds", 1, 1000);
    o.seed = static_cast<uint64_t>(int_option(args, "seed", 0));
    o.epochs = int_option_int(args, "epochs", 0, 100000);
    o.jobs = int_option_int(args, "jobs", 0, 64);
    const int64_t limit = int_option(args, "limit", 0);
    apply_threads(args);
    o.threads = num_threads();

    const auto clock = [start = std::chrono::steady_clock::now()] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    const std::string dir = args["data"].as<std::string>();
    const std::string out = args["out"].as<std::string>();
    const data::ImageFolder folder = data::load_image_folder(dir, o.model == experiments::ModelKind::Mlp, limit);
    o.data = describe_data(dir, folder, limit);
    io::prepare_output_folder(out);
    experiments::RunManifest manifest = start_manifest("lab", argc, argv, options, args, dir);
    experiments::write_manifest(manifest, out);

    size_t total = 0;
    for (const std::string& claim : o.claims.empty() ? experiments::claim_names() : o.claims)
        total += experiments::claim_grid(claim, o).size();
    const int jobs = o.jobs > 0 ? o.jobs : experiments::default_jobs(o.model, o.threads);
    fmt::print("minnow lab: {} claims, {} runs ({} preset, {} seeds) on {}, {} threads{}\n",
               o.claims.empty() ? experiments::claim_names().size() : o.claims.size(), total,
               experiments::preset_name(o.preset), o.seeds, o.data.str(), o.threads,
               jobs > 1 ? fmt::format(", {} runs at once", jobs) : "");
    const bool tty = isatty(STDOUT_FILENO) != 0;
    const auto progress = [&](int64_t done, int64_t all, double elapsed, double remaining) {
        const std::string line = fmt::format("lab: {}/{} runs, {} elapsed, {} remaining", done, all, duration(elapsed),
                                             done == all ? "0s" : (remaining > 0 ? "~" + duration(remaining) : "?"));
        if (tty)
            fmt::print("\r{:<70}", line);
        else
            fmt::print("{}\n", line);
        std::fflush(stdout);
    };
    const double set_up = clock();
    const experiments::LabResult result = experiments::run_lab(o, {folder.train, folder.test}, out, progress);
    if (tty) fmt::print("\n");
    const double trained = clock();
    experiments::write_lab_outputs(result, out);
    manifest.finished = experiments::utc_now();
    experiments::write_manifest(manifest, out);
    const double total_seconds = clock();

    fmt::print("\n{:<15} {:<15} {}\n", "claim", "verdict", "the numbers");
    for (const auto& v : result.verdicts) fmt::print("{:<15} {:<15} {}\n", v.claim, v.verdict, v.numbers);
    fmt::print("\nwrote {0}/report.html, results.csv, results.json, one SVG per claim, and each run under {0}/runs/\n",
               out);
    // Where a lab's time goes besides training: loading the data and setting up, and the report.
    fmt::print("time: {:.1f} s in all; {:.2f} s ({:.1f}%) loading the data and setting up, {:.1f} s training, {:.2f} s "
               "({:.1f}%) writing the report\n",
               total_seconds, set_up, 100.0 * set_up / total_seconds, trained - set_up, total_seconds - trained,
               100.0 * (total_seconds - trained) / total_seconds);
    return 0;
}

}  // namespace minnow::cli
