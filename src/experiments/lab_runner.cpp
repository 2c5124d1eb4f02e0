// Running a lab: every claim's grid, several runs at once when asked, each finished run saved as
// it ends so an interrupted lab resumes where it stopped.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "experiments/lab_io.hpp"
#include "minnow/core/distributed.hpp"
#include "minnow/core/error.hpp"
#include "minnow/core/parallel.hpp"
#include "minnow/io/safetensors.hpp"

namespace minnow::experiments {

namespace fs = std::filesystem;

namespace {

double now_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A run's cost, for the estimate of the time remaining: batches it trains, weighted by depth.
double cost(const RunSpec& s, const LabData& data) {
    const double samples = s.transfer ? double(s.finetune_samples) * s.epochs + double(data.train->size()) / 2 * s.pretrain_epochs
                                      : double(s.train_limit > 0 ? s.train_limit : data.train->size()) * s.epochs;
    const double per_step = 1.0 + 0.02 * double(s.batch_size);  // a step's fixed cost against its samples
    const double depth = s.hidden_layers > 0 ? 0.4 + 0.2 * s.hidden_layers : 1.0;
    const double extra = s.measure_statistics_modes ? 2.0 : 1.0;
    return samples / double(s.batch_size) * per_step * depth * extra;
}

// The result a previous lab left for this spec, if it is the same run.
std::optional<RunResult> finished(const RunSpec& spec, const std::string& out) {
    if (out.empty()) return std::nullopt;
    const fs::path path = fs::path(detail::run_folder(out, spec)) / "result.json";
    if (!fs::is_regular_file(path)) return std::nullopt;
    try {
        RunResult r = detail::read_run_result(path.string());
        if (r.spec.canonical() == spec.canonical()) return r;
    } catch (const Error&) {
        // A damaged file is a run to do again.
    }
    return std::nullopt;
}

}  // namespace

int default_jobs(ModelKind model, int threads) {
    // Measured on 2 cores (quick lr + placement grids, full MNIST): the MLP's small products gain
    // little from a second thread, so two runs at once on one thread each took 17.5-17.7 s against
    // 22.2-22.3 s one at a time; the CNN's were even (11.4-11.9 s), so it keeps every thread.
    constexpr int kMaxDefaultJobs = 8;
    return model == ModelKind::Mlp ? std::clamp(threads, 1, kMaxDefaultJobs) : 1;
}

LabResult run_lab(const LabOptions& options, const LabData& data, const std::string& out, const LabProgress& progress) {
    LabResult result;
    result.options = options;
    const std::vector<std::string> claims = options.claims.empty() ? claim_names() : options.claims;
    result.options.claims = claims;
    std::vector<RunSpec> specs;
    for (const std::string& claim : claims)
        for (RunSpec& s : claim_grid(claim, options)) specs.push_back(std::move(s));

    const int threads = options.threads > 0 ? options.threads : num_threads();
    const int jobs = std::clamp(options.jobs > 0 ? options.jobs : default_jobs(options.model, threads), 1,
                                std::max(1, static_cast<int>(specs.size())));
    const int before = num_threads();
    set_num_threads(std::max(1, threads / jobs));

    // Under mpirun the runs are dealt to the ranks in turn (they are independent trainings); each
    // rank runs its own and shows its own progress, and at the end every rank gets every result.
    const auto ranks = static_cast<size_t>(distributed::size()), rank = static_cast<size_t>(distributed::rank());
    const auto mine = [&](size_t i) { return i % ranks == rank; };
    std::vector<std::optional<RunResult>> results(specs.size());
    double total_cost = 0, done_cost = 0, resumed_cost = 0;
    int64_t done = 0, owned = 0;
    for (size_t i = 0; i < specs.size(); ++i) {
        if (!mine(i)) continue;
        ++owned;
        total_cost += cost(specs[i], data);
        if ((results[i] = finished(specs[i], out))) ++done, resumed_cost += cost(specs[i], data);
    }
    done_cost = resumed_cost;

    std::mutex mutex;
    std::atomic<size_t> next{0};
    const double start = now_seconds();
    std::exception_ptr failure;
    auto report = [&] {
        if (!progress) return;
        const double elapsed = now_seconds() - start;
        const double rate = done_cost > resumed_cost ? elapsed / (done_cost - resumed_cost) : 0.0;
        progress(done, owned, elapsed, rate * (total_cost - done_cost));
    };
    report();
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < specs.size();) {
            if (results[i] || !mine(i)) continue;
            {
                std::lock_guard lock(mutex);
                if (failure) return;
            }
            try {
                RunResult r = run_one(specs[i], data);
                if (!out.empty()) detail::write_run(r, out, options);
                std::lock_guard lock(mutex);
                results[i] = std::move(r);
                ++done;
                done_cost += cost(specs[i], data);
                report();
            } catch (...) {
                std::lock_guard lock(mutex);
                if (!failure) failure = std::current_exception();
                return;
            }
        }
    };
    if (jobs == 1) {
        work();
    } else {
        std::vector<std::thread> workers;
        for (int j = 0; j < jobs; ++j) workers.emplace_back(work);
        for (auto& w : workers) w.join();
    }
    set_num_threads(before);
    if (failure) std::rethrow_exception(failure);
    if (ranks > 1) {
        nlohmann::json ours = nlohmann::json::array();
        for (size_t i = 0; i < specs.size(); ++i)
            if (mine(i)) ours.push_back({{"index", i}, {"run", detail::run_json(*results[i])}});
        for (const std::string& theirs : distributed::allgather(ours.dump()))
            for (const auto& entry : nlohmann::json::parse(theirs))
                results[entry.at("index").get<size_t>()] = detail::run_from_json(entry.at("run"));
    }

    for (auto& r : results) result.runs.push_back(std::move(*r));
    for (const std::string& claim : claims) {
        std::vector<RunResult> runs;
        for (const RunResult& r : result.runs)
            if (r.spec.claim == claim) runs.push_back(r);
        result.verdicts.push_back(judge_claim(claim, runs, options));
    }
    return result;
}

}  // namespace minnow::experiments
