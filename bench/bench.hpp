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

/// The benchmark groups; each appends its rows.
void bench_gemm(std::vector<Row>& rows);
void bench_alloc(std::vector<Row>& rows);
void bench_layers(std::vector<Row>& rows);

}  // namespace minnow::bench
