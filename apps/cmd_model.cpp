// minnow train, evaluate and summary: one network at a time.
#include <filesystem>
#include <numeric>
#include <fmt/format.h>
#include <iostream>

#include "cli.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/experiments/compare.hpp"
#include "minnow/io/output_paths.hpp"
#include "minnow/metrics/confusion_matrix.hpp"
#include "minnow/models/batch_norm_statistics.hpp"
#include "minnow/models/memory_estimate.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::cli {

int run_train(int argc, char** argv) {
    cxxopts::Options options("minnow train", "Train one seed network and save it.");
    options.add_options()
        ("model", "mlp or cnn", cxxopts::value<std::string>()->default_value("mlp"))
        ("no-bn", "leave out the BatchNormalization layers")
        ("data", "dataset folder", cxxopts::value<std::string>()->default_value("data/mnist"))
        ("epochs", "epochs", cxxopts::value<std::string>()->default_value("10"))
        ("batch-size", "batch size", cxxopts::value<std::string>()->default_value("32"))
        ("lr", "Adam learning rate", cxxopts::value<std::string>()->default_value("0.001"))
        ("seed", "seed", cxxopts::value<std::string>()->default_value("42"))
        ("threads", "threads for kernels and GEMMs (default: as the environment says)", cxxopts::value<std::string>())
        ("limit", "use only the first N samples of each split (0: all)", cxxopts::value<std::string>()->default_value("0"))
        ("recalibrate", "after training, recompute BatchNormalization's moving statistics from ~10,000 training images")
        ("no-memory-check", "train even when a step's estimated memory exceeds what the machine has available")
        ("out", "where to save the model (its manifest goes beside it, as OUT.manifest.json)",
         cxxopts::value<std::string>()->default_value("runs/model.safetensors"))
        ("backup-dir", "after each epoch, back the training up to this folder; a run killed and started again with "
                       "it goes on from the last finished epoch, ending as an uninterrupted run would",
         cxxopts::value<std::string>())
        ("quiet", "no progress bar")
        ("h,help", "this help");
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    const auto kind = experiments::model_kind_from_name(choice_option(args, "model", {"mlp", "cnn"}));
    const int epochs = int_option_int(args, "epochs", 1);
    const int64_t batch_size = int_option(args, "batch-size", 1);
    const double lr = positive_option(args, "lr");
    const auto seed = static_cast<uint64_t>(int_option(args, "seed", 0));
    const int64_t limit = int_option(args, "limit", 0);
    const bool quiet = args.count("quiet") > 0;
    apply_threads(args);
    const std::string dir = args["data"].as<std::string>();
    const data::ImageFolder folder = data::load_image_folder(dir, kind == experiments::ModelKind::Mlp, limit);
    // Checked before training: a path that cannot be written fails now, not after it.
    const std::string out = args["out"].as<std::string>();
    if (distributed::is_writer()) io::prepare_output_file(out);
    // Written with the model only, so a failed run leaves the previous model and manifest together.
    experiments::RunManifest manifest = start_manifest("train", argc, argv, options, args, dir);

    set_random_seed(seed);
    Sequential model = experiments::build_network(kind, args.count("no-bn") == 0);
    if (!quiet) model.summary();
    model.compile(Adam(lr), "sparse_categorical_crossentropy", {"accuracy"});
    auto nan = std::make_shared<TerminateOnNaN>(false);
    std::vector<std::shared_ptr<Callback>> callbacks{nan};
    if (args.count("backup-dir")) callbacks.push_back(std::make_shared<BackupAndRestore>(args["backup-dir"].as<std::string>()));
    if (!quiet)
        fmt::print("estimated memory of a training step at batch {}: {}\n", batch_size,
                   estimate_training_memory(model, std::min<int64_t>(batch_size, folder.train->size())).str());
    model.fit(folder.train, {.epochs = epochs, .batch_size = batch_size, .validation_data = folder.test,
                             .seed = seed, .verbose = quiet ? 0 : 1, .callbacks = callbacks,
                             .memory_limit = args.count("no-memory-check") ? -1 : 0,
                             .distributed = true});  // data-parallel when run under mpirun
    if (nan->diverged())
        throw ValueError(fmt::format("training diverged: the loss became NaN or infinite at epoch {}, batch {} (try a lower "
                                "--lr); {} was not written",
                                nan->epoch() + 1, nan->batch() + 1, out));
    if (args.count("recalibrate")) {
        const RecalibrateResult r = recalibrate_batch_norm(model, *folder.train, {.batch_size = std::max<int64_t>(batch_size, 2), .seed = seed});
        fmt::print("recalibrated {} BatchNormalization layers over {} batches of {} training images\n", r.layers, r.batches,
                   r.batches > 0 ? r.samples / r.batches : 0);
    }
    if (!distributed::is_writer()) return 0;  // rank 0 saves the model every rank holds
    model.save(out);
    manifest.finished = experiments::utc_now();
    experiments::write_manifest_file(manifest, out + ".manifest.json");
    fmt::print("saved {} (manifest: {}.manifest.json)\n", out, out);
    return 0;
}

