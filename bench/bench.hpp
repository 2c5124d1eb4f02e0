#pragma once
// Shared pieces of the benchmark program: timing, the result table and its JSON.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "minnow/models/sequential.hpp"

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

/// The machine's FMA peak in GFLOP/s, measured with the widest vectors it runs (bench_peak.cpp).
struct Peak {
    struct ByIsa {
        std::string isa;
        double one_core = 0.0, all_cores = 0.0;
    };
    std::string isa;         ///< the vectors of the highest peak ("avx512f", "avx2+fma")
    int cores = 1;           ///< hardware threads, all running at once for all_cores
    double one_core = 0.0;   ///< one thread
    double all_cores = 0.0;  ///< every hardware thread at once
    std::vector<ByIsa> by_isa;
    /// The peak for a workload on `threads` threads.
    double at_threads(int threads) const;
};
Peak measure_peak();

/// A training step's FLOPs, counted from the layers' shapes: each Dense and Conv2D does one
/// product forward (2 * M * N * K) and two backward, the weights' gradient and the input's (not
/// for the first layer, whose input gradient is never computed). Element-wise work (BN,
/// activations, pooling, the optimizer) is not counted.
struct StepFlops {
    double forward = 0.0, weight_gradients = 0.0, input_gradients = 0.0;
    double training() const { return forward + weight_gradients + input_gradients; }
};
StepFlops count_step_flops(const Sequential& model, int64_t batch);

/// The benchmark groups; each appends its rows.
void bench_gemm(std::vector<Row>& rows);
void bench_alloc(std::vector<Row>& rows);
void bench_layers(std::vector<Row>& rows);

}  // namespace minnow::bench
