// minnow's benchmark program (`make bench`): micro-benchmarks (GEMM seam, allocations, layers) and
// the seed-network workloads at 1 and 2 threads; prints tables and writes everything as JSON.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <fstream>
#include <fmt/format.h>
#include <string>
#include <unistd.h>

#include "bench.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/build_info.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/tensor/blas.hpp"

namespace minnow::bench {

double time_ms(const std::function<void()>& fn, double min_seconds) {
    fn();  // warm-up: caches, allocator buckets, the thread pool
    std::vector<double> samples;
    const double start = now();
    while (samples.size() < 5 || (now() - start < min_seconds && samples.size() < 10000)) {
        const double t0 = now();
        fn();
        samples.push_back((now() - t0) * 1e3);
    }
    std::nth_element(samples.begin(), samples.begin() + static_cast<long>(samples.size() / 2), samples.end());
    return samples[samples.size() / 2];
}

}  // namespace minnow::bench

namespace {

using minnow::bench::WorkloadSpec;

nlohmann::json environment() {
    nlohmann::json env;
    for (const char* name : {"OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS"}) {
        const char* value = std::getenv(name);
        env[name] = value ? value : "(unset)";
    }
    env["openblas_config"] = minnow::blas::config();
    // minnow's threads run the GEMMs too: starting its pool sets OpenBLAS' own count to 1.
    env["minnow_threads_at_start"] = minnow::num_threads();
    env["openblas_threads_per_gemm_block"] = minnow::blas::num_threads();
    env["cpus_online"] = sysconf(_SC_NPROCESSORS_ONLN);
    env["cpu"] = minnow::cpu_model();
    env["compile_flags"] = minnow::build_info().flags;
    env["kernels"] = minnow::kernel_path();
    return env;
}

std::string self_path() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "minnow_bench";
}

void print_rows(const std::vector<minnow::bench::Row>& rows) {
    fmt::print("\n{:<8} {:<53} {:>10} {:>9}\n", "group", "benchmark", "ms", "GFLOP/s");
    for (const auto& r : rows) {
        fmt::print("{:<8} {:<53} {:>10.4f} {:>9}\n", r.group, r.name, r.ms,
                   r.gflops > 0 ? fmt::format("{:.1f}", r.gflops) : "");
        for (const auto& [key, value] : r.extra.items()) fmt::print("{:<8}   {}: {}\n", "", key, value.dump());
    }
}

// The fractions of the FMA peak (at the row's thread count) a workload's training and inference
// reach; `flops` is minnow's row of the same workload (the FLOPs are the network's, whoever runs it).
void add_fractions(nlohmann::json& r, const nlohmann::json& flops, const minnow::bench::Peak& peak) {
    const double p = peak.at_threads(r["threads"].get<int>());
    r["peak_gflops"] = p;
    r["train_gflops"] = flops["train_gflop_per_epoch"].get<double>() / r["train_seconds_per_epoch"].get<double>();
    r["train_fraction_of_peak"] = r["train_gflops"].get<double>() / p;
    r["inference_gflops"] = flops["inference_mflop_per_sample"].get<double>() * 1e-3 *
                            r["inference_samples_per_second"].get<double>();
    r["inference_fraction_of_peak"] = r["inference_gflops"].get<double>() / p;
}

void print_workload_row(const nlohmann::json& r, const std::string& system) {
    fmt::print("{:<9} {:>7} {:<9} {:>13.3f} {:>8.1f}% {:>16.0f} {:>8.1f}% {:>12.0f} {:>9.4f}",
               r["workload"].get<std::string>(), r["threads"].get<int>(), system,
               r["train_seconds_per_epoch"].get<double>(), 100.0 * r["train_fraction_of_peak"].get<double>(),
               r["inference_samples_per_second"].get<double>(), 100.0 * r["inference_fraction_of_peak"].get<double>(),
               r["peak_rss_mb"].get<double>(), r["test_accuracy"].get<double>());
}