int run_evaluate(int argc, char** argv) {
    cxxopts::Options options("minnow evaluate", "Evaluate a saved model on a dataset's test split.");
    options.add_options()
        ("model-file", "a model saved by `minnow train` or Sequential::save", cxxopts::value<std::string>())
        ("data", "dataset folder", cxxopts::value<std::string>()->default_value("data/mnist"))
        ("batch-size", "batch size", cxxopts::value<std::string>()->default_value("256"))
        ("limit", "use only the first N test samples (0: all)", cxxopts::value<std::string>()->default_value("0"))
        ("recalibrate", "first recompute BatchNormalization's moving statistics from ~10,000 training images (batches of 32)")
        ("threads", "threads for kernels and GEMMs (default: as the environment says)", cxxopts::value<std::string>())
        ("h,help", "this help");
    options.parse_positional({"model-file"});
    options.positional_help("MODEL_FILE");
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    if (!args.count("model-file")) throw UsageError("a model file is required: minnow evaluate MODEL_FILE");
    apply_threads(args);
    Sequential model = load_model(args["model-file"].as<std::string>());
    const bool flatten = model.input_shape().rank() == 2;
    const data::ImageFolder folder =
        data::load_image_folder(args["data"].as<std::string>(), flatten, int_option(args, "limit", 0));
    if (args.count("recalibrate")) {
        const RecalibrateResult r = recalibrate_batch_norm(model, *folder.train, {.batch_size = 32});
        fmt::print("recalibrated {} BatchNormalization layers over {} batches of 32 training images\n", r.layers,
                   r.batches);
    }
    model.compile("adam", "sparse_categorical_crossentropy", {"accuracy"});
    const int64_t batch = int_option(args, "batch-size", 1);
    const Logs logs = model.evaluate(*folder.test, batch);
    fmt::print("{} test images: loss {:.4f}, accuracy {:.4f}\n\n", folder.test->size(), logs.at("loss"),
               logs.at("accuracy"));

    const Tensor probs = model.predict(*folder.test, batch);
    std::vector<int64_t> rows(static_cast<size_t>(folder.test->size()));
    std::iota(rows.begin(), rows.end(), 0);
    const ConfusionMatrix confusion(probs, folder.test->gather_y(rows));
    fmt::print("confusion matrix (rows: true class, columns: predicted)\n{}", confusion.str());
    return 0;
}

int run_summary(int argc, char** argv) {
    cxxopts::Options options("minnow summary", "Print a seed network's summary.");
    options.add_options()
        ("model", "mlp or cnn", cxxopts::value<std::string>()->default_value("mlp"))
        ("no-bn", "leave out the BatchNormalization layers")
        ("h,help", "this help");
    const auto args = parse(options, argc, argv);
    if (args.count("help")) {
        fmt::print("{}\n", options.help());
        return 0;
    }
    const auto kind = experiments::model_kind_from_name(choice_option(args, "model", {"mlp", "cnn"}));
    experiments::build_network(kind, args.count("no-bn") == 0).summary();
    return 0;
}

}  // namespace minnow::cli
