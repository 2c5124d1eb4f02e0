// minnow compare: the with/without-BatchNormalization experiment.
#include <fmt/format.h>
#include <iostream>

#include "cli.hpp"
#include "minnow/experiments/compare.hpp"

namespace minnow::cli {

int run_compare(int argc, char** argv) {
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
        ("seeds", "repeat with this many seeds (mean +- std)", cxxopts::value<std::string>()->default_value("1"))
        ("seed", "first seed", cxxopts::value<std::string>()->default_value("42"))
        ("threads", "threads for kernels and GEMMs (default: as the environment says)", cxxopts::value<std::string>())
        ("limit", "use only the first N samples of each split (0: all)", cxxopts::value<std::string>()->default_value("0"))
        ("out", "output folder", cxxopts::value<std::string>()->default_value("runs/compare"))
        ("quiet", "no summaries or progress bars")
        ("h,help", "this help");
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    experiments::CompareOptions o;
    o.model = experiments::model_kind_from_name(choice_option(args, "model", {"mlp", "cnn"}));
    o.norm = experiments::norm_kind_from_name(choice_option(args, "norm", {"batch", "layer", "group"}));
    o.epochs = static_cast<int>(int_option(args, "epochs", 1));
    o.batch_size = int_option(args, "batch-size", 1);
    o.learning_rate = positive_option(args, "lr");
    o.seeds = static_cast<int>(int_option(args, "seeds", 1));
    o.seed = static_cast<uint64_t>(int_option(args, "seed", 0));
    o.quiet = args.count("quiet") > 0;
    const int64_t limit = int_option(args, "limit", 0);
    apply_threads(args);

    const std::string dir = args["data"].as<std::string>();
    o.dataset_name = dataset_label(dir);
    const data::ImageFolder folder = data::load_image_folder(dir, o.model == experiments::ModelKind::Mlp, limit);
    if (!o.quiet)
        fmt::print("minnow compare: {} with and without {} on {} ({} training / {} test images), {} epochs, batch {}, "
                   "Adam {}\n\n",
                   experiments::model_kind_name(o.model), experiments::norm_class_name(o.norm), o.dataset_name,
                   folder.train->size(), folder.test->size(), o.epochs, o.batch_size, o.learning_rate);

    const experiments::CompareResult result = experiments::run_comparison(o, folder.train, folder.test, std::cout);
    fmt::print("\n{}\n{}", experiments::epoch_table(result), experiments::verdict(result));
    const std::string out = args["out"].as<std::string>();
    experiments::write_outputs(result, out);
    fmt::print("\nwrote {0}/history.csv, {0}/history.json, {0}/curves.svg, {0}/summary.txt\n", out);
    return 0;
}

}  // namespace minnow::cli