// Every workload at each thread count. With a libtorch program, its run follows minnow's on the
// same workload straight away, so both meet the VM in the same mood: its speed drifts by 10-30%
// over minutes.
// With `portable` (another build's minnow_bench, e.g. MINNOW_NATIVE=OFF), its run of each workload
// follows this one's, and the rows give the ratio.
void run_workloads(const WorkloadSpec& base, const std::vector<int>& thread_counts, const std::string& libtorch,
                   const std::string& portable, const minnow::bench::Peak& peak, nlohmann::json& workloads,
                   nlohmann::json& reference, nlohmann::json& portable_runs) {
    fmt::print("\n{:<9} {:>7} {:<9} {:>13} {:>9} {:>16} {:>9} {:>12} {:>9}{}\n", "workload", "threads", "system",
               "train s/epoch", "of peak", "infer samples/s", "of peak", "peak RSS MB", "test acc",
               libtorch.empty() ? "" : " | train x  infer x  RSS x");
    for (const std::string model : {"mlp", "cnn"})
        for (int bn : {1, 0})
            for (int threads : thread_counts) {
                WorkloadSpec w = base;
                w.model = model;
                w.bn = bn;
                w.threads = threads;
                if (w.epochs == 0) w.epochs = minnow::bench::default_epochs(model);
                nlohmann::json ours = minnow::bench::spawn_workload(self_path(), w);
                add_fractions(ours, ours, peak);
                print_workload_row(ours, "minnow");
                fmt::print("\n");
                std::fflush(stdout);
                workloads.push_back(ours);
                if (!portable.empty()) {
                    nlohmann::json other = minnow::bench::spawn_workload(portable, w);
                    other["system"] = "portable";
                    add_fractions(other, ours, peak);
                    other["train_ratio_to_this_build"] = other["train_seconds_per_epoch"].get<double>() /
                                                         ours["train_seconds_per_epoch"].get<double>();
                    other["inference_ratio_to_this_build"] = other["inference_samples_per_second"].get<double>() /
                                                             ours["inference_samples_per_second"].get<double>();
                    print_workload_row(other, "portable");
                    fmt::print(" | train s x {:.3f}, infer/s x {:.3f}\n", other["train_ratio_to_this_build"].get<double>(),
                               other["inference_ratio_to_this_build"].get<double>());
                    std::fflush(stdout);
                    portable_runs.push_back(other);
                }
                if (libtorch.empty()) continue;
                nlohmann::json torch = minnow::bench::run_libtorch(libtorch, w);
                add_fractions(torch, ours, peak);
                torch["minnow_speedup_train"] = torch["train_seconds_per_epoch"].get<double>() /
                                                ours["train_seconds_per_epoch"].get<double>();
                torch["minnow_speedup_inference"] = ours["inference_samples_per_second"].get<double>() /
                                                    torch["inference_samples_per_second"].get<double>();
                torch["minnow_rss_ratio"] = ours["peak_rss_mb"].get<double>() / torch["peak_rss_mb"].get<double>();
                print_workload_row(torch, "libtorch");
                fmt::print(" | {:>6.2f}x {:>7.2f}x {:>5.2f}x\n", torch["minnow_speedup_train"].get<double>(),
                           torch["minnow_speedup_inference"].get<double>(), torch["minnow_rss_ratio"].get<double>());
                std::fflush(stdout);
                reference.push_back(torch);
            }
    fmt::print("(of peak: the FLOPs of each Dense and Conv2D product, forward and both backward ones, from the "
               "layers' shapes (W1-BN {:.1f}, W2-BN {:.1f} MFLOP a training step), per second, over the FMA peak "
               "measured above at the row's thread count; element-wise work is not counted)\n",
               workloads.size() > 0 ? workloads.front()["train_step_mflop"].get<double>() : 0.0,
               workloads.size() > 0 ? workloads.back()["train_step_mflop"].get<double>() : 0.0);
    if (!libtorch.empty())
        fmt::print("(libtorch: {}, OPENBLAS_NUM_THREADS=1, torch threads as listed. train x = torch s / minnow s, "
                   "infer x = minnow / torch samples/s, RSS x = minnow / torch)\n",
                   libtorch);
}

