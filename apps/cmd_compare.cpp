// minnow compare: the with/without-BatchNormalization experiment.
#include <fmt/format.h>
#include <iostream>

#include "cli.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/io/output_paths.hpp"

namespace minnow::cli {

namespace {

cxxopts::Options compare_options() {
    cxxopts::Options options("minnow compare",
                             "Train the same network with and without a normalization layer (BatchNormalization by "
                             "default).");
    options.add_options()
        ("model", "mlp or cnn", cxxopts::value<std::string>()->default_value("mlp"))
        ("norm", "the with arm's normalization: batch, layer or group", cxxopts::value<std::string>()->default_value("batch"))
        ("data", "dataset folder (four IDX files)", cxxopts::value<std::string>()->default_value("data/mnist"))
        ("epochs", "epochs per arm", cxxopts::value<std::string>()->default_value("10"))
        ("batch-size", "batch size", cxxopts::value<std::string>()->default_value("32"))
        ("lr", "Adam learning rate", cxxopts::value<std::string>()->default_value("0.001"))
        ("seeds", "repeat with this many seeds (mean +- std, paired verdict)", cxxopts::value<std::string>()->default_value("1"))
        ("seed", "first seed", cxxopts::value<std::string>()->default_value("42"))
        ("threads", "threads for kernels and GEMMs (default: as the environment says)", cxxopts::value<std::string>())
        ("limit", "use only the first N samples of each split (0: all)", cxxopts::value<std::string>()->default_value("0"))
        ("recalibrate", "also validate each epoch with recalibrated BatchNormalization statistics and with batch statistics")
        ("stats", "record activation statistics of both arms (stats.csv, stats.json, activations.svg)")
        ("stats-every", "with --stats, a point every N batches (0: about ten an epoch)", cxxopts::value<std::string>()->default_value("0"))
        ("val-every", "also measure validation accuracy every N batches, to time milestones to the step (0: epoch ends only)",
         cxxopts::value<std::string>()->default_value("0"))
        ("val-subset", "with --val-every, measure on this many validation samples (0: all)", cxxopts::value<std::string>()->default_value("2000"))
        ("out", "output folder", cxxopts::value<std::string>()->default_value("runs/compare"))
        ("manifest", "rerun the run a manifest.json describes (options given here override its)", cxxopts::value<std::string>())
        ("no-memory-check", "train even when a step's estimated memory exceeds what the machine has available")
        ("quiet", "no summaries or progress bars")
        ("h,help", "this help");
    return options;
}

}  // namespace

int run_compare(int argc, char** argv) {
    cxxopts::Options options = compare_options();
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    if (args.count("manifest")) {
        std::vector<std::string> rerun = rerun_arguments("compare", args);
        std::vector<char*> pointers;
        for (std::string& a : rerun) pointers.push_back(a.data());
        fmt::print("minnow compare: rerunning {} as: minnow {}\n", args["manifest"].as<std::string>(), fmt::join(rerun, " "));
        return run_compare(static_cast<int>(pointers.size()), pointers.data());
    }
    experiments::CompareOptions o;
    o.model = experiments::model_kind_from_name(choice_option(args, "model", {"mlp", "cnn"}));
    o.norm = experiments::norm_kind_from_name(choice_option(args, "norm", {"batch", "layer", "group"}));
    o.epochs = int_option_int(args, "epochs", 1);
    o.batch_size = int_option(args, "batch-size", 1);
    o.learning_rate = positive_option(args, "lr");
    o.seeds = int_option_int(args, "seeds", 1);
    o.seed = static_cast<uint64_t>(int_option(args, "seed", 0));
    o.quiet = args.count("quiet") > 0;
    o.memory_check = args.count("no-memory-check") == 0;
    o.recalibrate = args.count("recalibrate") > 0;
    o.stats = args.count("stats") > 0;
    o.stats_every = int_option(args, "stats-every", 0);
    o.val_every = int_option(args, "val-every", 0);
    o.val_subset = int_option(args, "val-subset", 0);
    const int64_t limit = int_option(args, "limit", 0);
    apply_threads(args);

    const std::string dir = args["data"].as<std::string>();
    const std::string out = args["out"].as<std::string>();
    const data::ImageFolder folder = data::load_image_folder(dir, o.model == experiments::ModelKind::Mlp, limit);
    o.data = describe_data(dir, folder, limit);
    // Written first: a folder that cannot take it fails now, not after the training.
    experiments::RunManifest manifest = start_manifest("compare", argc, argv, options, args, dir);
    io::prepare_output_folder(out);
    experiments::write_manifest(manifest, out);
    if (!o.quiet)
        fmt::print("minnow compare: {} with and without {} on {}, {} epochs, batch {}, Adam {}\n\n",
                   experiments::model_kind_name(o.model), experiments::norm_class_name(o.norm), o.data.str(), o.epochs,
                   o.batch_size, o.learning_rate);

    const experiments::CompareResult result = experiments::run_comparison(o, folder.train, folder.test, std::cout);
    fmt::print("\n{}\n{}", experiments::epoch_table(result), experiments::verdict(result));
    experiments::write_outputs(result, out);
    manifest.finished = experiments::utc_now();
    experiments::write_manifest(manifest, out);
    fmt::print("\nwrote {0}/history.csv, history.json, curves.svg, summary.txt{1}{2} and manifest.json\n", out,
               o.val_every > 0 ? ", progress.csv, progress.svg" : "",
               o.stats ? ", stats.csv, stats.json, activations.svg" : "");
    return 0;
}

}  // namespace minnow::cli
