// Data-parallel training on MPI: W1-BN and W2-BN at the same global batch (32) on 1 and 2 ranks of
// one thread each, over shared memory (vader) and TCP on loopback, with the time a step spends in
// collectives. Each configuration is a job of its own (mpirun of this program as a worker); a
// worker trains on the first `steps` batches of the data for a warm-up epoch and a measured one.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench.hpp"
#include "child_process.hpp"
#include "minnow/minnow.hpp"
#include "minnow/data/idx.hpp"
#include "minnow/experiments/compare.hpp"

namespace minnow::bench {

namespace {

// Counts the collectives of the measured epoch only.
class ResetCommStats : public Callback {
public:
    void on_epoch_begin(int, const Logs&) override { distributed::reset_stats(); }
};

constexpr int64_t kGlobalBatch = 32;

int steps_for(const std::string& model) { return model == "mlp" ? 600 : 150; }

}  // namespace

nlohmann::json run_distributed_worker(const WorkloadSpec& spec) {
    set_num_threads(1);
    const bool mlp = spec.model == "mlp";
    const data::ImageFolder data = data::load_image_folder(spec.data_dir, mlp);
    const int64_t steps = steps_for(spec.model);
    const auto train = std::make_shared<SubsetDataset>(data.train, 0, steps * kGlobalBatch);
    Sequential model = experiments::make_arms(mlp ? experiments::ModelKind::Mlp : experiments::ModelKind::Cnn, 42).first;
    model.compile(Adam(1e-3), "sparse_categorical_crossentropy", {"accuracy"});
    const History h = model.fit(train, {.epochs = 2, .batch_size = kGlobalBatch, .seed = 42, .verbose = 0,
                                        .callbacks = {std::make_shared<ResetCommStats>()}, .distributed = true});
    const distributed::CommStats comm = distributed::stats();
    const double step_seconds = h.seconds.back() / double(steps);
    const double full_epoch_steps = double((data.train->size() + kGlobalBatch - 1) / kGlobalBatch);
    return {{"workload", fmt::format("{}-BN", mlp ? "W1" : "W2")},
            {"ranks", distributed::size()},
            {"measured_steps", steps},
            {"step_ms", step_seconds * 1e3},
            {"seconds_per_epoch", step_seconds * full_epoch_steps},
            {"collective_ms_per_step", comm.seconds / double(steps) * 1e3},
            {"collective_calls_per_step", double(comm.calls) / double(steps)},
            {"allreduce_bytes_per_step", double(comm.bytes) / double(steps)}};
}

nlohmann::json bench_distributed(const std::string& self, const std::string& mpiexec, const std::string& data_dir) {
    fmt::print("\ndata-parallel training (MPI, 1 thread a rank, global batch {}; seconds per epoch from a measured "
               "epoch of {} / {} steps)\n",
               kGlobalBatch, steps_for("mlp"), steps_for("cnn"));
    fmt::print("{:<9} {:<14} {:>5} {:>10} {:>13} {:>18} {:>9}\n", "workload", "transport", "ranks", "step ms",
               "s/epoch", "collectives ms/step", "speedup");
    nlohmann::json results = nlohmann::json::array();
    const std::vector<std::pair<std::string, std::vector<std::string>>> transports{
        {"shared memory", {"--mca", "btl", "self,vader"}},
        {"tcp loopback", {"--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo"}}};
    for (const std::string model : {"mlp", "cnn"}) {
        double one_rank_step = 0.0;
        for (const auto& [transport, mca] : transports) {
            for (const int ranks : {1, 2}) {
                if (ranks == 1 && one_rank_step > 0.0) continue;  // one rank sends nothing: measured once
                std::vector<std::string> args{mpiexec, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                                              "-np", std::to_string(ranks)};
                args.insert(args.end(), mca.begin(), mca.end());
                for (const std::string& a : {self, std::string("--distributed-worker"), model, std::string("--data"), data_dir})
                    args.push_back(a);
                const ChildResult child = run_child(args, {"OPENBLAS_NUM_THREADS=1", "MINNOW_NUM_THREADS=1"});
                if (!child.ok) throw std::runtime_error(fmt::format("data-parallel {} on {} ranks failed:\n{}", model, ranks, child.output));
                const size_t last_line = child.output.rfind("\n{");
                nlohmann::json r = nlohmann::json::parse(child.output.substr(last_line == std::string::npos ? 0 : last_line + 1));
                r["transport"] = ranks == 1 ? "none" : transport;
                if (ranks == 1) one_rank_step = r["step_ms"].get<double>();
                r["speedup_vs_1_rank"] = one_rank_step / r["step_ms"].get<double>();
                fmt::print("{:<9} {:<14} {:>5} {:>10.3f} {:>13.2f} {:>18.3f} {:>8.2f}x\n", r["workload"].get<std::string>(),
                           r["transport"].get<std::string>(), ranks, r["step_ms"].get<double>(),
                           r["seconds_per_epoch"].get<double>(), r["collective_ms_per_step"].get<double>(),
                           r["speedup_vs_1_rank"].get<double>());
                std::fflush(stdout);
                results.push_back(std::move(r));
            }
        }
    }
    fmt::print("(collectives: the step's gradient allreduce, including the time waiting for the slower rank)\n");
    return results;
}

}  // namespace minnow::bench