// Each workload at its best thread setting: fraction of the FMA peak and, with libtorch, the
// ratios, against the targets of the performance issue (22).
void print_best_settings(const nlohmann::json& workloads, const nlohmann::json& reference) {
    fmt::print("\nbest thread setting of each workload (targets in brackets)\n");
    fmt::print("{:<9} {:>11} {:>8} {:>11} {:>9} | {:>13} {:>8} {:>11} {:>9}\n", "workload", "train s/ep", "of peak",
               "torch s/ep", "speedup", "infer/s", "of peak", "torch inf/s", "ratio");
    struct Target {
        std::string train, inference;
    };
    const std::vector<std::pair<std::string, Target>> targets{
        {"W1-BN", {">= 50% of peak, >= 6x", ">= 75% of peak, >= 2x"}},
        {"W1-noBN", {"", ""}},
        {"W2-BN", {">= 65% of peak, >= 4.5x", ">= 80% of peak"}},
        {"W2-noBN", {">= 65% of peak", ""}}};
    // The fastest run of `name` for training and, separately, for inference.
    const auto best = [](const nlohmann::json& runs, const std::string& name) {
        const nlohmann::json* train = nullptr;
        const nlohmann::json* infer = nullptr;
        for (const auto& r : runs) {
            if (r["workload"] != name) continue;
            if (!train || r["train_seconds_per_epoch"] < (*train)["train_seconds_per_epoch"]) train = &r;
            if (!infer || r["inference_samples_per_second"] > (*infer)["inference_samples_per_second"]) infer = &r;
        }
        return std::pair{train, infer};
    };
    for (const auto& [name, target] : targets) {
        const auto [train, infer] = best(workloads, name);
        if (!train) continue;
        const auto [torch_train, torch_infer] = best(reference, name);
        const auto ratio = [](const nlohmann::json* a, const nlohmann::json* b, const char* key, bool inverse) {
            if (!a || !b) return std::string("-");
            const double x = (*a)[key].get<double>() / (*b)[key].get<double>();
            return fmt::format("{:.2f}x", inverse ? 1.0 / x : x);
        };
        fmt::print("{:<9} {:>11.3f} {:>7.1f}% {:>11} {:>9} | {:>13.0f} {:>7.1f}% {:>11} {:>9}", name,
                   (*train)["train_seconds_per_epoch"].get<double>(),
                   100.0 * (*train)["train_fraction_of_peak"].get<double>(),
                   torch_train ? fmt::format("{:.3f}", (*torch_train)["train_seconds_per_epoch"].get<double>()) : "-",
                   ratio(torch_train, train, "train_seconds_per_epoch", false),
                   (*infer)["inference_samples_per_second"].get<double>(),
                   100.0 * (*infer)["inference_fraction_of_peak"].get<double>(),
                   torch_infer ? fmt::format("{:.0f}", (*torch_infer)["inference_samples_per_second"].get<double>()) : "-",
                   ratio(infer, torch_infer, "inference_samples_per_second", false));
        if (!target.train.empty() || !target.inference.empty())
            fmt::print("   [train {}{}{}]", target.train.empty() ? "-" : target.train,
                       target.inference.empty() ? "" : "; inference ", target.inference);
        fmt::print("\n");
    }
}

}  // namespace

