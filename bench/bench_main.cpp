// minnow's benchmark program (`make bench`): prints a table and writes the rows as JSON.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <fmt/format.h>
#include <string>

#include "bench.hpp"
#include "minnow/tensor/blas.hpp"

namespace minnow::bench {

double time_ms(const std::function<void()>& fn, double min_seconds) {
    fn();  // warm-up: caches, allocator buckets, OpenBLAS threads
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

nlohmann::json environment() {
    nlohmann::json env;
    for (const char* name : {"OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "GOTO_NUM_THREADS"}) {
        const char* value = std::getenv(name);
        env[name] = value ? value : "(unset)";
    }
    env["openblas_config"] = minnow::blas::config();
    env["openblas_threads"] = minnow::blas::num_threads();
    return env;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out_path;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--out" && i + 1 < argc) out_path = argv[++i];
    }
    const nlohmann::json env = environment();
    fmt::print("minnow benchmarks\n");
    for (const auto& [key, value] : env.items()) fmt::print("  {}: {}\n", key, value.dump());

    std::vector<minnow::bench::Row> rows;
    minnow::bench::bench_gemm(rows);
    minnow::bench::bench_alloc(rows);
    minnow::bench::bench_layers(rows);

    fmt::print("\n{:<8} {:<52} {:>10} {:>9}\n", "group", "benchmark", "ms", "GFLOP/s");
    nlohmann::json json_rows = nlohmann::json::array();
    for (const auto& r : rows) {
        fmt::print("{:<8} {:<52} {:>10.4f} {:>9}\n", r.group, r.name, r.ms,
                   r.gflops > 0 ? fmt::format("{:.1f}", r.gflops) : "");
        for (const auto& [key, value] : r.extra.items()) fmt::print("{:<8}   {}: {}\n", "", key, value.dump());
        json_rows.push_back({{"group", r.group}, {"name", r.name}, {"ms", r.ms}, {"gflops", r.gflops}, {"extra", r.extra}});
    }
    if (!out_path.empty()) {
        std::ofstream(out_path) << nlohmann::json{{"environment", env}, {"rows", json_rows}}.dump(2) << "\n";
        fmt::print("\nwrote {}\n", out_path);
    }
    return 0;
}
