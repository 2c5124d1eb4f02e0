#include "minnow/core/parallel.hpp"

#include <algorithm>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/float_mode.hpp"
#include "minnow/core/error.hpp"

namespace minnow {

namespace {

int default_threads() {
    for (const char* name : {"MINNOW_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"})
        if (const char* v = std::getenv(name); v != nullptr && std::atoi(v) > 0) return std::min(std::atoi(v), kMaxThreads);
    return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
}

thread_local bool t_inside_pool = false;

// How long an idle worker keeps polling for the next job before it sleeps. A training step runs
// dozens of kernels back to back; waking a sleeping thread costs tens of microseconds on a VM,
// more than many of those kernels take.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(300);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// A fixed set of workers that wait for a job, run their range, and report back. The caller runs
// range 0 itself. Workers spin briefly before sleeping, so back-to-back kernels do not pay a
// wake-up each.
class Pool {
public:
    explicit Pool(int threads) { resize(threads); }
    ~Pool() { stop(); }

    int threads() const { return static_cast<int>(workers_.size()) + 1; }

    void resize(int threads) {
        stop();
        std::lock_guard lock(mutex_);
        stopping_ = false;
        // New workers start at the current generation: earlier jobs are not theirs to run.
        for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, start = generation_.load()] { work(i, start); });
    }

    void run(int ranges, const std::function<void(int)>& job) {
        std::lock_guard serial(run_mutex_);  // one job at a time from any caller
        {
            std::lock_guard lock(mutex_);
            job_ = &job;
            ranges_ = ranges;
            float_mode_ = detail::float_mode();  // workers compute exactly as the caller would
            pending_.store(ranges - 1, std::memory_order_relaxed);
            generation_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();
        t_inside_pool = true;
        job(0);
        t_inside_pool = false;
        while (pending_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
        std::lock_guard lock(mutex_);
        job_ = nullptr;  // the job lives on the caller's stack: never leave it reachable
        ranges_ = 0;
    }

private:
    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            generation_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    void work(int index, uint64_t seen) {
        t_inside_pool = true;
        for (;;) {
            const std::function<void(int)>* job = nullptr;
            int ranges = 0;
            uint32_t mode = 0;
            spin_until_new_job(seen);
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
                seen = generation_.load(std::memory_order_relaxed);
                if (stopping_) return;
                job = job_;
                ranges = ranges_;
                mode = float_mode_;
            }
            if (job != nullptr && index < ranges) {
                detail::set_float_mode(mode);
                (*job)(index);
                pending_.fetch_sub(1, std::memory_order_acq_rel);
            }
        }
    }

    void spin_until_new_job(uint64_t seen) const {
        const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
        for (int i = 0;; ++i) {
            if (generation_.load(std::memory_order_acquire) != seen) return;
            cpu_relax();
            if (i % 64 == 63 && std::chrono::steady_clock::now() > deadline) return;
        }
    }

    std::mutex run_mutex_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    int ranges_ = 0;
    uint32_t float_mode_ = 0;
    std::atomic<uint64_t> generation_{0};  // written under mutex_, polled without it
    bool stopping_ = false;
    std::atomic<int> pending_{0};
};

Pool& pool() {
    static Pool p(default_threads());
    return p;
}

}  // namespace

void set_num_threads(int threads) {
    MINNOW_CHECK(threads >= 1 && threads <= kMaxThreads, ValueError, "set_num_threads: expected 1 to {} threads, got {}",
                 kMaxThreads, threads);
    if (pool().threads() == threads) return;
    try {
        pool().resize(threads);
    } catch (const std::system_error& e) {
        pool().resize(1);
        throw Error(fmt::format("set_num_threads: could not start {} threads ({}); running on 1", threads, e.what()));
    }
}

int num_threads() { return pool().threads(); }

int64_t parallel_ranges(int64_t n, int64_t grain) {
    if (t_inside_pool || n <= 0) return 1;
    const int64_t by_size = n / std::max<int64_t>(grain, 1);
    return std::clamp<int64_t>(by_size, 1, num_threads());
}

std::pair<int64_t, int64_t> parallel_range_bounds(int64_t n, int64_t ranges, int64_t r) {
    return {n * r / ranges, n * (r + 1) / ranges};
}

void parallel_for_ranges(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int64_t)>& fn) {
    const int64_t ranges = parallel_ranges(n, grain);
    if (ranges <= 1) {
        if (n > 0) fn(0, 0, n);
        return;
    }
    const std::function<void(int)> job = [&](int r) {
        const auto [begin, end] = parallel_range_bounds(n, ranges, r);
        if (begin < end) fn(r, begin, end);
    };
    pool().run(static_cast<int>(ranges), job);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    parallel_for_ranges(n, grain, [&](int64_t, int64_t begin, int64_t end) { fn(begin, end); });
}

}  // namespace minnow
