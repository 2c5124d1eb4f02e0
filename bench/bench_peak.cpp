// The machine's floating-point peak, measured: chains of independent fused multiply-adds on
// registers (no memory traffic), with the widest vectors this CPU runs, on one core and on every
// core at once. And the FLOPs a workload's step does, counted from its layers' shapes, so every
// workload can be reported as a fraction of that peak.
#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <thread>
#include <vector>

// GCC 12's AVX-512 intrinsics start some vectors from _mm512_undefined_ps(), which its own
// -Wuninitialized then reports inside the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "bench.hpp"
#include "minnow/layers/conv2d.hpp"
#include "minnow/layers/dense.hpp"

namespace minnow::bench {

namespace {

// 12 independent accumulators: enough to cover the FMA latency (4 cycles) times the FMA units (2)
// with room to spare, so the loop is bound by FMA throughput alone.
constexpr int kChains = 12;

__attribute__((target("avx512f"))) float fma_loop_avx512(int64_t iterations) {
    __m512 acc[kChains];
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int64_t it = 0; it < iterations; ++it)
        for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __m512 sum = acc[0];
    for (int i = 1; i < kChains; ++i) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(int64_t iterations) {
    __m256 acc[kChains];
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int64_t it = 0; it < iterations; ++it)
        for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    __m256 sum = acc[0];
    for (int i = 1; i < kChains; ++i) sum = _mm256_add_ps(sum, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, sum);
    float total = 0.0f;
    for (float v : lanes) total += v;
    return total;
}

#pragma GCC diagnostic pop

struct Isa {
    const char* name;
    int lanes;
    float (*loop)(int64_t);
};

// GFLOP/s of `isa` on `threads` threads at once, each running the loop: the best of 5 runs.
double measure(const Isa& isa, int threads) {
    constexpr int64_t kIterations = 20'000'000;
    double best = 0.0;
    std::atomic<float> sink{0.0f};
    for (int rep = 0; rep < 5; ++rep) {
        std::atomic<int> ready{0};
        std::vector<std::thread> pool;
        const double t0 = now();
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                ready.fetch_add(1);
                sink.store(sink.load() + isa.loop(kIterations));
            });
        for (auto& th : pool) th.join();
        const double seconds = now() - t0;
        const double flops = 2.0 * double(isa.lanes) * kChains * double(kIterations) * threads;
        best = std::max(best, flops / seconds / 1e9);
    }
    return best;
}

}  // namespace

Peak measure_peak() {
    std::vector<Isa> isas;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isas.push_back({"avx2+fma", 8, fma_loop_avx2});
    if (__builtin_cpu_supports("avx512f")) isas.push_back({"avx512f", 16, fma_loop_avx512});
    Peak p;
    p.cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    for (const Isa& isa : isas) {
        const double one = measure(isa, 1), all = measure(isa, p.cores);
        p.by_isa.push_back({isa.name, one, all});
        if (all > p.all_cores) {
            p.isa = isa.name;
            p.one_core = one;
            p.all_cores = all;
        }
    }
    return p;
}

double Peak::at_threads(int threads) const {
    if (threads >= cores) return all_cores;
    return std::min(all_cores, one_core * threads);
}

StepFlops count_step_flops(const Sequential& model, int64_t batch) {
    StepFlops f;
    bool first = true;  // the first weight layer's input gradient is never computed
    for (const auto& layer : model.layers()) {
        double product = 0.0;  // one of the layer's three products: 2 * M * N * K
        if (const auto* d = dynamic_cast<const Dense*>(layer.get())) {
            const Shape& w = d->kernel().shape();
            product = 2.0 * double(batch) * double(w[0]) * double(w[1]);
        } else if (const auto* c = dynamic_cast<const Conv2D*>(layer.get())) {
            const Shape& w = c->kernel().shape();  // (KH, KW, C, filters)
            const Shape& out = c->output_shape();  // (None, OH, OW, filters)
            product = 2.0 * double(batch) * double(out[1] * out[2]) * double(w[0] * w[1] * w[2]) * double(w[3]);
        } else {
            continue;
        }
        f.forward += product;
        f.weight_gradients += product;
        if (!first) f.input_gradients += product;
        first = false;
    }
    return f;
}

}  // namespace minnow::bench