int main(int argc, char** argv) {
    minnow::distributed::Session mpi(argc, argv);  // a data-parallel worker runs under mpirun
    std::string distributed_worker;
    std::string out_path, workload, data_dir = "data/fashion-mnist", only, libtorch, portable;
    WorkloadSpec spec;
    std::vector<int> thread_counts{1, 2};
    for (int i = 1; i + 1 < argc || (i < argc && std::string(argv[i]).rfind("--", 0) == 0); ++i) {
        const std::string arg = argv[i];
        const std::string value = i + 1 < argc ? argv[i + 1] : "";
        if (arg == "--out") out_path = value, ++i;
        else if (arg == "--workload") spec.model = value, workload = value, ++i;
        else if (arg == "--bn") spec.bn = std::stoi(value), ++i;
        else if (arg == "--threads") spec.threads = std::stoi(value), thread_counts = {spec.threads}, ++i;
        else if (arg == "--epochs") spec.epochs = std::stoi(value), ++i;
        else if (arg == "--data") data_dir = value, ++i;
        else if (arg == "--only") only = value, ++i;  // "micro", "workloads" or "distributed"
        else if (arg == "--distributed-worker") distributed_worker = value, ++i;
        else if (arg == "--libtorch") libtorch = value, ++i;  // the reference program to compare with
        else if (arg == "--portable") portable = value, ++i;  // another build's minnow_bench to compare with
        else {
            fmt::print(stderr, "usage: minnow_bench [--out FILE] [--only micro|workloads|distributed] [--threads N] [--epochs E] "
                               "[--data DIR] [--libtorch PROGRAM] [--portable MINNOW_BENCH]\n");
            return 2;
        }
    }
    spec.data_dir = data_dir;
    try {
        if (!workload.empty()) {  // child mode: one workload, JSON on stdout
            if (spec.epochs == 0) spec.epochs = minnow::bench::default_epochs(spec.model);
            fmt::print("{}\n", minnow::bench::run_workload(spec).dump());
            return 0;
        }
        if (!distributed_worker.empty()) {
            spec.model = distributed_worker;
            const nlohmann::json r = minnow::bench::run_distributed_worker(spec);
            if (minnow::distributed::is_writer()) fmt::print("{}\n", r.dump());
            return 0;
        }
        const nlohmann::json env = environment();
        fmt::print("minnow benchmarks\n");
        for (const auto& [key, value] : env.items()) fmt::print("  {}: {}\n", key, value.dump());

        std::vector<minnow::bench::Row> rows;
        if (only != "workloads" && only != "distributed") {
            minnow::bench::bench_gemm(rows);
            minnow::bench::bench_alloc(rows);
            minnow::bench::bench_layers(rows);
            print_rows(rows);
        }
        nlohmann::json workloads = nlohmann::json::array(), reference = nlohmann::json::array(),
                       portable_runs = nlohmann::json::array();
        const minnow::bench::Peak peak = minnow::bench::measure_peak();
        nlohmann::json peak_json{{"isa", peak.isa}, {"cores", peak.cores}, {"one_core_gflops", peak.one_core},
                                 {"all_cores_gflops", peak.all_cores}, {"by_isa", nlohmann::json::array()}};
        fmt::print("\nFMA peak (independent FMA chains on registers, best of 5):\n");
        for (const auto& b : peak.by_isa) {
            fmt::print("  {:<9} one core {:>7.1f} GFLOP/s, {} at once {:>7.1f} GFLOP/s\n", b.isa, b.one_core, peak.cores,
                       b.all_cores);
            peak_json["by_isa"].push_back({{"isa", b.isa}, {"one_core_gflops", b.one_core}, {"all_cores_gflops", b.all_cores}});
        }
        fmt::print("  the peak used below: {}\n", peak.isa);
        if (only != "micro" && only != "distributed") {
            run_workloads(spec, thread_counts, libtorch, portable, peak, workloads, reference, portable_runs);
            print_best_settings(workloads, reference);
        }
        nlohmann::json data_parallel = nlohmann::json::array();
#ifdef MINNOW_MPIEXEC_PATH
        if (only.empty() || only == "distributed")
            data_parallel = minnow::bench::bench_distributed(self_path(), MINNOW_MPIEXEC_PATH, data_dir);
#else
        if (only == "distributed") throw std::runtime_error("this build has no MPI (MINNOW_MPI=OFF or no MPI found)");
#endif
        if (!out_path.empty()) {
            nlohmann::json json_rows = nlohmann::json::array();
            for (const auto& r : rows)
                json_rows.push_back({{"group", r.group}, {"name", r.name}, {"ms", r.ms}, {"gflops", r.gflops}, {"extra", r.extra}});
            std::ofstream(out_path) << nlohmann::json{{"environment", env}, {"rows", json_rows}, {"workloads", workloads},
                                                      {"libtorch", reference}, {"portable", portable_runs},
                                                      {"distributed", data_parallel}, {"fma_peak", peak_json}}
                                           .dump(2)
                                    << "\n";
            fmt::print("\nwrote {}\n", out_path);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "minnow_bench: {}\n", e.what());
        return 1;
    }
    return 0;
}
