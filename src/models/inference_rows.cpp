// Each thread gathers its own part of a chunk and runs the whole plan on it. Split kernel by
// kernel instead, every layer's output was written half by each core and read by the next layer
// in halves that need not match, and each kernel ended in a wait for the slower thread: W1-BN's
// predict at 2 threads ran 1.21-1.29M samples/s, in parts 1.32-1.39M (one run, interleaved).
#include "models/inference_rows.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <vector>

#include "minnow/autograd/graph.hpp"
#include "minnow/core/parallel.hpp"

namespace minnow::detail {

namespace {

// A chunk of at least this many rows is split into parts no smaller: ops/linear.cpp's products run
// in its implicit GEMM from 256 rows and in other tiles below, so a part runs each row in the kernel
// the whole chunk would have (the same sums).
constexpr int64_t kRowsPerPart = 256;
// A smaller chunk (a CNN's: 48 images of W2 fill 4 MB with conv1's output) splits into parts of at
// least this many rows. W2-BN predict, 2 threads: 55.6-56.7k samples/s whole, 58.5-59.5k in parts.
constexpr int64_t kRowsPerSmallPart = 8;

}  // namespace

namespace {

int64_t part_grain(int64_t rows) { return rows >= kRowsPerPart ? kRowsPerPart : kRowsPerSmallPart; }

Tensor run_part(const Plan& plan, const Dataset& data, std::span<const int64_t> part, bool logits) {
    NoGradGuard no_grad;  // each thread has its own; a worker's is on by default
    return plan.run(Variable(data.gather_x(part)), Mode::Infer, logits).value();
}

}  // namespace

Tensor run_rows(const Plan& plan, const Dataset& data, std::span<const int64_t> rows, bool logits) {
    const auto run = [&](std::span<const int64_t> part) { return run_part(plan, data, part, logits); };
    const auto n = static_cast<int64_t>(rows.size());
    const int64_t grain = part_grain(n);
    const int64_t ranges = plan.concurrent_rows && data.concurrent_gather() ? parallel_ranges(n, grain) : 1;
    if (ranges <= 1) return run(rows);

    std::vector<Tensor> parts(static_cast<size_t>(ranges));
    // A worker must not throw out of its range: the first failure is rethrown here, after all ran.
    std::vector<std::exception_ptr> failures(static_cast<size_t>(ranges));
    parallel_for_ranges(n, grain, [&](int64_t r, int64_t begin, int64_t end) {
        try {
            parts[static_cast<size_t>(r)] = run(rows.subspan(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
        } catch (...) {
            failures[static_cast<size_t>(r)] = std::current_exception();
        }
    });
    for (const std::exception_ptr& failure : failures)
        if (failure) std::rethrow_exception(failure);
    Tensor out(parts.front().shape().with_batch(n));
    float* to = out.data();
    for (const Tensor& part : parts) to = std::copy_n(part.data(), part.numel(), to);
    return out;
}

}  // namespace minnow::detail

namespace minnow::detail {

void run_chunks(const Plan& plan, const Dataset& data, std::span<const int64_t> rows, int64_t chunk,
                int64_t row_size, float* out) {
    const auto n = static_cast<int64_t>(rows.size());
    const int64_t chunks = (n + chunk - 1) / chunk;
    const auto chunk_size = [&](int64_t b) { return std::min(chunk, n - b * chunk); };
    // Rows [first, first + count) through the plan into their place in out.
    const auto run_into = [&](int64_t first, int64_t count) {
        const Tensor y = run_part(plan, data, rows.subspan(static_cast<size_t>(first), static_cast<size_t>(count)), false);
        std::copy_n(y.data(), y.numel(), out + first * row_size);
    };
    // Each chunk's parts as run_rows splits it.
    std::vector<int64_t> ranges(static_cast<size_t>(chunks), 1);
    if (plan.concurrent_rows && data.concurrent_gather())
        for (int64_t b = 0; b < chunks; ++b)
            ranges[static_cast<size_t>(b)] = parallel_ranges(chunk_size(b), part_grain(chunk_size(b)));
    for (int64_t b0 = 0; b0 < chunks;) {
        const int64_t parts = ranges[static_cast<size_t>(b0)];
        int64_t b1 = b0 + 1;
        while (b1 < chunks && ranges[static_cast<size_t>(b1)] == parts) ++b1;
        if (parts <= 1) {
            // Whole on the calling thread, whose kernels split their own work between the threads.
            for (int64_t b = b0; b < b1; ++b) run_into(b * chunk, chunk_size(b));
        } else {
            // One job for the run of chunks split alike. The threads claim the parts (chunk b0's
            // first, second, ..., then b0 + 1's) as they get free: given part `lane` of each chunk,
            // the thread on the slower vCPU kept the other waiting at the end (W2-BN predict, 2
            // threads: 6% of a profile's samples in the pool's waiting). A part's rows give the same
            // bits whichever thread runs them.
            std::vector<std::exception_ptr> failures(static_cast<size_t>(parts));
            std::atomic<int64_t> next{0};
            const int64_t items = (b1 - b0) * parts;
            parallel_for_ranges(parts, 1, [&](int64_t lane, int64_t, int64_t) {
                try {
                    for (int64_t item = next++; item < items; item = next++) {
                        const int64_t b = b0 + item / parts;
                        const auto [begin, end] = parallel_range_bounds(chunk_size(b), parts, item % parts);
                        if (begin < end) run_into(b * chunk + begin, end - begin);
                    }
                } catch (...) {
                    failures[static_cast<size_t>(lane)] = std::current_exception();
                    next = items;  // the others stop at their next claim
                }
            });
            for (const std::exception_ptr& failure : failures)
                if (failure) std::rethrow_exception(failure);
        }
        b0 = b1;
    }
}

}  // namespace minnow::detail
