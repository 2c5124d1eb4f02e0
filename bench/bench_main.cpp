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
    return env;
}

std::string self_path() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "minnow_bench";
}

void print_rows(const std::vector<minnow::bench::Row>& rows) {
    fmt::print("\n{:<8} {:<52} {:>10} {:>9}\n", "group", "benchmark", "ms", "GFLOP/s");
    for (const auto& r : rows) {
        fmt::print("{:<8} {:<52} {:>10.4f} {:>9}\n", r.group, r.name, r.ms,
                   r.gflops > 0 ? fmt::format("{:.1f}", r.gflops) : "");
        for (const auto& [key, value] : r.extra.items()) fmt::print("{:<8}   {}: {}\n", "", key, value.dump());
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path, workload, data_dir = "data/fashion-mnist", only, libtorch;
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
        else if (arg == "--only") only = value, ++i;  // "micro" or "workloads"
        else if (arg == "--libtorch") libtorch = value, ++i;  // the reference program to compare with
        else {
            fmt::print(stderr, "usage: minnow_bench [--out FILE] [--only micro|workloads] [--threads N] [--epochs E] "
                               "[--data DIR] [--libtorch PROGRAM]\n");
            return 2;
        }
    }
    spec.data_dir = data_dir;
    try {
        if (!workload.empty()) {  // child mode: one workload, JSON on stdout
            fmt::print("{}\n", minnow::bench::run_workload(spec).dump());
            return 0;
        }
        const nlohmann::json env = environment();
        fmt::print("minnow benchmarks\n");
        for (const auto& [key, value] : env.items()) fmt::print("  {}: {}\n", key, value.dump());

        std::vector<minnow::bench::Row> rows;
        if (only != "workloads") {
            minnow::bench::bench_gemm(rows);
            minnow::bench::bench_alloc(rows);
            minnow::bench::bench_layers(rows);
            print_rows(rows);
        }
        nlohmann::json workloads = nlohmann::json::array();
        if (only != "micro") {
            fmt::print("\n{:<9} {:>7} {:>15} {:>17} {:>12} {:>9}\n", "workload", "threads", "train s/epoch",
                       "infer samples/s", "peak RSS MB", "test acc");
            for (const std::string model : {"mlp", "cnn"})
                for (int bn : {1, 0})
                    for (int threads : thread_counts) {
                        WorkloadSpec w = spec;
                        w.model = model;
                        w.bn = bn;
                        w.threads = threads;
                        const nlohmann::json r = minnow::bench::spawn_workload(self_path(), w);
                        fmt::print("{:<9} {:>7} {:>15.3f} {:>17.0f} {:>12.0f} {:>9.4f}\n", r["workload"].get<std::string>(),
                                   threads, r["train_seconds_per_epoch"].get<double>(),
                                   r["inference_samples_per_second"].get<double>(), r["peak_rss_mb"].get<double>(),
                                   r["test_accuracy"].get<double>());
                        std::fflush(stdout);
                        workloads.push_back(r);
                    }
        }
        nlohmann::json reference = nlohmann::json::array();
        if (!libtorch.empty()) {
            fmt::print("\nlibtorch reference ({}), OPENBLAS_NUM_THREADS=1, torch threads as listed\n", libtorch);
            fmt::print("{:<9} {:>7} {:>15} {:>17} {:>12} | {:>16} {:>16} {:>10}\n", "workload", "threads", "train s/epoch",
                       "infer samples/s", "peak RSS MB", "train: torch/us", "infer: us/torch", "RSS: us/t");
            for (const nlohmann::json& ours : workloads) {
                WorkloadSpec w = spec;
                w.model = ours["model"].get<std::string>();
                w.bn = ours["bn"].get<int>();
                w.threads = ours["threads"].get<int>();
                const nlohmann::json t = minnow::bench::run_libtorch(libtorch, w);
                const double train_ratio = t["train_seconds_per_epoch"].get<double>() /
                                           ours["train_seconds_per_epoch"].get<double>();
                const double infer_ratio = ours["inference_samples_per_second"].get<double>() /
                                           t["inference_samples_per_second"].get<double>();
                const double rss_ratio = ours["peak_rss_mb"].get<double>() / t["peak_rss_mb"].get<double>();
                fmt::print("{:<9} {:>7} {:>15.3f} {:>17.0f} {:>12.0f} | {:>15.2f}x {:>15.2f}x {:>9.2f}x\n",
                           t["workload"].get<std::string>(), w.threads, t["train_seconds_per_epoch"].get<double>(),
                           t["inference_samples_per_second"].get<double>(), t["peak_rss_mb"].get<double>(), train_ratio,
                           infer_ratio, rss_ratio);
                std::fflush(stdout);
                nlohmann::json row = t;
                row["minnow_speedup_train"] = train_ratio;
                row["minnow_speedup_inference"] = infer_ratio;
                row["minnow_rss_ratio"] = rss_ratio;
                reference.push_back(row);
            }
            // Each system at its best thread setting, as the targets are stated.
            fmt::print("\nbest thread setting of each system, as ratios (issue 7's targets in brackets)\n");
            fmt::print("{:<9} {:>14} {:>14} {:>10} {:>16} {:>16} {:>10}\n", "workload", "minnow s/ep", "torch s/ep",
                       "speedup", "minnow infer/s", "torch infer/s", "ratio");
            const std::map<std::string, std::pair<std::string, std::string>> targets{
                {"W1-BN", {">= 3.3x", ">= 900k/s"}}, {"W1-noBN", {">= 3x", ""}},
                {"W2-BN", {">= 2.3x", ">= 6x"}},      {"W2-noBN", {">= 1.75x", ""}}};
            for (const auto& [name, target] : targets) {
                double ours_s = 1e30, torch_s = 1e30, ours_i = 0, torch_i = 0;
                for (const auto& r : workloads)
                    if (r["workload"] == name) {
                        ours_s = std::min(ours_s, r["train_seconds_per_epoch"].get<double>());
                        ours_i = std::max(ours_i, r["inference_samples_per_second"].get<double>());
                    }
                for (const auto& r : reference)
                    if (r["workload"] == name) {
                        torch_s = std::min(torch_s, r["train_seconds_per_epoch"].get<double>());
                        torch_i = std::max(torch_i, r["inference_samples_per_second"].get<double>());
                    }
                if (torch_i <= 0) continue;
                fmt::print("{:<9} {:>14.3f} {:>14.3f} {:>9.2f}x {:>16.0f} {:>16.0f} {:>9.2f}x   [train {}{}{}]\n", name,
                           ours_s, torch_s, torch_s / ours_s, ours_i, torch_i, ours_i / torch_i, target.first,
                           target.second.empty() ? "" : ", inference ", target.second);
            }
        }
        if (!out_path.empty()) {
            nlohmann::json json_rows = nlohmann::json::array();
            for (const auto& r : rows)
                json_rows.push_back({{"group", r.group}, {"name", r.name}, {"ms", r.ms}, {"gflops", r.gflops}, {"extra", r.extra}});
            std::ofstream(out_path) << nlohmann::json{{"environment", env}, {"rows", json_rows}, {"workloads", workloads},
                                                      {"libtorch", reference}}
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
