// The seed networks on full Fashion-MNIST, as the peers' reference programs measure them:
// training seconds per epoch (a full epoch after a warm-up epoch), inference samples/s in eval
// mode at batch 1000, and the peak resident memory of the run. Each workload runs in a child
// process so its peak RSS is its own.
#include <cstdio>
#include <fstream>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "child_process.hpp"
#include "minnow/minnow.hpp"
#include "minnow/data/idx.hpp"
#include "minnow/experiments/compare.hpp"

namespace minnow::bench {

namespace {

int64_t peak_rss_kb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
    return -1;
}

}  // namespace

int default_epochs(const std::string& model) { return model == "mlp" ? 4 : 3; }

nlohmann::json run_workload(const WorkloadSpec& spec) {
    set_num_threads(spec.threads);  // minnow's threads and OpenBLAS'
    const bool mlp = spec.model == "mlp";
    const data::ImageFolder data = data::load_image_folder(spec.data_dir, mlp);
    Sequential model = experiments::make_arms(mlp ? experiments::ModelKind::Mlp : experiments::ModelKind::Cnn, 42)
                           .first;
    if (!spec.bn) model = experiments::make_arms(mlp ? experiments::ModelKind::Mlp : experiments::ModelKind::Cnn, 42).second;
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    const History h = model.fit(data.train, {.epochs = spec.epochs, .batch_size = 32, .seed = 42, .verbose = 0});
    const Logs test = model.evaluate(*data.test, 1000);

    double best = 1e30;
    for (int r = 0; r < 6; ++r) {
        const double t0 = now();
        (void)model.predict(*data.test, 1000);
        if (r > 0) best = std::min(best, now() - t0);  // the first pass warms up
    }
    // FLOPs from the layers' shapes (bench_peak.cpp): a step at batch 32, an epoch's steps, and
    // one sample's forward for inference.
    const StepFlops step = count_step_flops(model, 32);
    const auto steps = double((data.train->size() + 31) / 32);
    double steady = 0;
    for (size_t i = 1; i < h.seconds.size(); ++i) steady += h.seconds[i];
    const size_t measured = h.seconds.size() > 1 ? h.seconds.size() - 1 : 1;
    if (h.seconds.size() == 1) steady = h.seconds[0];
    return {{"workload", fmt::format("{}-{}", mlp ? "W1" : "W2", spec.bn ? "BN" : "noBN")},
            {"model", spec.model},
            {"bn", spec.bn},
            {"threads", spec.threads},
            {"epoch_seconds", h.seconds},
            {"train_seconds_per_epoch", steady / double(measured)},
            {"test_accuracy", test.at("accuracy")},
            {"inference_samples_per_second", double(data.test->size()) / best},
            {"peak_rss_mb", double(peak_rss_kb()) / 1024.0},
            {"train_gflop_per_epoch", steps * step.training() / 1e9},
            {"train_step_mflop", step.training() / 1e6},
            {"inference_mflop_per_sample", count_step_flops(model, 1).forward / 1e6}};
}

nlohmann::json spawn_workload(const std::string& self, const WorkloadSpec& spec) {
    const ChildResult child =
        run_child({self, "--workload", spec.model, "--bn", std::to_string(spec.bn), "--threads",
                   std::to_string(spec.threads), "--epochs", std::to_string(spec.epochs), "--data", spec.data_dir});
    if (!child.ok) throw std::runtime_error(fmt::format("workload {} bn={} failed:\n{}", spec.model, spec.bn, child.output));
    const size_t last_line = child.output.rfind("\n{");
    return nlohmann::json::parse(child.output.substr(last_line == std::string::npos ? 0 : last_line + 1));
}

}  // namespace minnow::bench
