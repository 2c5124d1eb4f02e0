#pragma once
// Shared pieces of the benchmark program: timing, the result table and its JSON.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minnow::bench {

/// One measured row.
struct Row {
    std::string group;    ///< "gemm", "alloc", "layer", ...
    std::string name;     ///< what was measured, with its shape
    double ms = 0.0;      ///< median milliseconds per call
    double gflops = 0.0;  ///< 0 when not meaningful
    nlohmann::json extra = nlohmann::json::object();
};

/// Median milliseconds per call of `fn`, after a warm-up, over at least `min_seconds`.
double time_ms(const std::function<void()>& fn, double min_seconds = 0.3);

/// Seconds since an arbitrary start, monotonic.
inline double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// One training workload: a seed network on a dataset folder at a thread count.
struct WorkloadSpec {
    std::string model = "mlp";  ///< "mlp" (W1) or "cnn" (W2)
    int bn = 1;
    int threads = 1;
    int epochs = 0;             ///< the first is the warm-up; 0 = default_epochs(model)
    std::string data_dir = "data/fashion-mnist";
};
/// Epochs a workload runs unless told: a warm-up epoch, then enough measured ones that the VM's
/// run-to-run noise averages out where an epoch is short (W1: 3 measured, W2: 2).
int default_epochs(const std::string& model);
/// Runs a workload in this process and returns its figures.
nlohmann::json run_workload(const WorkloadSpec& spec);
/// Runs a workload in a child process (this program with --workload) and returns its figures.
nlohmann::json spawn_workload(const std::string& self, const WorkloadSpec& spec);

/// Runs the libtorch reference program `program` on the same workload (epochs, threads, data) and
/// returns its figures in the same form.
nlohmann::json run_libtorch(const std::string& program, const WorkloadSpec& spec);

/// A data-parallel worker (this program under mpirun with --distributed-worker): trains the
/// workload's BN network on a slice of its data and returns rank 0's figures.
nlohmann::json run_distributed_worker(const WorkloadSpec& spec);
/// W1-BN and W2-BN on 1 and 2 ranks, over shared memory and TCP loopback (`mpiexec` runs them).
nlohmann::json bench_distributed(const std::string& self, const std::string& mpiexec, const std::string& data_dir);

/// The benchmark groups; each appends its rows.
void bench_gemm(std::vector<Row>& rows);
void bench_alloc(std::vector<Row>& rows);
void bench_layers(std::vector<Row>& rows);

}  // namespace minnow::bench
